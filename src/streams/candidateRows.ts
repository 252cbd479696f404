/**
 * How strategies read the optional outputs of scoring — probabilities, embeddings, MC samples —
 * as rows of a width, in one place, with a one-line error naming the strategy and what is
 * missing (an output the strategy did not declare in its `requires`, or that the learner does
 * not provide).
 */
import type { Capability, ScoredBatch, ScoreRows } from '../tasks/learner.ts';

/** n rows of `width` values, row-major (the learner's {@link ScoreRows}). */
export type Rows = ScoreRows;

const what: Readonly<Record<Capability, string>> = {
  probabilities: 'class probabilities',
  embeddings: 'embeddings',
  mcSamples: 'MC-dropout samples',
  gradientEmbeddings: 'gradient embeddings',
};

/**
 * The rows of one optional output of the candidates.
 * @param candidates the scores
 * @param name the output
 * @param reader the strategy that reads them (for the error)
 * @returns its rows (empty rows for no candidates)
 * @throws RangeError when the scores do not carry it
 */
export const candidateRows = (candidates: ScoredBatch, name: Capability, reader: string): Rows => {
  const rows = candidates[name];
  if (rows !== undefined) return rows;
  if (candidates.ids.length === 0) return { values: new Float32Array(0), width: 0 };
  throw new RangeError(`${reader} needs ${what[name]} (${name}), which these scores do not carry (declare it in the strategy's requires)`);
};

/**
 * The class probabilities of the candidates.
 * @param candidates the scores
 * @param reader the strategy that reads them (for the error)
 * @returns rows of `classes` values
 * @throws RangeError when the scores carry none (a task without classes: keypoints)
 */
export const probabilityRows = (candidates: ScoredBatch, reader: string): Rows => candidateRows(candidates, 'probabilities', reader);

/**
 * The penultimate embeddings of the candidates.
 * @param candidates the scores
 * @param reader the strategy that reads them (for the error)
 * @returns rows of `embeddingDim` values
 * @throws RangeError when the scores carry no embeddings
 */
export const embeddingRows = (candidates: ScoredBatch, reader: string): Rows => candidateRows(candidates, 'embeddings', reader);

/**
 * The MC-dropout samples of the candidates: T passes × C classes per row.
 * @param candidates the scores
 * @param reader the strategy that reads them (for the error)
 * @returns rows of T · C values
 * @throws RangeError when scoring did not run MC-dropout passes
 */
export const mcSampleRows = (candidates: ScoredBatch, reader: string): Rows => candidateRows(candidates, 'mcSamples', reader);
