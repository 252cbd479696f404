import { concatMap, defer, range, type OperatorFunction } from 'rxjs';
import type { Capability, Learner, ScoredBatch } from '../tasks/learner.ts';

/**
 * Scores pool ids in batches, one forward pass each, emitting each batch as soon as it is
 * computed: ids and l̂, plus the optional `outputs` asked for (what the strategy requires).
 *
 * Use it for the batch-inference stage: progress is visible batch by batch, and
 * unsubscribing stops between two batches (a batch in flight finishes; its result, plain
 * typed arrays, is dropped). Each batch starts only after the previous one finished.
 *
 * ## Example
 * ```ts
 * of(subset).pipe(scoreInBatches(learner, 256, ['probabilities'])).subscribe((batch) => console.log(batch.ids.length));
 * ```
 * @param learner scores one batch of ids
 * @param batchSize ids per forward pass
 * @param outputs optional outputs to compute (default none: ids and l̂ only)
 * @returns arrays of ids in, one ScoredBatch per batch out
 */
export const scoreInBatches =
  (learner: Pick<Learner<unknown>, 'score'>, batchSize: number, outputs: ReadonlyArray<Capability> = []): OperatorFunction<Int32Array, ScoredBatch> =>
  (source) => {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`scoreInBatches: batchSize must be a positive integer, got ${batchSize}`);
    return source.pipe(
      concatMap((ids) =>
        range(0, Math.ceil(ids.length / batchSize)).pipe(
          concatMap((b) => defer(() => learner.score(ids.slice(b * batchSize, (b + 1) * batchSize), { outputs }))),
        ),
      ),
    );
  };
