import { concatMap, defer, range, type OperatorFunction } from 'rxjs';
import type { Learner, ScoredBatch, ScoreOptions } from '../tasks/learner.ts';

/**
 * Scores pool ids in batches, one forward pass each, emitting each batch as soon as it is
 * computed.
 *
 * Use it for the batch-inference stage: progress is visible batch by batch, and
 * unsubscribing stops between two batches (a batch in flight finishes; its result, plain
 * typed arrays, is dropped). Each batch starts only after the previous one finished.
 *
 * ## Example
 * ```ts
 * of(subset).pipe(scoreInBatches(learner, 256)).subscribe((batch) => console.log(batch.ids.length));
 * ```
 * @param learner scores one batch of ids
 * @param batchSize ids per forward pass
 * @param request what else to compute (MC-dropout passes), passed to every call
 * @returns arrays of ids in, one ScoredBatch per batch out
 */
export const scoreInBatches =
  (learner: Pick<Learner<unknown>, 'score'>, batchSize: number, request?: ScoreOptions): OperatorFunction<Int32Array, ScoredBatch> =>
  (source) => {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`scoreInBatches: batchSize must be a positive integer, got ${batchSize}`);
    return source.pipe(
      concatMap((ids) =>
        range(0, Math.ceil(ids.length / batchSize)).pipe(
          concatMap((b) => defer(() => (request === undefined ? learner.score(ids.slice(b * batchSize, (b + 1) * batchSize)) : learner.score(ids.slice(b * batchSize, (b + 1) * batchSize), request)))),
        ),
      ),
    );
  };
