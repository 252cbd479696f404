import { catchError, from, map, mergeMap, of, type Observable, type ObservableInput } from 'rxjs';
import type { Answer, Oracle, Query } from './oracle.ts';

/** Options of {@link callbackOracle}. */
export interface CallbackOracleOptions {
  /** Queries in flight at once (default: unbounded). */
  readonly concurrency?: number;
}

/**
 * An oracle from a function: each query calls `ask`, whose result (a value, a Promise or an
 * Observable of one value) is the label; a rejection is an `{ id, error }` answer (retried).
 *
 * Use it from a library: ask a labeling service, a UI, a database.
 *
 * ## Example
 * ```ts
 * const oracle = callbackOracle(async ({ id }) => (await fetchLabel(id)).classIndex);
 * activeLearning({ …, oracle });
 * ```
 * @param ask returns the label of a query
 * @param options concurrency
 * @returns the oracle
 */
export const callbackOracle =
  (ask: (query: Query) => ObservableInput<unknown> | unknown, options: CallbackOracleOptions = {}): Oracle =>
  (queries: Observable<Query>) =>
    queries.pipe(
      mergeMap((query) => {
        let result: ObservableInput<unknown> | unknown;
        try {
          result = ask(query);
        } catch (error) {
          return of<Answer>({ id: query.id, error: error instanceof Error ? error.message : String(error) });
        }
        const isInput =
          result !== null &&
          typeof result === 'object' &&
          (typeof (result as PromiseLike<unknown>).then === 'function' || typeof (result as Observable<unknown>).subscribe === 'function');
        return (isInput ? from(result as ObservableInput<unknown>) : of(result)).pipe(
          map((label): Answer => ({ id: query.id, label })),
          catchError((error: unknown) => of<Answer>({ id: query.id, error: error instanceof Error ? error.message : String(error) })),
        );
      }, options.concurrency ?? Number.POSITIVE_INFINITY),
    );
