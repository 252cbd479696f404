import type { OperatorFunction } from 'rxjs';
import type { Capability, Learner, ScoredBatch } from '../tasks/learner.ts';
import { scoreInBatches } from './scoreInBatches.ts';

/** Which scoring pass of a cycle: the subset's candidates, or the labeled set (core-set). */
export interface ScoreRequest {
  readonly cycle: number;
  readonly part: 'subset' | 'labeled';
  /** The optional outputs to compute besides ids and l̂: what the strategy requires (none by default). */
  readonly outputs?: ReadonlyArray<Capability>;
}

/**
 * A cycle's scoring stage: pool ids in, scored batches out — in any order and any grouping,
 * each id exactly once (the pipeline puts the rows back in the ids' order before ranking).
 * {@link localScoring} is the default; `scoreOnWorkers` scores on BullMQ workers.
 */
export type ScoreStage = (request: ScoreRequest) => OperatorFunction<Int32Array, ScoredBatch>;

/**
 * Scoring on this machine: {@link scoreInBatches} with the learner, computing the outputs the request names.
 * @param learner scores one batch of ids
 * @param batchSize ids per forward pass
 * @returns the stage
 */
export const localScoring =
  (learner: Pick<Learner<unknown>, 'score'>, batchSize: number): ScoreStage =>
  (request) =>
    scoreInBatches(learner, batchSize, request.outputs ?? []);
