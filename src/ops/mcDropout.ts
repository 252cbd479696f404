import * as E from 'fp-ts/lib/Either.js';
import { entropy } from './uncertainty.ts';

/**
 * Scores from Monte-Carlo dropout: T stochastic forward passes of one candidate, each a
 * probability vector of C classes. Convention, as for every scorer in ops: HIGHER means MORE
 * INFORMATIVE. Natural logarithms (nats).
 *
 * Layout: a batch of n candidates is row-major candidate by candidate, pass by pass:
 * `samples[(i · T + t) · C + c]` is p(class c | candidate i, pass t).
 *
 * NaN policy: a candidate with a NaN anywhere in its T × C samples scores NaN (which `topK`
 * ranks below every number, and power sampling draws last). Rows are assumed to be
 * probability vectors; that is not checked.
 */

/** The T × C samples of a batch of candidates (see the layout above). */
export interface McSamples {
  readonly samples: Float32Array;
  /** T, the number of stochastic passes per candidate. */
  readonly passes: number;
  /** C, the number of classes. */
  readonly classes: number;
}

/** The mean over the passes of one candidate's T × C samples (length C), NaN-propagating. */
const meanOverPasses = (samples: ArrayLike<number>, passes: number, classes: number, offset: number): Float64Array => {
  const mean = new Float64Array(classes);
  for (let t = 0; t < passes; t++) for (let c = 0; c < classes; c++) mean[c] += samples[offset + t * classes + c];
  for (let c = 0; c < classes; c++) mean[c] /= passes;
  return mean;
};

/** E_t H[p_t]: the mean entropy of the passes of one candidate (as ops/uncertainty's entropy, NaN-propagating). */
const expectedEntropy = (samples: ArrayLike<number>, passes: number, classes: number, offset: number): number => {
  let sum = 0;
  for (let v = offset; v < offset + passes * classes; v++) {
    const p = samples[v];
    if (p > 0) sum -= p * Math.log(p);
    else if (Number.isNaN(p)) return Number.NaN;
  }
  return sum / passes;
};
/**
 * The predictive entropy H[E_t p_t] of one candidate: the entropy of the mean of its T passes.
 *
 * Use it as the `mc-entropy` score (Gal et al. 2017's "Max Entropy" with MC dropout). In
 * [0, log C]; with one pass it is the plain entropy of that pass.
 * @param passes - T ≥ 1
 * @param classes - C ≥ 1
 * @returns `samples (T × C values) => nats` (NaN when a sample is NaN)
 * @example
 * predictiveEntropy(2, 2)([1, 0, 0, 1]) // log 2: the mean is (½, ½)
 */
export const predictiveEntropy =
  (passes: number, classes: number) =>
  (samples: ArrayLike<number>): number =>
    entropy(Array.from(meanOverPasses(samples, passes, classes, 0)));

/**
 * BALD's mutual information H[E_t p_t] − E_t H[p_t] of one candidate (Houlsby et al. 2011,
 * with MC dropout as in Gal et al. 2017): how much the passes disagree, apart from the
 * uncertainty each pass has on its own.
 *
 * In [0, log C]: 0 when every pass gives the same distribution (however flat), log C when the
 * passes are confident in different classes evenly. By the concavity of entropy it is never
 * negative; a negative value of float rounding (|x| ≤ 1e-12 here) is clamped to 0 (stated).
 * @param passes - T ≥ 1
 * @param classes - C ≥ 1
 * @returns `samples (T × C values) => nats` (NaN when a sample is NaN)
 * @example
 * mutualInformation(2, 2)([1, 0, 0, 1]) // log 2 − 0 = log 2
 * mutualInformation(2, 2)([0.5, 0.5, 0.5, 0.5]) // log 2 − log 2 = 0
 */
export const mutualInformation =
  (passes: number, classes: number) =>
  (samples: ArrayLike<number>): number => {
    const total = entropy(Array.from(meanOverPasses(samples, passes, classes, 0)));
    if (Number.isNaN(total)) return Number.NaN;
    const mi = total - expectedEntropy(samples, passes, classes, 0);
    return mi < 0 ? 0 : mi;
  };

const checkShape = (name: string, { samples, passes, classes }: McSamples): E.Either<string, number> => {
  if (!Number.isInteger(classes) || classes < 1) return E.left(`${name}: classes must be a positive integer, got ${classes}`);
  if (!Number.isInteger(passes) || passes < 1) return E.left(`${name}: passes must be a positive integer, got ${passes}`);
  if (samples.length % (passes * classes) !== 0) {
    return E.left(`${name}: ${samples.length} samples is not a multiple of ${passes} passes × ${classes} classes`);
  }
  return E.right(samples.length / (passes * classes));
};

const scoreCandidates =
  (name: string, score: (passes: number, classes: number) => (samples: ArrayLike<number>) => number) =>
  (input: McSamples): E.Either<string, Float32Array> =>
    E.map((n: number) => {
      const { samples, passes, classes } = input;
      const one = score(passes, classes);
      const width = passes * classes;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = one(samples.subarray(i * width, (i + 1) * width));
      return out;
    })(checkShape(name, input));

/**
 * {@link mutualInformation} of every candidate of a batch: the `bald` strategy's scores.
 *
 * Policy: `Left` when passes or classes is not a positive integer or the length is not a
 * multiple of passes × classes; an empty batch gives an empty array.
 * @returns `McSamples => Right(n scores)` or `Left(message)`
 * @example
 * baldScores({ samples: Float32Array.of(1, 0, 0, 1, 1, 0, 1, 0), passes: 2, classes: 2 }) // Right([log 2, 0])
 */
export const baldScores = scoreCandidates('baldScores', mutualInformation);

/** {@link predictiveEntropy} of every candidate of a batch (`mc-entropy`); policy as {@link baldScores}. */
export const mcEntropyScores = scoreCandidates('mcEntropyScores', predictiveEntropy);
