import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { LossPredictionModule, lossModuleParamCount } from '../../src/tasks/lossPredictionModule.ts';
import { loadModel, saveModel } from '../../src/tasks/modelFiles.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

const countParams = (layer: tfl.layers.Layer): number =>
  layer.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);

/** A model: four rank-4 taps of the given channels (and optionally a rank-2 tap) → LPM. */
const tapModel = (channels: ReadonlyArray<number>, seed: number) => {
  const inputs = channels.map((c, i) => tfl.input({ shape: [4 >> Math.min(i, 2), 4 >> Math.min(i, 2), c], name: `tap${i}` }));
  const vector = tfl.input({ shape: [5], name: 'vector' });
  const lpm = new LossPredictionModule({ seed });
  const out = lpm.apply([...inputs, vector]) as tfl.SymbolicTensor;
  return { model: tfl.model({ inputs: [...inputs, vector], outputs: out }), lpm };
};

describe('LossPredictionModule', () => {
  it('has exactly 123,905 parameters over taps of 64/128/256/512 channels', () => {
    const before = tf.memory().numTensors;
    const taps = [64, 128, 256, 512].map((c, i) => tfl.input({ shape: [32 >> i, 32 >> i, c] }));
    const lpm = new LossPredictionModule();
    const out = lpm.apply(taps) as tfl.SymbolicTensor;
    expect(out.shape).toEqual([null, 1]);
    expect(countParams(lpm)).toBe(123_905);
    expect(lossModuleParamCount([64, 128, 256, 512])).toBe(123_905);
    tfl.model({ inputs: taps, outputs: out }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('pools rank-4 taps and uses rank-2 taps as they are', () => {
    const before = tf.memory().numTensors;
    const lpm = new LossPredictionModule({ units: 3, seed: 1 });
    const [same, pooled] = tf.tidy(() => {
      const map = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 5);
      const vec = tf.mean(map, [1, 2]);
      return [lpm.apply([map]) as tf.Tensor, lpm.apply([vec]) as tf.Tensor];
    });
    expect(same.shape).toEqual([2, 1]);
    const fromMap = same.dataSync();
    const fromVector = pooled.dataSync();
    fromMap.forEach((x, i) => expect(x).toBeCloseTo(fromVector[i], 5));
    tf.dispose([same, pooled]);
    lpm.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same weights for the same seed and different ones for another', () => {
    const before = tf.memory().numTensors;
    const a = tapModel([8, 16], 3);
    const b = tapModel([8, 16], 3);
    const c = tapModel([8, 16], 4);
    const flat = (m: tfl.LayersModel) => m.getWeights().flatMap((w) => Array.from(w.dataSync()));
    expect(flat(a.model)).toEqual(flat(b.model));
    expect(flat(a.model)).not.toEqual(flat(c.model));
    [a, b, c].forEach((x) => x.model.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saves and loads inside a model, giving identical outputs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'll4al-lpm-'));
    const before = tf.memory().numTensors;
    try {
      const { model } = tapModel([8, 16, 4], 11);
      const feed = model.inputs.map((inp, i) => tf.randomNormal([3, ...(inp.shape.slice(1) as number[])], 0, 1, 'float32', 20 + i));
      const expected = model.predict(feed) as tf.Tensor;
      await saveModel(model, dir);
      const loaded = await loadModel(dir);
      expect(loaded.layers.some((l) => l instanceof LossPredictionModule)).toBe(true);
      const actual = loaded.predict(feed) as tf.Tensor;
      expect(Array.from(await actual.data())).toEqual(Array.from(await expected.data()));
      tf.dispose([expected, actual, ...feed]);
      loaded.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
