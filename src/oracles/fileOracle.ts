import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { Observable } from 'rxjs';
import type { Oracle, Query } from './oracle.ts';

/** Where the file oracle writes queries and reads answers. */
export interface FileOracleOptions {
  /** JSONL file the queries are appended to: `{"id":…,"attempt":…,"cycle":…,"time":…}`. */
  readonly queriesPath: string;
  /** JSONL file a person (or a program) appends answers to: `{"id":…,"label":…}`. */
  readonly answersPath: string;
  /** How often the answers file is checked for new lines, in ms (default 200). */
  readonly pollMs?: number;
}

/**
 * An oracle behind two files: each query is appended as a JSON line to `queriesPath`; the
 * answers file is followed as it grows (a partial last line waits for its newline), and
 * each complete line is emitted (parsed JSON, or the raw text when it is not JSON: it is
 * then rejected as malformed downstream).
 *
 * Use it for a person labeling by hand, or any program that can append lines to a file:
 * `tail -f queries.jsonl`, look, then `echo '{"id":4711,"label":3}' >> answers.jsonl`.
 * Answers already in the file when the oracle starts (given while the run was down) are
 * used for the ids that are queried again; the other old lines are ignored. Lines written
 * afterwards are all emitted, so an answer for an id nobody asked is reported.
 *
 * ## Example
 * ```ts
 * const oracle = fileOracle({ queriesPath: 'run/queries.jsonl', answersPath: 'run/answers.jsonl' });
 * activeLearning({ …, oracle, oracleName: 'file' });
 * ```
 * @param options the two paths and the poll interval
 * @returns the oracle; it never completes on its own
 */
export const fileOracle =
  (options: FileOracleOptions): Oracle =>
  (queries) =>
    new Observable<unknown>((subscriber) => {
      const { queriesPath, answersPath, pollMs = 200 } = options;
      const startSize = existsSync(answersPath) ? statSync(answersPath).size : 0;
      /** Bytes of the answers file consumed: always just after a newline. */
      let offset = 0;
      const asked = new Set<number>();
      /** Answers found in the file before this oracle started, by id, not yet emitted. */
      const earlier = new Map<number, unknown>();

      const parse = (line: string): unknown => {
        try {
          return JSON.parse(line);
        } catch {
          return line;
        }
      };
      const idOf = (value: unknown): number | undefined =>
        typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'number'
          ? (value as { id: number }).id
          : undefined;

      const poll = (): void => {
        if (!existsSync(answersPath)) return;
        const size = statSync(answersPath).size;
        if (size < offset) offset = 0; // truncated or replaced: start over
        if (size === offset) return;
        const buffer = Buffer.alloc(size - offset);
        const fd = openSync(answersPath, 'r');
        try {
          readSync(fd, buffer, 0, buffer.length, offset);
        } finally {
          closeSync(fd);
        }
        // Only complete lines: a partial last line is read again, whole, at a later poll.
        const end = buffer.lastIndexOf(0x0a);
        if (end < 0) return;
        let position = offset;
        offset += end + 1;
        for (const line of buffer.subarray(0, end).toString('utf8').split('\n')) {
          position += Buffer.byteLength(line, 'utf8') + 1;
          if (line.trim() === '') continue;
          const value = parse(line);
          const id = idOf(value);
          if (position <= startSize && (id === undefined || !asked.has(id))) {
            if (id !== undefined) earlier.set(id, value);
            continue;
          }
          subscriber.next(value);
        }
      };

      const timer = setInterval(() => {
        try {
          poll();
        } catch (error) {
          subscriber.error(error);
        }
      }, pollMs);
      const queriesSubscription = queries.subscribe({
        next: (query: Query) => {
          appendFileSync(queriesPath, `${JSON.stringify({ ...query, time: new Date().toISOString() })}\n`);
          asked.add(query.id);
          const old = earlier.get(query.id);
          if (old !== undefined) {
            earlier.delete(query.id);
            subscriber.next(old);
          }
        },
        error: (error) => subscriber.error(error),
      });
      return () => {
        clearInterval(timer);
        queriesSubscription.unsubscribe();
      };
    });
