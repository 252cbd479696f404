import { concat, map, of } from 'rxjs';
import { deriveSeed } from '../ops/random.ts';
import type { Learner } from '../tasks/learner.ts';
import { stateStep, type Stage, type Step } from './cycleState.ts';
import { onState } from './onState.ts';
import { retrain } from './retrain.ts';

/**
 * Trains the learner on the cycle's training labels (`state.training`), emitting `epochTrained`
 * per epoch.
 * @param learner the learner
 * @param options epochs, and the run's seed (the fit of cycle c draws from deriveSeed(seed, 'fit', c))
 * @returns the stage
 */
export const fitLearner = <L>(learner: Pick<Learner<L>, 'fit'>, options: { readonly epochs: number; readonly seed: number }): Stage<L> =>
  onState((state) =>
    concat(
      of(state.training).pipe(
        retrain(learner, { epochs: options.epochs, seed: deriveSeed(options.seed, 'fit', state.cycle) }),
        map((report): Step<L> => ({ type: 'epochTrained', cycle: state.cycle, report })),
      ),
      of(stateStep(state)),
    ),
  );
