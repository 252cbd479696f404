import type { OperatorFunction } from 'rxjs';
import type { Evaluation, ScoredBatch } from '../tasks/learner.ts';
import type { AlEvent, StageSeconds } from './events.ts';
import type { PoolState } from './poolState.ts';
import type { StopReason, StopStatistics } from '../ops/stopCriteria.ts';
import type { Selection } from './takeTopK.ts';

/** What a cycle's query did, for its results row. */
export interface CycleTally {
  /** Labels the query asked for (0 in the last cycle). */
  readonly queried: number;
  readonly answered: number;
  readonly failed: number;
  readonly rejected: number;
}

/**
 * Where a cycle stands between two stages — the explicit state the stage operators pass on.
 * Each stage reads what it needs and returns a new state (nothing is mutated).
 */
export interface CycleState<L> {
  /** 0 for the initial random set; 1 … N for the cycles that train. */
  readonly cycle: number;
  /** Every label so far (the labeled set) and so the unlabeled rest. */
  readonly pool: PoolState<L>;
  /** The labels the cycle trains on (the pool at the cycle's start; fewer in a resumed cycle). */
  readonly training: PoolState<L>;
  /** When the cycle started (performance.now()). */
  readonly startedAt: number;
  readonly stageSeconds: StageSeconds;
  readonly tally: CycleTally;
  /** Set by evaluation. */
  readonly evaluation?: Evaluation;
  /** Set by scoring, read by ranking: the scored candidates (and the labeled set's scores when the strategy needs them). */
  readonly candidates?: ScoredBatch;
  readonly labeledScores?: ScoredBatch;
  /** Set by ranking, read (and cleared) by labeling: the queries and their reserve. */
  readonly selection?: Selection;
  /** Set by measureStopSet: κ and the mean l̂ on the stop set (the results row carries them). */
  readonly stopStatistics?: StopStatistics;
  /** Set by decideStopping: the run stops after this cycle (no query; no later cycle). */
  readonly stopped?: StopReason;
}

/** A cycle state travelling down the stages. */
export interface StateStep<L> {
  readonly type: 'state';
  readonly state: CycleState<L>;
}

/** What flows between stages: the run's events as they happen, and the state after each stage. */
export type Step<L> = AlEvent<L> | StateStep<L>;

/**
 * A stage: acts on each state that reaches it (emitting events, then the new state) and passes
 * events through — so stages compose with `pipe`, and a cycle is `pipe(stage, stage, …)`.
 */
export type Stage<L> = OperatorFunction<Step<L>, Step<L>>;

const zeroSeconds: StageSeconds = { score: 0, select: 0, oracle: 0, merge: 0, train: 0, evaluate: 0 };
const noTally: CycleTally = { queried: 0, answered: 0, failed: 0, rejected: 0 };

/**
 * The state at the start of a cycle, as a step to pipe the stages onto.
 *
 * ## Example
 * ```ts
 * of(startCycle(1, pool)).pipe(trainAndEvaluate(learner, { epochs: 2, seed }), finishCycle()).subscribe(…);
 * ```
 * @param cycle the cycle's number (0: the initial set)
 * @param pool the labels so far
 * @param training the labels it trains on (default: all of them)
 * @returns the state step
 */
export const startCycle = <L>(cycle: number, pool: PoolState<L>, training: PoolState<L> = pool): StateStep<L> => ({
  type: 'state',
  state: { cycle, pool, training, startedAt: performance.now(), stageSeconds: zeroSeconds, tally: noTally },
});

/** A state as a step. */
export const stateStep = <L>(state: CycleState<L>): StateStep<L> => ({ type: 'state', state });
