import * as O from 'fp-ts/lib/Option.js';
import { of } from 'rxjs';
import { stateStep, type Stage } from './cycleState.ts';
import { onState } from './onState.ts';
import { decideStop, type StoppingConfig, type StopRow } from '../ops/stopCriteria.ts';

/**
 * Decides after evaluation whether the run stops here (`--max-labels` reached, or the
 * `--stop-when` criterion holds over the finished cycles and this one): marks the state
 * `stopped`, so that {@link unlessStopped} skips the cycle's query, `finishCycle` emits a
 * `stopped` event after its row and `repeatCycles` starts no later cycle. The last cycle never
 * stops (it has no query to skip).
 * @param config the run's stopping configuration (absent: never stops)
 * @param last the run's last cycle
 * @param history the rows of the cycles finished before this one
 * @returns the stage
 */
export const decideStopping = <L>(config: StoppingConfig | undefined, last: number, history: () => ReadonlyArray<StopRow>): Stage<L> =>
  onState((state) => {
    if (config === undefined || state.cycle >= last) return of(stateStep(state));
    const stats = state.stopStatistics ?? { stopKappa: null, stopMeanPredictedLoss: null };
    const decided = decideStop(config)([...history(), { cycle: state.cycle, labeled: state.training.labeled.size, ...stats }]);
    return of(stateStep(O.isSome(decided) ? { ...state, stopped: decided.value } : state));
  });

/**
 * Runs `stage` unless the state is marked stopped (then passes the state on).
 * @param stage the stage to run (a cycle's query)
 * @returns the stage
 */
export const unlessStopped = <L>(stage: Stage<L>): Stage<L> => onState((state) => (state.stopped !== undefined ? of(stateStep(state)) : of(stateStep(state)).pipe(stage)));
