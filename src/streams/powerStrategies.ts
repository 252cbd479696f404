/**
 * Stochastic batch acquisition (Kirsch et al. 2023): any scorer with power sampling as its
 * selector — K candidates drawn without replacement with probability ∝ score^β (ops/powerSampling:
 * scores shifted to a minimum of 0 when some are negative; NaN drawn last).
 */
import { powerSample } from '../ops/powerSampling.ts';
import type { Capability } from '../tasks/learner.ts';
import type { Scorer, Strategy } from './strategy.ts';

/**
 * A power-sampling strategy over a scorer: `power(name, entropyScorer)`.
 *
 * Use it to turn a top-K strategy into its stochastic version. The ranking is the draw order,
 * so the reserves are the next draws.
 * @param name the strategy's name
 * @param scorer one score per candidate, higher = more informative
 * @param beta the power β ≥ 0 (default 1)
 * @param requires the optional score outputs the scorer reads ([] for l̂ only; absent: all the learner provides)
 * @returns the strategy
 */
export const powerStrategy = (name: string, scorer: Scorer, beta = 1, requires?: ReadonlyArray<Capability>): Strategy => ({
  name,
  scorer,
  needsLabeledScores: false,
  ...(requires === undefined ? {} : { requires }),
  select: (candidates, { count, seed }) => powerSample({ k: count, seed, beta })(scorer(candidates)),
});
