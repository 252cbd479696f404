import * as ORD from 'fp-ts/lib/Ord.js';
import * as N from 'fp-ts/lib/number.js';
import { InputError } from '../inputError.ts';
import { Rng } from './random.ts';
import { checkCount, topKBy } from './topK.ts';

/** Options of {@link powerSample}. */
export interface PowerSampleOptions {
  /** How many to draw. */
  readonly k: number;
  readonly seed: number;
  /** The power β ≥ 0 (default 1): 0 is uniform sampling, β → ∞ approaches top-K. */
  readonly beta?: number;
}

/**
 * The weights power sampling draws by, from scores: w = s′^β, where s′ = s − min s when some
 * finite score is negative (the lowest finite score then weighs 0) and s′ = s otherwise.
 * NaN and −Infinity weigh 0 and are left out of the minimum; +Infinity weighs +Infinity.
 * 0^0 = 1, so β = 0 weighs every number alike.
 * @param beta - the power
 * @returns `scores => weights`
 * @example
 * powerWeights(1)([-1, 0, 3]) // [0, 1, 4]
 * powerWeights(2)([1, 2, NaN]) // [1, 4, 0]
 */
export const powerWeights =
  (beta: number) =>
  (scores: ArrayLike<number>): Float64Array =>
    shiftedScores(scores).map((s) => (Number.isNaN(s) ? 0 : s ** beta));

/** s′ of {@link powerWeights}: shifted when some finite score is negative; NaN for NaN and −Infinity. */
const shiftedScores = (scores: ArrayLike<number>): Float64Array => {
  let min = Infinity;
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]) && scores[i] < min) min = scores[i];
  const shift = min < 0 ? -min : 0;
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i] === -Infinity ? Number.NaN : scores[i] + shift;
  return out;
};

/** A draw key: tier 1 for positive weights, 0 for zero weights; within a tier, higher first. */
interface Key {
  readonly tier: number;
  readonly value: number;
}
const keyOrd: ORD.Ord<Key> = ORD.fromCompare((a, b) => N.Ord.compare(a.tier, b.tier) || N.Ord.compare(a.value, b.value));

/**
 * Stochastic batch acquisition by power sampling (Kirsch et al. 2023, "Stochastic Batch
 * Acquisition"): k candidates drawn without replacement, each next one with probability
 * proportional to its weight s^β among those not drawn yet (successive sampling).
 *
 * Use it instead of top-K when one score would pick a redundant batch: `power-entropy`,
 * `power-bald`, `power-learning-loss`. Exact and O(N log k) by the Gumbel-top-k trick: the
 * k largest of β·log s′ + Gumbel noise are such a draw, in draw order; the draws of k are a
 * prefix of those of k + 1 for the same seed.
 *
 * Policy: weights as {@link powerWeights} (scores shifted so the lowest finite one is 0 when
 * some are negative, stated); a zero-weight candidate (NaN, −Infinity, or the shifted
 * minimum) is drawn only after every positive-weight one, those among themselves uniformly;
 * +Infinity candidates come first (among themselves by index). k ≥ N returns all N; k = 0
 * returns []; k not a non-negative integer, or β negative or not finite, throws InputError.
 * @param options - k, seed, beta (default 1)
 * @returns `scores => rows in draw order`
 * @example
 * powerSample({ k: 1, seed: 3 })([1, 3]) // [1] with probability 3/4, [0] with 1/4 (over seeds)
 */
export const powerSample = ({ k, seed, beta = 1 }: PowerSampleOptions) => {
  checkCount('powerSample', k);
  if (!Number.isFinite(beta) || beta < 0) throw new InputError(`powerSample: beta must be a finite number ≥ 0, got ${beta}`);
  const select = topKBy(keyOrd)(k);
  return (scores: ArrayLike<number>): ReadonlyArray<number> => {
    const shifted = shiftedScores(scores);
    const rng = new Rng(seed);
    const keys: Key[] = new Array(shifted.length);
    for (let i = 0; i < shifted.length; i++) {
      // Gumbel noise −log(−log u), u = (m + ½) / 2^53 strictly inside (0, 1).
      const u = rng.nextFloat() + 2 ** -54;
      const gumbel = -Math.log(-Math.log(u));
      const s = shifted[i];
      // log w = β · log s′ (in logs: s′^β may overflow); 0^0 = 1.
      const positive = !Number.isNaN(s) && (beta === 0 || s > 0);
      keys[i] = positive ? { tier: 1, value: (beta === 0 ? 0 : beta * Math.log(s)) + gumbel } : { tier: 0, value: gumbel };
    }
    return select(keys);
  };
};
