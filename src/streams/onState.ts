import { concatMap, of, type Observable } from 'rxjs';
import type { CycleState, Stage, Step } from './cycleState.ts';

/**
 * Makes a stage from what it does to one state: events pass through untouched; each state is
 * replaced by the steps `project` returns (which end with the new state).
 * @param project a state → its events and the next state
 * @returns the stage
 */
export const onState =
  <L>(project: (state: CycleState<L>) => Observable<Step<L>>): Stage<L> =>
  (source) =>
    source.pipe(concatMap((step) => (step.type === 'state' ? project(step.state) : of(step))));

