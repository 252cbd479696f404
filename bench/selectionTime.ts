import * as E from 'fp-ts/lib/Either.js';
import { kCenterGreedy, topK } from '../src/ops/index.ts';
import { directKCenterGreedy } from './directKCenter.ts';
import { fillSyntheticPixels } from './syntheticImages.ts';

/** Time of the selection stage over one pool of candidates. */
export interface SelectionFigures {
  readonly pool: number;
  readonly k: number;
  readonly labeled: number;
  readonly topKMs: number;
  readonly kCenterMs: number;
  /** The direct (pre-SIMD) k-center greedy's time on the same input, when asked for. */
  readonly directKCenterMs?: number;
  /** Whether both picked the same rows in the same order. */
  readonly samePicks?: boolean;
}

/**
 * Times top-K by predicted loss and k-center greedy on embeddings (K = 1,000 picks, 1,000
 * rows already labeled, as in the paper's cycles) for each pool size, on synthetic scores.
 *
 * @param pools - candidate counts
 * @param dim - embedding width
 * @param baselineUpTo - also time the direct k-center greedy for pools up to this size (0: never)
 */
export const measureSelection = (pools: ReadonlyArray<number>, dim: number, baselineUpTo = 0): SelectionFigures[] =>
  pools.map((pool) => {
    const k = Math.min(1000, pool);
    const labeledCount = Math.min(1000, pool - k);
    const scores = fillSyntheticPixels(new Float32Array(pool), pool);
    const embeddings = fillSyntheticPixels(new Float32Array(pool * dim), pool + 1);
    const labeled = Array.from({ length: labeledCount }, (_, i) => i);
    let t0 = performance.now();
    const top = topK(k)(scores);
    const topKMs = performance.now() - t0;
    t0 = performance.now();
    const centres = kCenterGreedy(k)({ embeddings, dim, labeled });
    const kCenterMs = performance.now() - t0;
    if (top.length !== k || E.isLeft(centres) || centres.right.length !== k) throw new Error('selection returned the wrong count');
    const figures = { pool, k, labeled: labeledCount, topKMs: Math.round(topKMs), kCenterMs: Math.round(kCenterMs) };
    if (pool > baselineUpTo || labeledCount === 0) return figures;
    t0 = performance.now();
    const direct = directKCenterGreedy(k, embeddings, dim, labeled);
    const directKCenterMs = Math.round(performance.now() - t0);
    return { ...figures, directKCenterMs, samePicks: direct.join() === centres.right.join() };
  });
