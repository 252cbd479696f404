// Must NOT type-check: proves the package's types are real (not `any`) where a user calls it.
import { topK } from 'll4al/ops';
import { createClassificationLearner } from 'll4al';

export const wrong: ReadonlyArray<number> = topK('two')([0.3, 0.1]);
export const alsoWrong = createClassificationLearner({ model: 42 });
