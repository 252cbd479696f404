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
import { dirname } from 'node:path';
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { InputError } from '../inputError.ts';
import { describeFsError, fsyncDirectory, realFs, StorageError, writeAll, type DurableFs } from './durableFs.ts';

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
 * Opens `path` for appending accepted labels: each `append` writes one line (all of it, over
 * short writes) and fsyncs the file; the first append of an open journal also fsyncs the
 * directory (the file's name, when the journal was just created). So a label that was accepted
 * survives `kill -9` and power loss.
 *
 * When a write or fsync fails (ENOSPC, EROFS, EIO …), the bytes of that line are cut off again
 * (best effort: a torn tail is skipped on resume anyway), the journal refuses further appends,
 * and `append` throws a {@link StorageError} naming the file, the cause and the id — the caller
 * must not merge that label (mergeLabels merges only after `append` returns).
 *
 * Use it for a run directory's labels.jsonl. A torn last line (a write cut by a crash) must
 * be cut off first with {@link repairJournalTail}, or the next line would be glued to it.
 * @param path the journal file (created when missing)
 * @param labelCodec encodes a label to JSON
 * @param fs the file-system layer (default: node:fs)
 * @returns the open journal
 */
export const openFileJournal = <L>(path: string, labelCodec: t.Encoder<L, unknown>, fs: DurableFs = realFs): FileJournal<L> => {
  const fd = fs.openSync(path, 'a');
  let size = fs.fstatSync(fd).size;
  let open = true;
  let directorySynced = false;
  let failure: StorageError | undefined;
  /** Appends one line durably (fsynced; the directory too on the first); a failure stops the journal. */
  const appendLine = (text: string, id: number): void => {
    if (failure) throw failure;
    if (!open) throw new Error(`label journal ${path} is closed`);
    const line = Buffer.from(text, 'utf8');
    try {
      writeAll(fs, fd, line);
      fs.fsyncSync(fd);
      if (!directorySynced) {
        fsyncDirectory(fs, dirname(path));
        directorySynced = true;
      }
    } catch (error) {
      try {
        fs.ftruncateSync(fd, size);
      } catch {
        // The disk may refuse this too; the torn tail is cut when the run resumes.
      }
      failure = new StorageError(
        `cannot append to ${path} (${describeFsError(error)}): the answer for id ${id} was not merged; the run stopped and resumes from the journal`,
        path,
        (error as NodeJS.ErrnoException).code,
      );
      throw failure;
    }
    size += line.length;
  };
  return {
    path,
    append: (entry) => appendLine(`${JSON.stringify({ ...entry, label: labelCodec.encode(entry.label) })}\n`, entry.id),
    withdraw: (entry) => appendLine(`${JSON.stringify({ id: entry.id, withdrawn: true, cycle: entry.cycle, source: entry.source, time: entry.time })}\n`, entry.id),
    close: () => {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
    },
  };
};

/**
 * Cuts a torn last line (one without its newline) off the journal file, and fsyncs it.
 *
 * Use it before reopening a journal for appending after a crash.
 * @param path the journal file
 * @param fs the file-system layer (default: node:fs)
 * @returns the bytes removed (0 when the file ends cleanly or does not exist)
 */
export const repairJournalTail = (path: string, fs: DurableFs = realFs): number => {
  if (!fs.existsSync(path)) return 0;
  const bytes = fs.readFileSync(path);
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return 0;
  const keep = bytes.lastIndexOf(0x0a) + 1;
  const fd = fs.openSync(path, 'r+');
  try {
    fs.ftruncateSync(fd, keep);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
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

/** Options of {@link readJournal}. */
export interface ReadJournalOptions {
  /** Ids must be in 0 … poolSize-1; one outside is an InputError naming its line. */
  readonly poolSize?: number;
  /** The file-system layer (default: node:fs). */
  readonly fs?: DurableFs;
}

/**
 * Reads a journal back: the accepted labels in the order they were accepted.
 *
 * Use it to resume a run. A LAST line without its newline is a write cut by a crash — never
 * acknowledged, so never merged — and is skipped with a warning, whatever it holds (even when
 * it parses). A withdrawal line (an undo) removes its id's label; its next line, if any, is the
 * label that counts. An id repeated without a withdrawal between keeps its first label, with a
 * warning. Any other bad line (not JSON, not an entry, an id outside the pool) is an InputError
 * naming the file and line number, because it means the file was edited or damaged: nothing is
 * written then.
 * @param path the journal file (missing = empty)
 * @param labelCodec decodes a label
 * @param options the pool size to check ids against, the file-system layer
 * @returns the entries and warnings
 */
export const readJournal = <L>(path: string, labelCodec: t.Decoder<unknown, L>, options: ReadJournalOptions = {}): JournalContents<L> => {
  const fs = options.fs ?? realFs;
  if (!fs.existsSync(path)) return { entries: [], warnings: [] };
  const text = fs.readFileSync(path).toString('utf8');
  const lines = text.split('\n');
  const endsCleanly = text.length === 0 || text.endsWith('\n');
  const entries: JournalEntry<L>[] = [];
  const warnings: string[] = [];
  const seen = new Set<number>();
  lines.forEach((line, index) => {
    const isTornTail = index === lines.length - 1 && !endsCleanly;
    if (isTornTail) {
      warnings.push(`${path}:${index + 1}: skipped a torn last line (${Buffer.byteLength(line)} bytes without a newline)`);
      return;
    }
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError(`${path}:${index + 1}: not valid JSON (the torn-line repair only cuts the last line): ${line.slice(0, 60)}`);
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
      throw new InputError(`${path}:${index + 1}: not a journal entry: ${line.slice(0, 80)}`);
    }
    const { id, cycle, source } = shape.right;
    if (options.poolSize !== undefined && (id < 0 || id >= options.poolSize)) {
      throw new InputError(`${path}:${index + 1}: id ${id} is outside the pool of ${options.poolSize} items (0 … ${options.poolSize - 1})`);
    }
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
