import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { InputError } from '../inputError.ts';

/**
 * Stopping rules of active learning, as pure functions over a run's per-cycle statistics on
 * a fixed stop set: Cohen's κ between consecutive cycles' predictions (Bloodgood &
 * Vijay-Shanker 2009, "stabilizing predictions") and the mean predicted loss l̂.
 */

/**
 * Cohen's κ of two labelings of the same items: (p_o − p_e) / (1 − p_e), p_o the observed
 * agreement, p_e the agreement expected from the two label frequencies.
 *
 * Policy: `Left` for different lengths or no items; when p_e = 1 (both labelings give every
 * item one and the same label) κ is 1 (they agree perfectly; the formula is 0/0).
 * @param a - one label per item (integers)
 * @param b - one label per item
 * @returns `Right(κ)` in [−1, 1], or `Left(message)`
 * @example
 * cohensKappa([0, 0, 1, 1], [0, 1, 1, 1]) // Right(0.5): p_o = 3/4, p_e = ½·¼ + ½·¾ = ½
 */
export const cohensKappa = (a: ArrayLike<number>, b: ArrayLike<number>): E.Either<string, number> => {
  if (a.length !== b.length) return E.left(`cohensKappa: ${a.length} and ${b.length} labels, expected the same items`);
  const n = a.length;
  if (n === 0) return E.left('cohensKappa: no items, κ is undefined');
  const countA = new Map<number, number>();
  const countB = new Map<number, number>();
  let agree = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agree++;
    countA.set(a[i], (countA.get(a[i]) ?? 0) + 1);
    countB.set(b[i], (countB.get(b[i]) ?? 0) + 1);
  }
  let expected = 0;
  for (const [label, c] of countA) expected += (c / n) * ((countB.get(label) ?? 0) / n);
  const observed = agree / n;
  if (expected >= 1) return E.right(1);
  return E.right((observed - expected) / (1 - expected));
};

const checkWindow = (rule: string, window: number): void => {
  if (!Number.isInteger(window) || window < 1) throw new InputError(`${rule}: window must be an integer ≥ 1, got ${window}`);
};

/** Options of {@link stablePredictionsStop}. */
export interface StablePredictionsOptions {
  /** κ at or above this is "stable" (default 0.99, Bloodgood & Vijay-Shanker's). */
  readonly threshold?: number;
  /** For this many consecutive cycles (default 3). */
  readonly window?: number;
}

/**
 * The stabilizing-predictions rule: stop at the first cycle whose κ with the previous cycle,
 * and that of the `window` − 1 cycles before it, are all ≥ `threshold`.
 *
 * Policy: a null (no previous predictions: the first cycle, the first after a resume) or NaN
 * κ breaks the run of stable cycles; threshold must be in [−1, 1] and window an integer ≥ 1
 * (InputError otherwise).
 * @param options threshold (0.99), window (3)
 * @returns `κ per cycle (in order) => some(index of the stopping cycle)` or `none`
 * @example
 * stablePredictionsStop({ window: 2 })([null, 0.995, 0.97, 0.992, 0.999]) // some(4)
 */
export const stablePredictionsStop = ({ threshold = 0.99, window = 3 }: StablePredictionsOptions = {}) => {
  checkWindow('stable-predictions', window);
  if (!(threshold >= -1 && threshold <= 1)) throw new InputError(`stable-predictions: threshold must be in [-1, 1], got ${threshold}`);
  return (kappas: ReadonlyArray<number | null>): O.Option<number> => {
    let run = 0;
    for (let i = 0; i < kappas.length; i++) {
      const k = kappas[i];
      run = k !== null && k !== undefined && k >= threshold ? run + 1 : 0;
      if (run >= window) return O.some(i);
    }
    return O.none;
  };
};

/** Options of {@link lossPlateauStop}. */
export interface LossPlateauOptions {
  /** A cycle "plateaus" when the mean l̂ falls by less than this fraction of the previous one (default 0.01). */
  readonly fraction?: number;
  /** For this many consecutive cycles (default 3). */
  readonly window?: number;
}

/**
 * The loss-plateau rule: stop at the first cycle where, for `window` consecutive cycles, the
 * mean predicted loss over the stop set fell by less than `fraction` of the previous cycle's:
 * (m_{t−1} − m_t) / |m_{t−1}| < fraction (a rise counts as a plateau too).
 *
 * Note: a loss module trained with the ranking loss predicts an ORDER, on no fixed scale, so
 * its mean l̂ can move with the scale it settles on; the rule is a heuristic (stated in
 * docs/strategies.md). Policy: a null, NaN or zero previous mean breaks the run; fraction must
 * be finite and ≥ 0, window an integer ≥ 1 (InputError otherwise).
 * @param options fraction (0.01), window (3)
 * @returns `mean l̂ per cycle (in order) => some(index of the stopping cycle)` or `none`
 * @example
 * lossPlateauStop({ fraction: 0.1, window: 2 })([2, 1, 0.95, 0.94]) // some(3): falls of 5% and 1%
 */
export const lossPlateauStop = ({ fraction = 0.01, window = 3 }: LossPlateauOptions = {}) => {
  checkWindow('loss-plateau', window);
  if (!(Number.isFinite(fraction) && fraction >= 0)) throw new InputError(`loss-plateau: fraction must be a finite number ≥ 0, got ${fraction}`);
  return (means: ReadonlyArray<number | null>): O.Option<number> => {
    let run = 0;
    for (let i = 1; i < means.length; i++) {
      const previous = means[i - 1];
      const current = means[i];
      const ok = previous !== null && current !== null && Number.isFinite(previous) && Number.isFinite(current) && previous !== 0;
      run = ok && (previous - current) / Math.abs(previous) < fraction ? run + 1 : 0;
      if (run >= window) return O.some(i);
    }
    return O.none;
  };
};
