import * as tf from '@tensorflow/tfjs-core';
import type { JointModel } from '../src/tasks/index.ts';
import { fillSyntheticPixels } from './syntheticImages.ts';

/** Scoring a pool streamed in chunks: speed and memory. */
export interface PoolFigures {
  readonly pool: number;
  readonly seconds: number;
  readonly imgPerSec: number;
  /** RSS when the pool's scoring began, MB. */
  readonly startRssMB: number;
  /** Highest RSS seen after any chunk, MB. */
  readonly peakRssMB: number;
  /** What the caller keeps per pool (predicted loss, probabilities, embedding as typed arrays), MB. */
  readonly outputMB: number;
  readonly liveTensorsAfter: number;
}

const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

/**
 * Scores pools of the given sizes, streamed in chunks of 4,096 synthetic images (never one
 * tensor, nor one pixel buffer, for the whole pool), keeping the per-sample outputs a
 * strategy needs as typed arrays, and records the peak RSS. The working memory (peak minus
 * start minus outputs) should not grow with the pool.
 *
 * @param model - the joint model to score with
 * @param pools - pool sizes
 * @param score - scores `count` images of a pixel buffer in batches (the bench's scoring pass)
 */
export const measurePools = async (
  model: JointModel,
  pools: ReadonlyArray<number>,
  score: (model: JointModel, pixels: Float32Array, count: number) => Promise<number>,
): Promise<PoolFigures[]> => {
  const chunk = 4096;
  const pixels = new Float32Array(chunk * 28 * 28);
  const figures: PoolFigures[] = [];
  const perSample = 1 + 10 + model.network.embeddingDim;
  for (const pool of pools) {
    const kept = new Float32Array(pool * perSample);
    const startRss = process.memoryUsage().rss;
    let peak = startRss;
    const t0 = performance.now();
    for (let start = 0; start < pool; start += chunk) {
      const m = Math.min(chunk, pool - start);
      fillSyntheticPixels(pixels, start + 17);
      await score(model, pixels, m);
      // The outputs land in `kept` in a real run; touching the slice keeps the pages resident.
      kept.fill(1, start * perSample, (start + m) * perSample);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const seconds = (performance.now() - t0) / 1000;
    figures.push({
      pool,
      seconds: Number(seconds.toFixed(2)),
      imgPerSec: Math.round(pool / seconds),
      startRssMB: mb(startRss),
      peakRssMB: mb(peak),
      outputMB: mb(kept.byteLength),
      liveTensorsAfter: tf.memory().numTensors,
    });
  }
  return figures;
};
