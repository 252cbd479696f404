import { concat, defer, EMPTY, ignoreElements, map, of, pipe, tap, type OperatorFunction } from 'rxjs';
import { deriveSeed } from '../ops/random.ts';
import type { Learner, ScoredBatch } from '../tasks/learner.ts';
import { outputsFor } from './checkStrategy.ts';
import { onState, stateStep, type Stage, type Step } from './cycleState.ts';
import { concatBatches } from './gatherScores.ts';
import { rankBy } from './rankBy.ts';
import { sampleSubset } from './sampleSubset.ts';
import { scoreInBatches } from './scoreInBatches.ts';
import { resolveStrategy } from './strategies.ts';
import type { Ranking, SelectionContext, StrategyInput } from './strategy.ts';
import { takeTopK } from './takeTopK.ts';
import { timeStage } from './timeStage.ts';

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
}

const budgetOf = (options: Pick<SelectOptions, 'budget'>, cycle: number): number => (typeof options.budget === 'number' ? options.budget : options.budget(cycle));

/**
 * Scores a random subset of the unlabeled pool in batches (emitting `batchScored`), and the
 * labeled set too when the strategy needs it; keeps the scores in the state. Only the outputs
 * the strategy requires are computed.
 * @param learner the learner
 * @param strategy the strategy (a name, a Strategy, a select function or an operator)
 * @param options budget, subset, seed, batch size
 * @returns the stage
 */
export const scoreCandidates = <L>(learner: Pick<Learner<L>, 'score' | 'provides'>, strategy: StrategyInput | string, options: SelectOptions): Stage<L> => {
  const resolved = resolveStrategy(strategy);
  const outputs = outputsFor(resolved, learner);
  const batchSize = options.scoreBatchSize ?? 256;
  return onState((state) => {
    const { pool, cycle } = state;
    const k = Math.min(budgetOf(options, cycle), pool.poolSize - pool.labeled.size);
    if (k <= 0) return of(stateStep(state));
    const candidates: ScoredBatch[] = [];
    const labeledScores: ScoredBatch[] = [];
    const total = Math.min(options.subset, pool.poolSize - pool.labeled.size);
    let scored = 0;
    return concat(
      of(pool).pipe(
        sampleSubset(options.subset, deriveSeed(options.seed, 'subset', cycle)),
        scoreInBatches(learner, batchSize, outputs),
        tap((batch) => candidates.push(batch)),
        map((batch): Step<L> => ({ type: 'batchScored', cycle, scored: (scored += batch.ids.length), total })),
      ),
      resolved.needsLabeledScores
        ? of(Int32Array.from([...pool.labeled.keys()].sort((a, b) => a - b))).pipe(
            scoreInBatches(learner, batchSize, outputs),
            tap((batch) => labeledScores.push(batch)),
            ignoreElements(),
          )
        : EMPTY,
      defer(() =>
        of(
          stateStep({
            ...state,
            tally: { ...state.tally, queried: k },
            candidates: concatBatches(candidates),
            ...(resolved.needsLabeledScores ? { labeledScores: concatBatches(labeledScores) } : {}),
          }),
        ),
      ),
    );
  });
};

/**
 * Ranks the scored candidates with the strategy and takes the top K (the cycle's query count)
 * as the selection, the next-ranked ones in reserve.
 * @param strategy the strategy
 * @param options seed and reserve
 * @returns the stage
 */
export const rankCandidates = <L>(strategy: StrategyInput | string, options: Pick<SelectOptions, 'seed' | 'reserve' | 'budget'>): Stage<L> => {
  const resolved = resolveStrategy(strategy);
  const rank = (context: SelectionContext): OperatorFunction<ScoredBatch, Ranking> => ('operator' in resolved ? resolved.operator(context) : rankBy(resolved, context));
  return onState((state) => {
    const all = state.candidates;
    if (all === undefined) return of(stateStep(state));
    const k = state.tally.queried;
    const reserve = options.reserve ?? budgetOf(options, state.cycle);
    const context: SelectionContext = {
      count: Math.min(all.ids.length, k + reserve),
      seed: deriveSeed(options.seed, 'select', state.cycle),
      ...(state.labeledScores !== undefined ? { labeled: state.labeledScores } : {}),
    };
    const { candidates: _c, labeledScores: _l, ...rest } = state;
    return of(all).pipe(
      rank(context),
      takeTopK(k),
      map((selection) => stateStep({ ...rest, selection })),
    );
  });
};

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
