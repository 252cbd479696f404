/**
 * At which labels each stopping criterion would have stopped each run of a comparison,
 * computed after the fact from the stop-set statistics every cycle row holds (κ, mean l̂),
 * with the parameters the comparison ran with. Pure.
 */
import * as O from 'fp-ts/lib/Option.js';
import { firstStop, type StopKind, type StoppingConfig } from '../ops/stopCriteria.ts';
import type { RunRecord } from './comparisonResults.ts';

/** Where one criterion would first have stopped one run. */
export interface StopRow {
  readonly strategy: string;
  readonly trial: number;
  readonly criterion: StopKind;
  /** The cycle and labels at which it holds first; null when it never does. */
  readonly cycle: number | null;
  readonly labeled: number | null;
  /** The run did stop there, by this criterion. */
  readonly stopped: boolean;
}

/** The stopping parameters a comparison ran with. */
export type StopParameters = Omit<StoppingConfig, 'setSize' | 'when'>;

const num = (record: Readonly<Record<string, unknown>>, key: string): number | undefined => {
  const v = record[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/**
 * The stopping parameters in a stored run configuration (defaults where absent).
 * @param config a RunConfig as results.json holds it (unknown: checked field by field)
 * @returns κ threshold, window, loss fraction and max labels (absent when 0 or unset)
 */
export const stopParametersOf = (config: unknown): StopParameters => {
  const c = typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : {};
  const maxLabels = num(c, 'maxLabels');
  return {
    kappa: num(c, 'stopKappa') ?? 0.99,
    window: num(c, 'stopWindow') ?? 3,
    lossFraction: num(c, 'stopLossFraction') ?? 0.01,
    ...(maxLabels !== undefined && maxLabels > 0 ? { maxLabels } : {}),
  };
};

/**
 * For each run and criterion, where it would first have stopped: stable-predictions and
 * loss-plateau for runs whose rows carry stop-set statistics, max-labels when a cap was set.
 *
 * Use it in `compare` and `report`. Runs without stop-set statistics (older runs, or
 * `--stop-set-size 0`) get rows only for max-labels.
 * @param runs the comparison's runs
 * @param parameters the criteria's parameters
 * @returns rows run by run, criteria in a fixed order
 */
export const stoppingReport = (runs: ReadonlyArray<Pick<RunRecord, 'strategy' | 'trial' | 'cycles' | 'stopped'>>, parameters: StopParameters): ReadonlyArray<StopRow> =>
  runs.flatMap((run) => {
    const measured = run.cycles.some((c) => typeof c.stopMeanPredictedLoss === 'number');
    const criteria: StopKind[] = [...(measured ? (['stable-predictions', 'loss-plateau'] as const) : []), ...(parameters.maxLabels !== undefined ? (['max-labels'] as const) : [])];
    return criteria.map((criterion): StopRow => {
      const found = firstStop(criterion, parameters)(run.cycles);
      return {
        strategy: run.strategy,
        trial: run.trial,
        criterion,
        cycle: O.isSome(found) ? found.value.cycle : null,
        labeled: O.isSome(found) ? found.value.labeled : null,
        stopped: run.stopped?.criterion === criterion,
      };
    });
  });
