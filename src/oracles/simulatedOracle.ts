import { concatMap, defer, map, mergeMap, of, timer, type Observable } from 'rxjs';
import { Rng } from '../ops/random.ts';
import type { Answer, Oracle, Query } from './oracle.ts';

/** How a simulated annotator behaves. */
export interface SimulatedOracleOptions {
  /** Time to answer one query, in ms (default 0: at once). */
  readonly delayMs?: number;
  /** Probability that an answer is an error instead of the label (default 0). */
  readonly failureRate?: number;
  /** Seed of the failure draws. */
  readonly seed?: number;
  /** Queries answered at once (default 1: one annotator, one query after another). */
  readonly concurrency?: number;
}

/**
 * An oracle that answers from held-back ground truth, like an annotator who takes `delayMs`
 * per query and fails with probability `failureRate`.
 *
 * Use it for experiments on labeled data (the paper's protocol) and to test how a pipeline
 * copes with slow and failing annotators. Failures are `{ id, error }` answers, drawn from a
 * generator seeded per subscription, so a run with the same seed fails the same queries.
 *
 * ## Example
 * ```ts
 * const oracle = simulatedOracle((id) => data.train.labels[id], { delayMs: 25, failureRate: 0.3, seed: 7 });
 * of({ id: 3, attempt: 1, cycle: 1 }).pipe(oracle).subscribe(console.log); // { id: 3, label: 9 } or { id: 3, error: … }
 * ```
 * @param truth the true label of a pool id
 * @param options delay, failure rate, seed, concurrency
 * @returns the oracle
 */
export const simulatedOracle =
  (truth: (id: number) => unknown, options: SimulatedOracleOptions = {}): Oracle =>
  (queries: Observable<Query>) =>
    defer(() => {
      const { delayMs = 0, failureRate = 0, seed = 0, concurrency = 1 } = options;
      const rng = new Rng(seed);
      const answer = (query: Query): Answer =>
        failureRate > 0 && rng.nextFloat() < failureRate
          ? { id: query.id, error: `simulated failure (attempt ${query.attempt})` }
          : { id: query.id, label: truth(query.id) };
      const respond = (query: Query): Observable<Answer> =>
        delayMs > 0 ? timer(delayMs).pipe(map(() => answer(query))) : of(answer(query));
      return queries.pipe(concurrency === 1 ? concatMap(respond) : mergeMap(respond, concurrency));
    });
