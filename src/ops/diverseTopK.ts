import * as E from 'fp-ts/lib/Either.js';
import { InputError } from '../inputError.ts';
import { checkRows, embeddingSpace } from './distanceSpace.ts';
import { kCenterGreedy } from './kCenterGreedy.ts';
import { kMeansPlusPlusIn } from './kMeansPlusPlus.ts';
import { checkCount, topK } from './topK.ts';

/** How {@link diverseTopK} spreads its picks over the shortlist. */
export type DiversityMethod = 'kmeans++' | 'k-center';

/** Options of {@link diverseTopK}. */
export interface DiverseTopKOptions {
  /** How many to pick (K). */
  readonly k: number;
  readonly seed: number;
  /** The shortlist is the top α · `budget` by score (α default 10; capped at the candidates). */
  readonly factor?: number;
  /** K of the shortlist's size α · K (default: k); k may exceed it (reserves). */
  readonly budget?: number;
  /** 'kmeans++' (default: D² sampling from the top-scored candidate) or 'k-center' (greedy). */
  readonly method?: DiversityMethod;
}

/** Scores and embeddings of the candidates, and (for k-center) the labeled set's embeddings. */
export interface DiverseTopKInput {
  readonly scores: ArrayLike<number>;
  readonly embeddings: Float32Array;
  readonly dim: number;
  /** Labeled embeddings: k-center's initial centres (ignored by k-means++). */
  readonly labeled?: Float32Array;
}

/**
 * Top-then-diverse selection (`learning-loss-diverse`): shortlist the ⌈α · K⌉ candidates of
 * highest score (ops/topK: NaN last), then pick k of them spread over the embedding space —
 * by k-means++ seeding started at the top-scored candidate, or by k-center greedy from the
 * labeled set's embeddings (core-set on the shortlist). The score decides WHAT is worth
 * labeling, the embeddings keep the batch from being redundant.
 *
 * Policy: the shortlist holds at least k and at most all candidates; α must be ≥ 1 (finite)
 * and k, budget non-negative integers (InputError otherwise); `Left` for malformed or
 * non-finite embeddings, or scores and embeddings of different row counts.
 * @param options - k, seed, factor α (10), budget (k), method ('kmeans++')
 * @returns `input => Right(candidate rows in pick order)` or `Left(message)`
 * @example
 * // shortlist of 2 (α = 1): the two highest scores, however close their embeddings
 * diverseTopK({ k: 2, seed: 0, factor: 1 })({ scores: [5, 4, 1], embeddings: Float32Array.of(0, 0.1, 9), dim: 1 }) // Right([0, 1])
 */
export const diverseTopK = ({ k, seed, factor = 10, budget = k, method = 'kmeans++' }: DiverseTopKOptions) => {
  checkCount('diverseTopK', k);
  checkCount('diverseTopK (budget)', budget);
  if (!Number.isFinite(factor) || factor < 1) throw new InputError(`diverseTopK: factor must be a finite number ≥ 1, got ${factor}`);
  return ({ scores, embeddings, dim, labeled }: DiverseTopKInput): E.Either<string, ReadonlyArray<number>> =>
    E.flatMap((n: number): E.Either<string, ReadonlyArray<number>> => {
      if (scores.length !== n) return E.left(`diverseTopK: ${scores.length} scores but ${n} rows of embeddings`);
      const size = Math.min(n, Math.max(k, Math.ceil(factor * budget)));
      const shortlist = topK(size)(scores);
      const x = new Float32Array(shortlist.length * dim);
      shortlist.forEach((row, i) => x.set(embeddings.subarray(row * dim, (row + 1) * dim), i * dim));
      if (method === 'kmeans++') {
        const picks = kMeansPlusPlusIn(k, seed, shortlist.length > 0 ? { row: 0 } : 'uniform')(embeddingSpace(x, dim));
        return E.right(picks.map((i) => shortlist[i]));
      }
      const centres = labeled ?? new Float32Array(0);
      const l = centres.length / dim;
      const withCentres = new Float32Array(centres.length + x.length);
      withCentres.set(centres, 0);
      withCentres.set(x, centres.length);
      return E.map((rows: ReadonlyArray<number>) => rows.map((r) => shortlist[r - l]))(
        kCenterGreedy(k)({ embeddings: withCentres, dim, labeled: Array.from({ length: l }, (_, i) => i) }),
      );
    })(checkRows('diverseTopK')(embeddings, dim));
};
