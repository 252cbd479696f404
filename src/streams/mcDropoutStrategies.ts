/**
 * Scorers over MC-dropout samples (the learner's T stochastic passes per candidate): BALD's
 * mutual information and the predictive entropy (ops/mcDropout).
 */
import * as E from 'fp-ts/lib/Either.js';
import { baldScores, mcEntropyScores, type McSamples } from '../ops/mcDropout.ts';
import type { ScoredBatch } from '../tasks/learner.ts';
import { mcSampleRows } from './candidateRows.ts';
import type { Scorer } from './strategy.ts';

/** The MC passes a BALD-style strategy asks the learner for, by default (Gal et al. 2017 use 10–100; baal 20). */
export const DEFAULT_MC_PASSES = 10;

const mcScorer =
  (name: string, score: (input: McSamples) => E.Either<string, Float32Array>, passes: number): Scorer =>
  (candidates: ScoredBatch) => {
    const rows = mcSampleRows(candidates, name);
    if (candidates.ids.length === 0) return new Float32Array(0);
    if (rows.width % passes !== 0) throw new RangeError(`${name}: MC samples of width ${rows.width} are not ${passes} passes of class probabilities`);
    const scored = score({ samples: rows.values, passes, classes: rows.width / passes });
    if (E.isLeft(scored)) throw new RangeError(scored.left);
    return scored.right;
  };

/**
 * BALD's mutual information H[E p] − E H[p] over T passes.
 * @param passes T (default 10), what the learner was asked for
 * @returns the scorer
 */
export const baldScorer = (passes = DEFAULT_MC_PASSES): Scorer => mcScorer('bald', baldScores, passes);

/**
 * The predictive entropy H[E p] over T passes (`mc-entropy`).
 * @param passes T (default 10)
 * @returns the scorer
 */
export const mcEntropyScorer = (passes = DEFAULT_MC_PASSES): Scorer => mcScorer('mc-entropy', mcEntropyScores, passes);
