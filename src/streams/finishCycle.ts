import { from } from 'rxjs';
import { InputError } from '../inputError.ts';
import { stateStep, type Stage, type Step } from './cycleState.ts';
import { onState } from './onState.ts';
import type { CycleRow } from './events.ts';

/**
 * Ends a cycle: emits `cycleFinished` with its results row (labels trained on, the evaluation,
 * wall time, stage seconds, what the query did) and passes the state on.
 * @returns the stage
 * @throws InputError when no stage evaluated the cycle
 */
export const finishCycle = <L>(): Stage<L> =>
  onState((state) => {
    const e = state.evaluation;
    if (e === undefined) throw new InputError(`cycle ${state.cycle}: finishCycle needs an evaluation (put trainAndEvaluate before it)`);
    const row = {
      cycle: state.cycle,
      labeled: state.training.labeled.size,
      metricName: e.metricName,
      metric: e.metric,
      [e.metricName]: e.metric,
      rankingAccuracy: e.rankingAccuracy,
      meanTargetLoss: e.meanTargetLoss,
      seconds: (performance.now() - state.startedAt) / 1000,
      stageSeconds: { ...state.stageSeconds },
      queried: state.tally.queried,
      answered: state.tally.answered,
      failedQueries: state.tally.failed,
      rejectedAnswers: state.tally.rejected,
    } as CycleRow;
    return from<Step<L>[]>([{ type: 'cycleFinished', cycle: state.cycle, row }, stateStep(state)]);
  });
