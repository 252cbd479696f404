/**
 * Batch-diverse strategies (what top-K by one score lacks): BADGE, TypiClust and
 * learning-loss-diverse. Each is a Strategy like those of strategies.ts — a selector over the
 * candidates' scores (and, for TypiClust, the labeled set's embeddings), higher = first.
 */
import * as E from 'fp-ts/lib/Either.js';
import { badge } from '../ops/badge.ts';
import { diverseTopK, type DiversityMethod } from '../ops/diverseTopK.ts';
import { typiclust } from '../ops/typiclust.ts';
import type { ScoredBatch } from '../tasks/learner.ts';
import { embeddingRows, probabilityRows } from './candidateRows.ts';
import type { Scorer, Strategy } from './strategy.ts';

const orThrow = <A>(either: E.Either<string, A>): A => {
  if (E.isLeft(either)) throw new RangeError(either.left);
  return either.right;
};

/**
 * BADGE (Ash et al. 2020): k-means++ seeding on the last layer's gradient embeddings
 * (p − onehot(argmax p)) ⊗ h, which are never materialised (ops/badge). Reads probabilities
 * and embeddings. The reported score of a pick is the norm of its gradient embedding.
 */
export const badgeStrategy: Strategy = {
  name: 'badge',
  needsLabeledScores: false,
  requires: ['probabilities', 'embeddings'],
  select: (candidates, { count, seed }) => {
    const p = probabilityRows(candidates, 'badge');
    const h = embeddingRows(candidates, 'badge');
    return orThrow(badge(count, seed)({ probabilities: p.values, classes: p.width, embeddings: h.values, dim: h.width }));
  },
  scorer: (candidates) => {
    const p = probabilityRows(candidates, 'badge');
    const h = embeddingRows(candidates, 'badge');
    const out = new Float32Array(candidates.ids.length);
    for (let r = 0; r < out.length; r++) {
      let top = 0;
      let a = 0;
      let hh = 0;
      for (let c = 1; c < p.width; c++) if (p.values[r * p.width + c] > p.values[r * p.width + top]) top = c;
      for (let c = 0; c < p.width; c++) a += (p.values[r * p.width + c] - (c === top ? 1 : 0)) ** 2;
      for (let d = 0; d < h.width; d++) hh += h.values[r * h.width + d] ** 2;
      out[r] = Math.sqrt(a * hh);
    }
    return out;
  },
};

/** Options of {@link typiclustStrategy}. */
export interface TypiClustStrategyOptions {
  /** Neighbours of the typicality (default 20). */
  readonly neighbours?: number;
  /** Cap on the clusters (default 500, as the authors' code). */
  readonly maxClusters?: number;
}

/**
 * TypiClust (Hacohen et al. 2022): k-means of labeled ∪ candidate embeddings into
 * min(|labeled| + K, maxClusters) clusters; the most typical candidate of each largest
 * uncovered cluster (ops/typiclust). Reads embeddings, of the labeled set too.
 * @param options neighbours (20) and maxClusters (500)
 * @returns the strategy
 */
export const typiclustStrategy = (options: TypiClustStrategyOptions = {}): Strategy => ({
  name: 'typiclust',
  needsLabeledScores: true,
  requires: ['embeddings'],
  select: (candidates: ScoredBatch, { count, seed, labeled }) => {
    const own = embeddingRows(candidates, 'typiclust');
    const theirs = labeled !== undefined && labeled.ids.length > 0 ? embeddingRows(labeled, 'typiclust') : { values: new Float32Array(0), width: own.width };
    if (candidates.ids.length > 0 && theirs.width !== own.width) throw new RangeError(`typiclust: labeled embeddings have ${theirs.width} dims, candidates ${own.width}`);
    if (candidates.ids.length === 0) return [];
    return orThrow(typiclust({ k: count, seed, ...options })({ candidates: own.values, labeled: theirs.values, dim: own.width }));
  },
});

/** Options of {@link learningLossDiverseStrategy}. */
export interface DiverseStrategyOptions {
  /** α: the shortlist is the top α · K by predicted loss (default 10, capped at the subset). */
  readonly factor?: number;
  /** 'kmeans++' (default) or 'k-center' (greedy from the labeled set's embeddings). */
  readonly method?: DiversityMethod;
}

/**
 * learning-loss-diverse: the top α · K candidates by predicted loss l̂, then K of them spread
 * over the embeddings (k-means++ from the top-l̂ candidate, or k-center greedy).
 * @param options factor α (10) and method ('kmeans++')
 * @returns the strategy
 */
export const learningLossDiverseStrategy = ({ factor = 10, method = 'kmeans++' }: DiverseStrategyOptions = {}): Strategy => {
  const scorer: Scorer = (c) => c.predictedLoss;
  return {
    name: 'learning-loss-diverse',
    needsLabeledScores: method === 'k-center',
    requires: ['embeddings'],
    scorer,
    select: (candidates, { count, budget, seed, labeled }) => {
      const h = embeddingRows(candidates, 'learning-loss-diverse');
      if (candidates.ids.length === 0) return [];
      const centres = method === 'k-center' && labeled !== undefined && labeled.ids.length > 0 ? embeddingRows(labeled, 'learning-loss-diverse').values : undefined;
      return orThrow(
        diverseTopK({ k: count, budget: budget ?? count, seed, factor, method })({ scores: scorer(candidates), embeddings: h.values, dim: h.width, ...(centres ? { labeled: centres } : {}) }),
      );
    },
  };
};
