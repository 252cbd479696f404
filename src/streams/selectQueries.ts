import { pipe } from 'rxjs';
import type { Learner } from '../tasks/learner.ts';
import type { Stage } from './cycleState.ts';
import { rankCandidates } from './rankCandidates.ts';
import { scoreCandidates } from './scoreCandidates.ts';
import type { SelectOptions } from './selectOptions.ts';
import type { StrategyInput } from './strategy.ts';
import { timeStage } from './timeStage.ts';

export type { SelectOptions } from './selectOptions.ts';

/**
 * Chooses a cycle's queries: scores a random subset of the unlabeled pool (timed as `score`),
 * ranks it with the strategy and takes the top K (timed as `select`). The selection waits in
 * the state for {@link labelSelection}.
 *
 * ## Example
 * ```ts
 * of(startCycle(1, pool)).pipe(selectQueries(learner, 'learning-loss', { budget: 200, subset: 2000, seed: 1 }), labelSelection(oracle, journal, { labelCodec }));
 * ```
 * @param learner the learner
 * @param strategy the strategy
 * @param options budget, subset, seed, batch size, reserve
 * @returns the stage
 */
export const selectQueries = <L>(learner: Pick<Learner<L>, 'score' | 'provides'>, strategy: StrategyInput | string, options: SelectOptions): Stage<L> =>
  pipe(timeStage('score', scoreCandidates<L>(learner, strategy, options)), timeStage('select', rankCandidates<L>(strategy, options)));
