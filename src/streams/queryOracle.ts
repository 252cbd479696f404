import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { asyncScheduler, concatMap, Observable, Subject, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { AnswerCodec, type Oracle, type Query } from '../oracles/oracle.ts';
import type { Selection } from './takeTopK.ts';

/** How queries are asked, retried and given up. */
export interface QueryOracleOptions<L> {
  /** Decodes a label (the learner's labelCodec): an answer it rejects is "out of range". */
  readonly labelCodec: t.Decoder<unknown, L>;
  /** Ids outside 0 … poolSize − 1 are "unknown". */
  readonly poolSize: number;
  /** Tagged on queries and events. */
  readonly cycle: number;
  /** A query without an answer after this many ms fails (0 or absent: wait for ever). */
  readonly timeoutMs?: number;
  /** Attempts per query before it is given up and replaced (default 4). */
  readonly maxAttempts?: number;
  /** Wait before attempt a + 1 is backoffMs · 2^(a − 1), at most maxBackoffMs (defaults 50, 30,000). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** For virtual time in tests (default: asyncScheduler). */
  readonly scheduler?: SchedulerLike;
}

/** What asking the oracle reports; `queryReturned` carries the decoded label for the merge. */
export type QueryEvent<L> =
  | { readonly type: 'queryReturned'; readonly cycle: number; readonly id: number; readonly attempt: number; readonly label: L }
  | { readonly type: 'queryFailed'; readonly cycle: number; readonly id: number; readonly attempt: number; readonly reason: string; readonly final: boolean }
  | { readonly type: 'labelRejected'; readonly cycle: number; readonly id: number | null; readonly reason: string; readonly answer: unknown }
  | { readonly type: 'labelWithdrawn'; readonly cycle: number; readonly id: number };

const describe = (value: unknown): string => {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch {
    return String(value);
  }
};

/**
 * Asks the oracle for the labels of a selection and reports every answer, until the budget
 * (the number of picks) is answered, the candidates run out, or the oracle completes.
 *
 * Use it for the oracle stage. Every query is sent at once; the oracle answers in any order
 * and at any pace. Each answer is decoded (envelope with io-ts, label with `labelCodec`):
 * - malformed, for an id not asked (unknown), for an id already answered (duplicate) or given
 *   up (late) → `labelRejected`, and nothing else happens;
 * - an `{ id, error }`, a label the codec rejects, or no answer within `timeoutMs` → the
 *   query fails and is asked again after an exponential backoff; after `maxAttempts` it is
 *   given up (`queryFailed` with `final: true`) and the next reserve candidate is asked, so
 *   the cycle still collects its budget;
 * - `{ id, skip: true }` → the query is given up at once (`queryFailed`, `final: true`, reason
 *   "skipped") and the next reserve candidate is asked;
 * - `{ id, withdraw: true }` for an id answered in this round → `labelWithdrawn`: the query is
 *   open again (its timeout restarts) and its next answer is taken; for any other id it is
 *   rejected;
 * - a valid label → `queryReturned` with the decoded label.
 * Queries never answered go back to the pool (they are simply not labeled). The oracle is
 * subscribed once per selection and unsubscribed when the round ends.
 *
 * ## Example
 * ```ts
 * of(selection).pipe(queryOracle(simulatedOracle(truth), { labelCodec, poolSize, cycle: 1 })).subscribe(console.log);
 * ```
 * @param oracle queries in, answers out
 * @param options codec, pool size, cycle, timeout, retries, backoff
 * @returns selections in, query events out (one round per selection, in order)
 */
export const queryOracle =
  <L>(oracle: Oracle, options: QueryOracleOptions<L>): OperatorFunction<Selection, QueryEvent<L>> =>
  (source) =>
    source.pipe(concatMap((selection) => queryRound(oracle, selection, options)));

const queryRound = <L>(oracle: Oracle, selection: Selection, options: QueryOracleOptions<L>): Observable<QueryEvent<L>> =>
  new Observable<QueryEvent<L>>((subscriber) => {
    const { labelCodec, poolSize, cycle, timeoutMs = 0, maxAttempts = 4, backoffMs = 50, maxBackoffMs = 30_000 } = options;
    const scheduler = options.scheduler ?? asyncScheduler;
    const target = selection.picks.length;
    const outstanding = new Map<number, { attempt: number; timeout?: Subscription }>();
    const retrying = new Map<number, { attempt: number; timer: Subscription }>();
    /** Answered ids → the attempt that answered them. */
    const answered = new Map<number, number>();
    const givenUp = new Set<number>();
    const queries = new Subject<Query>();
    let nextReserve = 0;
    let finished = false;
    /** True while the first queries are sent: a synchronous oracle must not end the round early. */
    let starting = true;

    const finish = (): void => {
      if (finished) return;
      finished = true;
      subscriber.complete(); // teardown below cancels timers and the oracle
    };
    const checkDone = (): void => {
      if (starting) return;
      if (answered.size >= target || (outstanding.size === 0 && retrying.size === 0)) finish();
    };
    const ask = (id: number, attempt: number): void => {
      const entry: { attempt: number; timeout?: Subscription } = { attempt };
      outstanding.set(id, entry);
      if (timeoutMs > 0) entry.timeout = scheduler.schedule(() => fail(id, attempt, `no answer within ${timeoutMs} ms`), timeoutMs);
      queries.next({ id, attempt, cycle });
    };
    const askReserve = (): void => {
      while (nextReserve < selection.reserve.length && !finished) {
        const id = selection.reserve[nextReserve++];
        if (answered.has(id) || outstanding.has(id) || retrying.has(id) || givenUp.has(id)) continue;
        ask(id, 1);
        return;
      }
    };
    const fail = (id: number, attempt: number, reason: string, giveUp = false): void => {
      const entry = outstanding.get(id);
      if (finished || !entry || entry.attempt !== attempt) return;
      entry.timeout?.unsubscribe();
      outstanding.delete(id);
      if (attempt < maxAttempts && !giveUp) {
        subscriber.next({ type: 'queryFailed', cycle, id, attempt, reason, final: false });
        const wait = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
        const timer = scheduler.schedule(() => {
          retrying.delete(id);
          if (!finished) ask(id, attempt + 1);
        }, wait);
        retrying.set(id, { attempt, timer });
      } else {
        subscriber.next({ type: 'queryFailed', cycle, id, attempt, reason, final: true });
        givenUp.add(id);
        askReserve();
      }
      checkDone();
    };
    const reject = (id: number | null, reason: string, answer: unknown): void => {
      subscriber.next({ type: 'labelRejected', cycle, id, reason, answer });
    };
    const onAnswer = (raw: unknown): void => {
      if (finished) return;
      const envelope = AnswerCodec.decode(raw);
      if (isLeft(envelope)) {
        reject(null, `malformed answer ${describe(raw)}: expected {"id": integer, "label": …}`, raw);
        return;
      }
      const { id, label, error, skip, withdraw } = envelope.right;
      if (withdraw === true) {
        const attempt = answered.get(id);
        if (attempt === undefined) {
          reject(id, `withdrawal for id ${id}: it has no answer in this round`, raw);
          return;
        }
        answered.delete(id);
        const entry: { attempt: number; timeout?: Subscription } = { attempt };
        if (timeoutMs > 0) entry.timeout = scheduler.schedule(() => fail(id, attempt, `no answer within ${timeoutMs} ms`), timeoutMs);
        outstanding.set(id, entry);
        subscriber.next({ type: 'labelWithdrawn', cycle, id });
        return;
      }
      const pending = retrying.get(id);
      if (pending && error === undefined) {
        // A late answer to a query waiting for its retry: take it, cancel the retry.
        pending.timer.unsubscribe();
        retrying.delete(id);
        outstanding.set(id, { attempt: pending.attempt });
      }
      const entry = outstanding.get(id);
      if (!entry) {
        const reason = answered.has(id)
          ? `duplicate answer for id ${id}`
          : givenUp.has(id) || retrying.has(id)
            ? `late answer for id ${id}`
            : id < 0 || id >= poolSize
              ? `unknown id ${id}: outside the pool of ${poolSize}`
              : `unknown id ${id}: not queried`;
        reject(id, reason, raw);
        return;
      }
      if (skip === true) {
        fail(id, entry.attempt, 'skipped', true);
        return;
      }
      if (error !== undefined) {
        fail(id, entry.attempt, error);
        return;
      }
      if (label === undefined) {
        reject(id, `malformed answer for id ${id}: no label`, raw);
        fail(id, entry.attempt, 'malformed answer');
        return;
      }
      const decoded = labelCodec.decode(label);
      if (isLeft(decoded)) {
        reject(id, `out-of-range label ${describe(label)} for id ${id}`, raw);
        fail(id, entry.attempt, 'rejected label');
        return;
      }
      entry.timeout?.unsubscribe();
      outstanding.delete(id);
      answered.set(id, entry.attempt);
      subscriber.next({ type: 'queryReturned', cycle, id, attempt: entry.attempt, label: decoded.right });
      checkDone();
    };
    const onOracleComplete = (): void => {
      for (const [id, { attempt }] of [...outstanding, ...retrying]) {
        if (finished) return;
        subscriber.next({ type: 'queryFailed', cycle, id, attempt, reason: 'the oracle completed without answering', final: true });
      }
      finish();
    };

    subscriber.add(() => {
      finished = true;
      for (const { timeout } of outstanding.values()) timeout?.unsubscribe();
      for (const { timer } of retrying.values()) timer.unsubscribe();
      outstanding.clear();
      retrying.clear();
    });
    subscriber.add(oracle(queries).subscribe({ next: onAnswer, error: (error) => subscriber.error(error), complete: onOracleComplete }));
    if (target === 0) {
      finish();
      return;
    }
    for (const id of selection.picks) {
      if (finished) break;
      if (answered.has(id) || outstanding.has(id)) continue;
      ask(id, 1);
    }
    starting = false;
    checkDone();
  });
