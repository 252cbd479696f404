/**
 * The browser oracle's own log: every annotation a page gave, every undo and skip, one JSON
 * line each, flushed to disk (fsync) before the page is told it was accepted. The run's label
 * journal holds the merged labels; this log holds who said what, and the annotations of items
 * that still waited for more people when the process stopped (replayed after a restart).
 *
 *     {"id":12,"cycle":1,"session":"k3…","label":4,"time":"…"}
 *     {"id":12,"cycle":1,"session":"k3…","undone":true,"time":"…"}
 *     {"id":12,"cycle":1,"session":"k3…","skipped":true,"time":"…"}
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Annotation } from './labelQueue.ts';

/** One line of the log. */
export type AnnotationRecord =
  | { readonly id: number; readonly cycle: number; readonly session: string; readonly label: unknown; readonly time: string }
  | { readonly id: number; readonly cycle: number; readonly session: string; readonly undone: true; readonly time: string }
  | { readonly id: number; readonly cycle: number; readonly session: string; readonly skipped: true; readonly time: string };

/** An append-only, fsynced annotation log (or none: every method does nothing). */
export interface AnnotationLog {
  append(record: AnnotationRecord): void;
  /** The annotations standing for (cycle, id) in what the log held when it was opened. */
  earlier(cycle: number, id: number): ReadonlyArray<Annotation>;
  close(): void;
}

/**
 * Opens (or creates) the log at `path`; without a path, a log that keeps nothing.
 *
 * A torn last line (a crash mid-write) is ignored when the log is read back.
 * @param path the file, or undefined
 * @returns the log
 */
export const openAnnotationLog = (path: string | undefined): AnnotationLog => {
  const standing = new Map<string, Annotation[]>();
  if (path === undefined) return { append: () => {}, earlier: () => [], close: () => {} };
  let tornTail = false;
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    tornTail = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record: Partial<Record<string, unknown>>;
      try {
        record = JSON.parse(line) as Partial<Record<string, unknown>>;
      } catch {
        continue;
      }
      const { id, cycle, session } = record;
      if (typeof id !== 'number' || typeof cycle !== 'number' || typeof session !== 'string') continue;
      const key = `${cycle}:${id}`;
      const list = (standing.get(key) ?? []).filter((a) => a.session !== session);
      if (record['skipped'] === true) standing.delete(key);
      else {
        if (record['undone'] !== true && 'label' in record) list.push({ session, label: record['label'] });
        standing.set(key, list);
      }
    }
  }
  const fd = openSync(path, 'a');
  // A torn last line (a crash mid-write) gets its newline, so the next record starts clean.
  if (tornTail) writeSync(fd, '\n');
  let open = true;
  return {
    append: (record) => {
      if (!open) return;
      writeSync(fd, `${JSON.stringify(record)}\n`);
      fsyncSync(fd);
    },
    earlier: (cycle, id) => standing.get(`${cycle}:${id}`) ?? [],
    close: () => {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
};
