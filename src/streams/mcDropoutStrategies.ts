/**
 * Scorers over MC-dropout samples (the learner's T stochastic passes per candidate): BALD's
 * mutual information and the predictive entropy (ops/mcDropout).
 */
import * as E from 'fp-ts/lib/Either.js';
import { baldScores, mcEntropyScores, type McSamples } from '../ops/mcDropout.ts';
import type { ScoredBatch } from '../tasks/learner.ts';
import { mcSampleRows, probabilityRows } from './candidateRows.ts';
import type { Scorer } from './strategy.ts';

/** The MC passes a BALD-style strategy asks the learner for, by default (the learner's own default). */
export { DEFAULT_MC_PASSES } from '../tasks/mcDropout.ts';

/** T, from the samples' width and the classes of the probabilities (what the learner ran, whatever was asked). */
const mcScorer =
  (name: string, score: (input: McSamples) => E.Either<string, Float32Array>): Scorer =>
  (candidates: ScoredBatch) => {
    const rows = mcSampleRows(candidates, name);
    if (candidates.ids.length === 0) return new Float32Array(0);
    const classes = probabilityRows(candidates, name).width;
    if (rows.width % classes !== 0 || rows.width === 0) throw new RangeError(`${name}: MC samples of width ${rows.width} are not passes of ${classes} class probabilities`);
    const scored = score({ samples: rows.values, passes: rows.width / classes, classes });
    if (E.isLeft(scored)) throw new RangeError(scored.left);
    return scored.right;
  };

/** BALD's mutual information H[E p] − E H[p] over the T passes the scores carry (reads probabilities for C). */
export const baldScorer: Scorer = mcScorer('bald', baldScores);

/** The predictive entropy H[E p] over the T passes the scores carry (`mc-entropy`). */
export const mcEntropyScorer: Scorer = mcScorer('mc-entropy', mcEntropyScores);
