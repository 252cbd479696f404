/**
 * The label journal: every accepted label, one JSON line each, appended and flushed to disk
 * (fsync) before the label enters the labeled set. A run resumes from it after a crash.
 *
 *     {"id":4711,"label":3,"cycle":1,"source":"simulated","time":"2026-11-28T13:40:00.000Z"}
 *
 * A label taken back while its round was open (a person's undo in the browser) is a
 * withdrawal line; the id's next line is its label (the last label wins):
 *
 *     {"id":4711,"withdrawn":true,"cycle":1,"source":"browser","time":"2026-11-28T13:40:05.000Z"}
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { InputError } from '../inputError.ts';

/** One accepted label as journaled. `cycle` 0 is the initial random set. */
export interface JournalEntry<L> {
  readonly id: number;
  readonly label: L;
  readonly cycle: number;
  /** Which oracle answered (simulated, file, callback, …). */
  readonly source: string;
  /** ISO time of acceptance. */
  readonly time: string;
}

/** The withdrawal of an accepted label (an undo), as journaled. */
export interface JournalWithdrawal {
  readonly id: number;
  readonly cycle: number;
  readonly source: string;
  readonly time: string;
}

/**
 * Where accepted labels are made durable. `append` (and `withdraw`) return only once the line
 * is on disk. A journal without `withdraw` cannot serve an oracle that withdraws answers.
 */
export interface LabelJournal<L> {
  append(entry: JournalEntry<L>): void;
  withdraw?(entry: JournalWithdrawal): void;
}

/** A journal kept in memory (for library use and tests, where durability is not wanted). */
export interface MemoryJournal<L> extends LabelJournal<L> {
  readonly entries: ReadonlyArray<JournalEntry<L>>;
}

/**
 * A journal kept in an array.
 *
 * Use it when a pipeline runs without a run directory (a notebook, a test).
 * @returns the journal; its `entries` grow as labels are accepted
 */
export const memoryJournal = <L>(): MemoryJournal<L> => {
  const entries: JournalEntry<L>[] = [];
  return {
    entries,
    append: (entry) => void entries.push(entry),
    withdraw: ({ id }) => {
      const at = entries.findIndex((e) => e.id === id);
      if (at >= 0) entries.splice(at, 1);
    },
  };
};

/** A journal backed by a file descriptor; `close` it when the run ends. */
export interface FileJournal<L> extends LabelJournal<L> {
  readonly path: string;
  close(): void;
}

/**
 * Opens `path` for appending accepted labels: each `append` is one `writeSync` of one line
 * followed by `fsyncSync`, so a label that was accepted survives `kill -9` and power loss.
 *
 * Use it for a run directory's labels.jsonl. A torn last line (a write cut by a crash) must
 * be cut off first with {@link repairJournalTail}, or the next line would be glued to it.
 * @param path the journal file (created when missing)
 * @param labelCodec encodes a label to JSON
 * @returns the open journal
 */
export const openFileJournal = <L>(path: string, labelCodec: t.Encoder<L, unknown>): FileJournal<L> => {
  const fd = openSync(path, 'a');
  let open = true;
  return {
    path,
    append: (entry) => {
      if (!open) throw new Error(`label journal ${path} is closed`);
      const line = `${JSON.stringify({ ...entry, label: labelCodec.encode(entry.label) })}\n`;
      writeSync(fd, line);
      fsyncSync(fd);
    },
    withdraw: (entry) => {
      if (!open) throw new Error(`label journal ${path} is closed`);
      writeSync(fd, `${JSON.stringify({ id: entry.id, withdrawn: true, cycle: entry.cycle, source: entry.source, time: entry.time })}\n`);
      fsyncSync(fd);
    },
    close: () => {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
};

/**
 * Cuts a torn last line (one without its newline) off the journal file.
 *
 * Use it before reopening a journal for appending after a crash.
 * @param path the journal file
 * @returns the bytes removed (0 when the file ends cleanly or does not exist)
 */
export const repairJournalTail = (path: string): number => {
  if (!existsSync(path)) return 0;
  const bytes = readFileSync(path);
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return 0;
  const keep = bytes.lastIndexOf(0x0a) + 1;
  truncateSync(path, keep);
  return bytes.length - keep;
};

const EntryShape = t.type({ id: t.Int, label: t.unknown, cycle: t.Int, source: t.string }, 'JournalEntry');
const WithdrawalShape = t.type({ id: t.Int, withdrawn: t.literal(true), cycle: t.Int, source: t.string }, 'JournalWithdrawal');

/** What reading a journal found. */
export interface JournalContents<L> {
  readonly entries: ReadonlyArray<JournalEntry<L>>;
  /** Lines skipped, with why (a torn last line, a repeated id). */
  readonly warnings: ReadonlyArray<string>;
}

/**
 * Reads a journal back: the accepted labels in the order they were accepted.
 *
 * Use it to resume a run. A torn LAST line (no newline, not valid JSON: a crash mid-write) is
 * skipped with a warning; a withdrawal line removes its id's label (its next line, if any, is
 * the label that counts); an id repeated without a withdrawal between keeps its first label,
 * with a warning; any other bad
 * line is an InputError naming the file and line, because it means the file was edited.
 * @param path the journal file (missing = empty)
 * @param labelCodec decodes a label
 * @returns the entries and warnings
 */
export const readJournal = <L>(path: string, labelCodec: t.Decoder<unknown, L>): JournalContents<L> => {
  if (!existsSync(path)) return { entries: [], warnings: [] };
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const endsCleanly = text.length === 0 || text.endsWith('\n');
  const entries: JournalEntry<L>[] = [];
  const warnings: string[] = [];
  const seen = new Set<number>();
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const isTornTail = index === lines.length - 1 && !endsCleanly;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (isTornTail) {
        warnings.push(`${path}:${index + 1}: skipped a torn last line (${line.length} bytes)`);
        return;
      }
      throw new InputError(`${path}:${index + 1}: not valid JSON`);
    }
    const withdrawal = WithdrawalShape.decode(value);
    if (isRight(withdrawal)) {
      const { id } = withdrawal.right;
      if (seen.delete(id)) entries.splice(entries.findIndex((e) => e.id === id), 1);
      else warnings.push(`${path}:${index + 1}: withdrawal of id ${id}, which has no label; ignored`);
      return;
    }
    const shape = EntryShape.decode(value);
    const label = isRight(shape) ? labelCodec.decode(shape.right.label) : undefined;
    if (!isRight(shape) || label === undefined || !isRight(label)) {
      if (isTornTail) {
        warnings.push(`${path}:${index + 1}: skipped a torn last line`);
        return;
      }
      throw new InputError(`${path}:${index + 1}: not a journal entry: ${line.slice(0, 80)}`);
    }
    const { id, cycle, source } = shape.right;
    if (seen.has(id)) {
      warnings.push(`${path}:${index + 1}: id ${id} is journaled twice; kept the first label`);
      return;
    }
    seen.add(id);
    const time = typeof (value as { time?: unknown }).time === 'string' ? (value as { time: string }).time : '';
    entries.push({ id, label: label.right, cycle, source, time });
  });
  return { entries, warnings };
};
