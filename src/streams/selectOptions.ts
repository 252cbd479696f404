import type { ScoreStage } from './scoreStage.ts';

/** How a cycle chooses its queries. */
export interface SelectOptions {
  /** Labels to query this cycle (a function of the cycle: a resumed cycle asks only for what it lacks). */
  readonly budget: number | ((cycle: number) => number);
  /** Size M of the random subset of the unlabeled pool that is scored. */
  readonly subset: number;
  /** The run's seed: cycle c draws its subset from deriveSeed(seed, 'subset', c), its selection from deriveSeed(seed, 'select', c). */
  readonly seed: number;
  /** Ids per forward pass (default 256). */
  readonly scoreBatchSize?: number;
  /** Ranked candidates kept in reserve for queries given up (default: the budget). */
  readonly reserve?: number;
  /**
   * How ids are scored (default: {@link localScoring} with the learner and scoreBatchSize);
   * `scoreOnWorkers` scores on BullMQ workers. Its batches may come in any order.
   */
  readonly scoreStage?: ScoreStage;
}

/** The cycle's budget. */
export const budgetOf = (options: Pick<SelectOptions, 'budget'>, cycle: number): number => (typeof options.budget === 'number' ? options.budget : options.budget(cycle));

