import { concat, defer, EMPTY, ignoreElements, map, of, tap } from 'rxjs';
import { deriveSeed } from '../ops/random.ts';
import type { Learner, ScoredBatch } from '../tasks/learner.ts';
import { outputsFor } from './checkStrategy.ts';
import { stateStep, type Stage, type Step } from './cycleState.ts';
import { onState } from './onState.ts';
import { concatBatches, inIdOrder } from './gatherScores.ts';
import { sampleSubset } from './sampleSubset.ts';
import { localScoring } from './scoreStage.ts';
import { budgetOf, type SelectOptions } from './selectOptions.ts';
import { resolveStrategy } from './strategies.ts';
import type { StrategyInput } from './strategy.ts';

/**
 * Scores a random subset of the unlabeled pool in batches (emitting `batchScored`), and the
 * labeled set too when the strategy needs it, through the scoring stage (local, or workers);
 * keeps the scores in the state, in the subset's order. Only the outputs the strategy requires
 * are computed.
 * @param learner the learner
 * @param strategy the strategy (a name, a Strategy, a select function or an operator)
 * @param options budget, subset, seed, batch size
 * @returns the stage
 */
export const scoreCandidates = <L>(learner: Pick<Learner<L>, 'score' | 'provides'>, strategy: StrategyInput | string, options: SelectOptions): Stage<L> => {
  const resolved = resolveStrategy(strategy);
  const outputs = outputsFor(resolved, learner);
  const scoreStage = options.scoreStage ?? localScoring(learner, options.scoreBatchSize ?? 256);
  return onState((state) => {
    const { pool, cycle } = state;
    const k = Math.min(budgetOf(options, cycle), pool.poolSize - pool.labeled.size);
    if (k <= 0) return of(stateStep(state));
    const candidates: ScoredBatch[] = [];
    const labeledScores: ScoredBatch[] = [];
    const total = Math.min(options.subset, pool.poolSize - pool.labeled.size);
    let scored = 0;
    let subsetIds: Int32Array = new Int32Array(0);
    const labeledIds = Int32Array.from([...pool.labeled.keys()].sort((a, b) => a - b));
    return concat(
      of(pool).pipe(
        sampleSubset(options.subset, deriveSeed(options.seed, 'subset', cycle)),
        tap((ids) => (subsetIds = ids)),
        scoreStage({ cycle, part: 'subset', outputs }),
        tap((batch) => candidates.push(batch)),
        map((batch): Step<L> => ({ type: 'batchScored', cycle, scored: (scored += batch.ids.length), total })),
      ),
      resolved.needsLabeledScores
        ? of(labeledIds).pipe(
            scoreStage({ cycle, part: 'labeled', outputs }),
            tap((batch) => labeledScores.push(batch)),
            ignoreElements(),
          )
        : EMPTY,
      defer(() =>
        of(
          stateStep({
            ...state,
            tally: { ...state.tally, queried: k },
            // rows in the subset's draw order, whatever order the stage delivered them in
            candidates: inIdOrder(subsetIds)(concatBatches(candidates)),
            ...(resolved.needsLabeledScores ? { labeledScores: inIdOrder(labeledIds)(concatBatches(labeledScores)) } : {}),
          }),
        ),
      ),
    );
  });
};
