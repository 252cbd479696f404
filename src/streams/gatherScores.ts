import { map, toArray, type OperatorFunction } from 'rxjs';
import type { ScoredBatch } from '../tasks/learner.ts';

/**
 * Concatenates scored batches into one ScoredBatch (ids, predicted losses, probabilities and
 * embeddings, row after row).
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
  let row = 0;
  for (const b of batches) {
    if (b.classes !== classes || b.embeddingDim !== embeddingDim) {
      throw new RangeError(`concatBatches: batches disagree on classes (${b.classes} vs ${classes}) or embeddingDim (${b.embeddingDim} vs ${embeddingDim})`);
    }
    ids.set(b.ids, row);
    predictedLoss.set(b.predictedLoss, row);
    probabilities.set(b.probabilities, row * classes);
    embeddings.set(b.embeddings, row * embeddingDim);
    row += b.ids.length;
  }
  return { ids, predictedLoss, probabilities, classes, embeddings, embeddingDim };
};

/**
 * The rows of `batch` in the order of `ids`: the scoring stage may deliver batches in any
 * order (shards finish when they finish), the ranking must not depend on it (top-K breaks ties
 * by position, random and core-set pick positions). A row whose id appears again is a shard
 * counted twice: the first copy is kept.
 * @param ids the ids in the order the pass was asked for (the subset's draw order)
 * @returns `batch => batch` with exactly the rows of `ids`, in that order
 * @throws RangeError naming an id that has no row
 */
export const inIdOrder =
  (ids: Int32Array) =>
  (batch: ScoredBatch): ScoredBatch => {
    const { classes, embeddingDim } = batch;
    const rowOf = new Map<number, number>();
    for (let r = batch.ids.length - 1; r >= 0; r--) rowOf.set(batch.ids[r]!, r);
    const n = ids.length;
    const predictedLoss = new Float32Array(n);
    const probabilities = new Float32Array(n * classes);
    const embeddings = new Float32Array(n * embeddingDim);
    for (let k = 0; k < n; k++) {
      const r = rowOf.get(ids[k]!);
      if (r === undefined) throw new RangeError(`scoring returned no row for pool id ${ids[k]}`);
      predictedLoss[k] = batch.predictedLoss[r]!;
      probabilities.set(batch.probabilities.subarray(r * classes, (r + 1) * classes), k * classes);
      embeddings.set(batch.embeddings.subarray(r * embeddingDim, (r + 1) * embeddingDim), k * embeddingDim);
    }
    return { ids: Int32Array.from(ids), predictedLoss, probabilities, classes, embeddings, embeddingDim };
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
