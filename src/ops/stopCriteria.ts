/**
 * When a run stops before its last cycle: the criteria of `--stop-when` over the statistics
 * each cycle measures on a fixed stop set of the pool (Cohen's κ between consecutive cycles'
 * predictions, mean predicted loss), and `--max-labels`. The rules themselves are pure
 * (ops/stopping); this file says what a run does with them, and in what words.
 */
import * as O from 'fp-ts/lib/Option.js';
import { pipe } from 'fp-ts/lib/function.js';
import { lossPlateauStop, stablePredictionsStop } from './stopping.ts';

/** A `--stop-when` criterion. */
export type StopCriterion = 'stable-predictions' | 'loss-plateau';

/** The stopping criteria a run can report (`max-labels` besides `--stop-when`'s). */
export type StopKind = StopCriterion | 'max-labels';

/** How a run measures its stop set and when it stops. */
export interface StoppingConfig {
  /** Items of the fixed stop set, drawn once from the whole pool by the seed (0: no stop set, no κ). */
  readonly setSize: number;
  /** Stop when this criterion holds (none: run every cycle, still measuring the stop set). */
  readonly when?: StopCriterion;
  /** Stop once the labeled set has this many labels (the last query is cut to reach it exactly). */
  readonly maxLabels?: number;
  /** stable-predictions: κ at or above this (default 0.99)… */
  readonly kappa?: number;
  /** …for this many consecutive cycles; loss-plateau: falls below the fraction for as many (default 3). */
  readonly window?: number;
  /** loss-plateau: the relative fall of the mean l̂ below which a cycle counts (default 0.01). */
  readonly lossFraction?: number;
}

/** The per-cycle statistics of the stop set, as a results row holds them. */
export interface StopStatistics {
  /** κ between this cycle's predictions on the stop set and the previous cycle's (null: no previous, or no classes). */
  readonly stopKappa: number | null;
  /** Mean l̂ over the stop set (null: no stop set). */
  readonly stopMeanPredictedLoss: number | null;
}

/** What the criteria read of a finished cycle (rows of older runs may lack the stop-set fields). */
export interface StopRow {
  readonly cycle: number;
  readonly labeled: number;
  readonly stopKappa?: number | null;
  readonly stopMeanPredictedLoss?: number | null;
}

/** Why a run stopped, as results.json and the `stopped` event hold it. */
export interface StopReason {
  readonly criterion: StopKind;
  /** The cycle after whose training and evaluation it stopped, and its labels. */
  readonly cycle: number;
  readonly labeled: number;
  /** One line for people. */
  readonly reason: string;
}

const fixed = (x: number | null | undefined, digits: number): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/**
 * Whether a criterion holds after the last of `rows` (finished cycles in order, the current
 * one last), and why in one line.
 * @param criterion the criterion
 * @param config its parameters
 * @returns `rows => some(reason)` when it holds at the LAST row, else `none`
 */
export const criterionHolds =
  (criterion: StopKind, config: Omit<StoppingConfig, 'setSize' | 'when'>) =>
  (rows: ReadonlyArray<StopRow>): O.Option<StopReason> => {
    const last = rows[rows.length - 1];
    if (last === undefined) return O.none;
    const window = config.window ?? 3;
    const at = (index: O.Option<number>): boolean => O.isSome(index) && index.value === rows.length - 1;
    switch (criterion) {
      case 'max-labels':
        return config.maxLabels !== undefined && last.labeled >= config.maxLabels
          ? O.some({ criterion, cycle: last.cycle, labeled: last.labeled, reason: `reached --max-labels ${config.maxLabels} (${last.labeled} labels)` })
          : O.none;
      case 'stable-predictions': {
        const threshold = config.kappa ?? 0.99;
        return at(stablePredictionsStop({ threshold, window })(rows.map((r) => r.stopKappa ?? null)))
          ? O.some({
              criterion, cycle: last.cycle, labeled: last.labeled,
              reason: `stable predictions: Cohen's κ ≥ ${threshold} between consecutive cycles' predictions on the stop set for ${window} cycle${window > 1 ? 's' : ''} (last κ ${fixed(last.stopKappa, 4)})`,
            })
          : O.none;
      }
      case 'loss-plateau': {
        const fraction = config.lossFraction ?? 0.01;
        const previous = rows[rows.length - 2]?.stopMeanPredictedLoss;
        return at(lossPlateauStop({ fraction, window })(rows.map((r) => r.stopMeanPredictedLoss ?? null)))
          ? O.some({
              criterion, cycle: last.cycle, labeled: last.labeled,
              reason: `loss plateau: the mean predicted loss on the stop set fell by less than ${fraction * 100}% a cycle for ${window} cycle${window > 1 ? 's' : ''} (${fixed(previous, 4)} → ${fixed(last.stopMeanPredictedLoss, 4)})`,
            })
          : O.none;
      }
    }
  };

/**
 * Where a criterion would first have stopped a finished run: the first prefix of its rows at
 * whose end it holds.
 * @param criterion the criterion
 * @param config its parameters
 * @returns `rows => some(reason at that cycle)` or `none` when it never holds
 */
export const firstStop =
  (criterion: StopKind, config: Omit<StoppingConfig, 'setSize' | 'when'>) =>
  (rows: ReadonlyArray<StopRow>): O.Option<StopReason> => {
    for (let i = 1; i <= rows.length; i++) {
      const found = criterionHolds(criterion, config)(rows.slice(0, i));
      if (O.isSome(found)) return found;
    }
    return O.none;
  };

/**
 * Whether a run stops after its last finished cycle: `--max-labels` first, then `--stop-when`.
 * @param config the run's stopping configuration
 * @returns `rows => some(reason)` or `none`
 */
export const decideStop =
  (config: StoppingConfig | undefined) =>
  (rows: ReadonlyArray<StopRow>): O.Option<StopReason> =>
    config === undefined
      ? O.none
      : pipe(
          criterionHolds('max-labels', config)(rows),
          O.alt(() => (config.when === undefined ? O.none : criterionHolds(config.when, config)(rows))),
        );
