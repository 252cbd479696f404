import { map, of, type OperatorFunction } from 'rxjs';
import { deriveSeed } from '../ops/random.ts';
import type { ScoredBatch } from '../tasks/learner.ts';
import { stateStep, type Stage } from './cycleState.ts';
import { onState } from './onState.ts';
import { rankBy } from './rankBy.ts';
import { budgetOf, type SelectOptions } from './selectOptions.ts';
import { resolveStrategy } from './strategies.ts';
import type { Ranking, SelectionContext, StrategyInput } from './strategy.ts';
import { takeTopK } from './takeTopK.ts';

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
