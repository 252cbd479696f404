import { map, type OperatorFunction } from 'rxjs';
import type { ScoredBatch } from '../tasks/learner.ts';
import type { Ranking, SelectionContext, Strategy } from './strategy.ts';

/**
 * Maps a strategy's candidate positions back to pool ids — the ONE place where ranks over
 * the random subset become pool indices (as baal does explicitly).
 * @param candidates the scored candidates
 * @param positions rows of `candidates`, most informative first
 * @param scores optional score per row
 * @returns the ranking as pool ids
 * @throws RangeError when a position is not a row or repeats (a bug in the strategy)
 */
export const toRanking = (candidates: ScoredBatch, positions: ArrayLike<number>, scores?: Float32Array): Ranking => {
  const n = candidates.ids.length;
  const seen = new Uint8Array(n);
  const ids = new Int32Array(positions.length);
  const ranked = new Float32Array(positions.length).fill(Number.NaN);
  for (let r = 0; r < positions.length; r++) {
    const p = positions[r];
    if (!Number.isInteger(p) || p < 0 || p >= n) throw new RangeError(`strategy picked position ${p}, not a row of the ${n} candidates`);
    if (seen[p]) throw new RangeError(`strategy picked position ${p} twice`);
    seen[p] = 1;
    ids[r] = candidates.ids[p];
    if (scores) ranked[r] = scores[p];
  }
  return { ids, scores: ranked };
};

/**
 * Ranks all candidates with a strategy: most informative first, as pool ids.
 *
 * Use it after {@link gatherScores}; swap the strategy to change what "informative" means.
 * Scores are higher = more informative; a NaN score ranks last (ops/topK's policy).
 *
 * ## Example
 * ```ts
 * of(candidates).pipe(rankBy(strategies['learning-loss'], { count: 400, seed: 1 })).subscribe((r) => r.ids[0]);
 * ```
 * @param strategy the selection (a Strategy from the registry, or your own)
 * @param context how many to rank, the seed, and the labeled set's scores when needed
 * @returns candidates in, a ranking out
 */
export const rankBy =
  (strategy: Pick<Strategy, 'select' | 'scorer'>, context: SelectionContext): OperatorFunction<ScoredBatch, Ranking> =>
  (source) =>
    source.pipe(map((candidates) => toRanking(candidates, strategy.select(candidates, context), strategy.scorer?.(candidates))));
