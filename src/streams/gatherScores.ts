import { map, toArray, type OperatorFunction } from 'rxjs';
import { capabilities, type ScoredBatch, type ScoreRows } from '../tasks/learner.ts';

/**
 * Concatenates scored batches into one ScoredBatch: ids and predicted losses row after row, and
 * each optional output (probabilities, embeddings, …) that the batches carry.
 * @param batches batches with the same optional outputs, of the same widths
 * @returns one batch holding every row
 * @throws RangeError when the batches disagree on an output or its width
 */
export const concatBatches = (batches: ReadonlyArray<ScoredBatch>): ScoredBatch => {
  const n = batches.reduce((sum, b) => sum + b.ids.length, 0);
  const ids = new Int32Array(n);
  const predictedLoss = new Float32Array(n);
  let row = 0;
  for (const b of batches) {
    ids.set(b.ids, row);
    predictedLoss.set(b.predictedLoss, row);
    row += b.ids.length;
  }
  const out: { -readonly [K in keyof ScoredBatch]: ScoredBatch[K] } = { ids, predictedLoss };
  for (const name of capabilities) {
    const present = batches.filter((b) => b[name] !== undefined);
    if (present.length === 0) continue;
    if (present.length !== batches.length) throw new RangeError(`concatBatches: ${name} is in ${present.length} of ${batches.length} batches`);
    const width = batches.find((b) => b.ids.length > 0)?.[name]!.width ?? 0;
    const values = new Float32Array(n * width);
    let at = 0;
    for (const b of batches) {
      const rows = b[name] as ScoreRows;
      if (b.ids.length > 0 && rows.width !== width) throw new RangeError(`concatBatches: batches disagree on the width of ${name} (${rows.width} vs ${width})`);
      values.set(rows.values, at * width);
      at += b.ids.length;
    }
    out[name] = { values, width };
  }
  return out;
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
