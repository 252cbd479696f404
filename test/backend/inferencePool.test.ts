import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createInferencePool, initBackend } from '../../src/backend/index.ts';
import { buildSmallCnn, JointModel } from '../../src/tasks/index.ts';

describe('createInferencePool', () => {
  it('should give, on 2 worker threads, the outputs of the model on the main thread, leaving no tensor behind', async () => {
    await initBackend('wasm');
    const model = JointModel.create(buildSmallCnn({ seed: 3 }), { seed: 4 });
    const before = tf.memory().numTensors;
    const preload = [new URL('../../src/tasks/customLayers.ts', import.meta.url).href];
    const pool = await createInferencePool(model.inference, { threads: 2, preload });
    const batches = [0, 1, 2].map((b) => Float32Array.from({ length: 8 * 784 }, (_, i) => Math.sin(i * 0.37 + b)));
    try {
      const remote = await Promise.all(batches.map((pixels) => pool.predict(pixels.slice(), [8, 28, 28, 1])));
      for (const [b, pixels] of batches.entries()) {
        const local = tf.tidy(() => model.inference.predict(tf.tensor4d(pixels, [8, 28, 28, 1])) as tf.Tensor[]);
        const values = await Promise.all(local.map((t) => t.data()));
        tf.dispose(local);
        expect(remote[b].map((a) => a.length)).toEqual(values.map((a) => a.length));
        values.forEach((v, o) => v.forEach((x, i) => expect(Math.abs(remote[b][o][i] - x)).toBeLessThan(1e-5)));
      }
    } finally {
      await pool.close();
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
