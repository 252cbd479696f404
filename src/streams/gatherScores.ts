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
    const rowOf = new Map<number, number>();
    for (let r = batch.ids.length - 1; r >= 0; r--) rowOf.set(batch.ids[r]!, r);
    const n = ids.length;
    const rows = Int32Array.from(ids, (id) => {
      const r = rowOf.get(id);
      if (r === undefined) throw new RangeError(`scoring returned no row for pool id ${id}`);
      return r;
    });
    const out: { -readonly [K in keyof ScoredBatch]: ScoredBatch[K] } = { ids: Int32Array.from(ids), predictedLoss: Float32Array.from(rows, (r) => batch.predictedLoss[r]!) };
    for (const name of capabilities) {
      const from = batch[name];
      if (from === undefined) continue;
      const { width } = from;
      const values = new Float32Array(n * width);
      rows.forEach((r, k) => values.set(from.values.subarray(r * width, (r + 1) * width), k * width));
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
