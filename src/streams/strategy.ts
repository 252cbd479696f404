import type { OperatorFunction } from 'rxjs';
import type { Capability, ScoredBatch } from '../tasks/learner.ts';

/** What a strategy is told besides the candidates. */
export interface SelectionContext {
  /** How many candidates to rank: the budget plus reserves for queries that fail for good. */
  readonly count: number;
  /** Seed of this selection (random strategies draw from it). */
  readonly seed: number;
  /** The labeled set's scores, for strategies that ask for them (core-set). */
  readonly labeled?: ScoredBatch;
}

/**
 * A user's selection: candidate POSITIONS (rows of `candidates`, not pool ids), most
 * informative first, at most `context.count`, no repeats. {@link rankBy} maps them to pool ids.
 */
export type Select = (candidates: ScoredBatch, context: SelectionContext) => ArrayLike<number>;

/** One score per candidate row; higher = more informative. */
export type Scorer = (candidates: ScoredBatch) => Float32Array;

/** A ranking of candidates as pool ids, most informative first. */
export interface Ranking {
  readonly ids: Int32Array;
  /** The score of each ranked id, when the strategy scores (NaN where it does not). */
  readonly scores: Float32Array;
}

/**
 * What a strategy reads of the scores besides ids and l̂ — checked against the learner's
 * `provides` when a run is subscribed, and the only outputs scoring then computes. Absent (a
 * user's strategy that does not say): every output the learner provides.
 */
export interface Requirements {
  readonly requires?: ReadonlyArray<Capability>;
}

/** A strategy: a selection with a name, and what it needs from the learner. */
export interface Strategy extends Requirements {
  readonly name: string;
  readonly select: Select;
  /** When true, the labeled set is scored too and passed as `context.labeled` (core-set). */
  readonly needsLabeledScores: boolean;
  /** Scores of the ranked rows, for reports (optional). */
  readonly scorer?: Scorer;
}

/** A strategy as a whole operator, for users who rank their own way. */
export interface StrategyOperator extends Requirements {
  readonly name: string;
  readonly needsLabeledScores?: boolean;
  readonly operator: (context: SelectionContext) => OperatorFunction<ScoredBatch, Ranking>;
}

/** What `activeLearning` accepts as a strategy: a Strategy, a bare {@link Select}, or an operator. */
export type StrategyInput = Strategy | Select | StrategyOperator;
