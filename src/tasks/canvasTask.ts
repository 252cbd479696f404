import type { Learner } from './learner.ts';

/** How many canvases a canvas task (keypoints, detection) makes from its source images. */
export interface CanvasCounts {
  /** Training canvases = the pool (default: as many as the source's training images). */
  readonly trainCount?: number;
  /** Test canvases (default 1,000, at most the source's test images). */
  readonly testCount?: number;
}

/** A ready task: its data, its learner, and the truth a simulated oracle answers from. */
export interface TaskSetup<D, L> {
  readonly data: D;
  readonly learner: Learner<L>;
  /** The true label of pool item `id` (for `simulatedOracle`). */
  readonly truth: (id: number) => L;
}
