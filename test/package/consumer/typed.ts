// A user's TypeScript against the package's declarations (tsc --moduleResolution nodenext).
import { activeLearning, callbackOracle, createClassificationLearner, memoryJournal, type Learner, type Oracle } from 'll4al';
import { topK } from 'll4al/ops';
import type { LossObjective } from 'll4al/tasks';

const best: ReadonlyArray<number> = topK(2)([0.3, 0.1, 0.7]);
const oracle: Oracle = callbackOracle(async ({ id }: { id: number }) => id % 10);
export const start = (learner: Learner<number>, objective: LossObjective) =>
  activeLearning({ learner, strategy: 'learning-loss', oracle, journal: memoryJournal<number>(), cycles: 2, initial: 10, budget: 10, subset: 50, epochs: 1, seed: 1 });
export type Make = typeof createClassificationLearner;
export { best };
