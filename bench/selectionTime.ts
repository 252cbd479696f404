import * as E from 'fp-ts/Either';
import { kCenterGreedy, topK } from '../src/ops';
import { fillSyntheticPixels } from './syntheticImages';

/** Time of the selection stage over one pool of candidates. */
export interface SelectionFigures {
  readonly pool: number;
  readonly k: number;
  readonly labeled: number;
  readonly topKMs: number;
  readonly kCenterMs: number;
}

/**
 * Times top-K by predicted loss and k-center greedy on embeddings (K = 1,000 picks, 1,000
 * rows already labeled, as in the paper's cycles) for each pool size, on synthetic scores.
 *
 * @param pools - candidate counts
 * @param dim - embedding width
 */
export const measureSelection = (pools: ReadonlyArray<number>, dim: number): SelectionFigures[] =>
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
    return { pool, k, labeled: labeledCount, topKMs: Math.round(topKMs), kCenterMs: Math.round(kCenterMs) };
  });
