import { defer, mergeMap, of, type Observable } from 'rxjs';
import { stateStep, type CycleState, type Stage, type Step } from './cycleState.ts';
import { onState } from './onState.ts';

/**
 * Instead of a stage, a shortcut: when `restore(state)` resolves true the state passes on as it
 * is (e.g. a resumed cycle whose trained weights were loaded from its checkpoint), else the
 * stage runs.
 * @param restore decides (and restores) per state
 * @param stage the stage it may skip
 * @returns the stage
 */
export const unlessRestored = <L>(restore: (state: CycleState<L>) => Promise<boolean>, stage: Stage<L>): Stage<L> =>
  onState((state) => defer(() => restore(state)).pipe(mergeMap((restored): Observable<Step<L>> => (restored ? of(stateStep(state)) : of(stateStep(state)).pipe(stage)))));
