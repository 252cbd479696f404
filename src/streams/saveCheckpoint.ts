import { concat, defer, ignoreElements, of } from 'rxjs';
import { stateStep, type Stage } from './cycleState.ts';
import { onState } from './onState.ts';

/** Where a run's learner weights are kept between cycles (a run directory's checkpoints/). */
export interface CheckpointStore {
  /** Saves the learner after the training of `cycle`. */
  save(cycle: number): Promise<void>;
  /** Loads the learner saved after the training of `cycle`; false when there is none. */
  load(cycle: number): Promise<boolean>;
}

/**
 * Saves the learner's weights after the cycle's training.
 * @param store where
 * @returns the stage
 */
export const saveCheckpoint = <L>(store: Pick<CheckpointStore, 'save'>): Stage<L> =>
  onState((state) => concat(defer(() => store.save(state.cycle)).pipe(ignoreElements()), of(stateStep(state))));
