/**
 * How strategies read the optional outputs of scoring — probabilities, embeddings, MC samples —
 * as rows of a width, in one place, with a one-line error naming the strategy and what is
 * missing (a task without classes, a learner that scored without MC dropout).
 */
import type { ScoredBatch } from '../tasks/learner.ts';

/** n rows of `width` values, row-major. */
export interface Rows {
  readonly values: Float32Array;
  readonly width: number;
}

/**
 * The class probabilities of the candidates.
 * @param candidates the scores
 * @param reader the strategy that reads them (for the error)
 * @returns rows of `classes` values
 * @throws RangeError when the task has no classes (keypoints)
 */
export const probabilityRows = (candidates: ScoredBatch, reader: string): Rows => {
  if (candidates.ids.length > 0 && candidates.classes < 1) throw new RangeError(`${reader} needs class probabilities, which these scores do not carry`);
  return { values: candidates.probabilities, width: candidates.classes };
};

/**
 * The penultimate embeddings of the candidates.
 * @param candidates the scores
 * @param reader the strategy that reads them (for the error)
 * @returns rows of `embeddingDim` values
 * @throws RangeError when the scores carry no embeddings
 */
export const embeddingRows = (candidates: ScoredBatch, reader: string): Rows => {
  if (candidates.ids.length > 0 && candidates.embeddingDim < 1) throw new RangeError(`${reader} needs embeddings, which these scores do not carry`);
  return { values: candidates.embeddings, width: candidates.embeddingDim };
};

/**
 * The MC-dropout samples of the candidates: T passes × C classes per row.
 * @param candidates the scores
 * @param reader the strategy that reads them (for the error)
 * @returns rows of T · C values
 * @throws RangeError when scoring did not run MC-dropout passes
 */
export const mcSampleRows = (candidates: ScoredBatch, reader: string): Rows => {
  const samples = candidates.mcSamples;
  if (samples !== undefined) return samples;
  if (candidates.ids.length === 0) return { values: new Float32Array(0), width: 0 };
  throw new RangeError(`${reader} needs MC-dropout samples, which these scores do not carry (the learner must score with mcPasses)`);
};
