import { map, toArray, type OperatorFunction } from 'rxjs';
import type { ScoredBatch } from '../tasks/learner.ts';

/**
 * Concatenates scored batches into one ScoredBatch (ids, predicted losses, probabilities and
 * embeddings, and MC samples when the batches have them, row after row).
 * @param batches batches with equal `classes` and `embeddingDim`
 * @returns one batch holding every row
 */
export const concatBatches = (batches: ReadonlyArray<ScoredBatch>): ScoredBatch => {
  const n = batches.reduce((sum, b) => sum + b.ids.length, 0);
  const classes = batches[0]?.classes ?? 0;
  const embeddingDim = batches[0]?.embeddingDim ?? 0;
  const ids = new Int32Array(n);
  const predictedLoss = new Float32Array(n);
  const probabilities = new Float32Array(n * classes);
  const embeddings = new Float32Array(n * embeddingDim);
  const mcWidth = batches[0]?.mcSamples?.width;
  const mcValues = mcWidth === undefined ? undefined : new Float32Array(n * mcWidth);
  let row = 0;
  for (const b of batches) {
    if (b.mcSamples?.width !== mcWidth) throw new RangeError(`concatBatches: batches disagree on mcSamples (width ${b.mcSamples?.width} vs ${mcWidth})`);
    if (mcValues !== undefined && mcWidth !== undefined) mcValues.set(b.mcSamples!.values, row * mcWidth);
    if (b.classes !== classes || b.embeddingDim !== embeddingDim) {
      throw new RangeError(`concatBatches: batches disagree on classes (${b.classes} vs ${classes}) or embeddingDim (${b.embeddingDim} vs ${embeddingDim})`);
    }
    ids.set(b.ids, row);
    predictedLoss.set(b.predictedLoss, row);
    probabilities.set(b.probabilities, row * classes);
    embeddings.set(b.embeddings, row * embeddingDim);
    row += b.ids.length;
  }
  return {
    ids, predictedLoss, probabilities, classes, embeddings, embeddingDim,
    ...(mcValues === undefined || mcWidth === undefined ? {} : { mcSamples: { values: mcValues, width: mcWidth } }),
  };
};

/**
 * Gathers the batches of a scoring pass into one ScoredBatch of all candidates, emitted when
 * the pass completes (an empty pass gives an empty batch).
 *
 * Use it between {@link scoreInBatches} and a strategy, which ranks all candidates at once.
 *
 * ## Example
 * ```ts
 * of(subset).pipe(scoreInBatches(learner, 256), gatherScores()).subscribe((all) => all.ids.length === subset.length);
 * ```
 * @returns batches in, one batch out
 */
export const gatherScores =
  (): OperatorFunction<ScoredBatch, ScoredBatch> =>
  (source) =>
    source.pipe(toArray(), map(concatBatches));
