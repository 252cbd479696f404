import { from, mergeMap, of } from 'rxjs';
import type { Learner } from '../tasks/learner.ts';
import { stateStep, type Stage, type Step } from './cycleState.ts';
import { onState } from './onState.ts';
import { evaluate } from './evaluate.ts';

/**
 * Evaluates the learner on its test set: emits `evaluated` and keeps the evaluation in the state.
 * @param learner the learner
 * @returns the stage
 */
export const evaluateLearner = <L>(learner: Pick<Learner<L>, 'evaluate'>): Stage<L> =>
  onState((state) =>
    of(null).pipe(
      evaluate(learner),
      mergeMap((evaluation) => from<Step<L>[]>([{ type: 'evaluated', cycle: state.cycle, evaluation }, stateStep({ ...state, evaluation })])),
    ),
  );
