import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.ts';
import { findUntrainableLayers } from '../../src/backend/checkTrainable.ts';
import { relativeError } from './convCases.ts';
import { layerCases, type LayerCase } from './layerCases.ts';

/** max |wasm − cpu| / max(1, max |cpu|) over every gradient of a case must stay below this. */
const tolerance = 1e-4;

const batch = 2;

/** The case's network, its inputs (seeded) and a fixed random weighting of its output. */
const setUp = (c: LayerCase) => {
  const inputs = c.inputs.map((shape) => tfl.input({ shape: [...shape] }));
  const model = tfl.model({ inputs, outputs: c.apply(inputs) });
  const xs = c.inputs.map((shape, i) =>
    c.idsBelow !== undefined
      ? tf.tidy(() => tf.floor(tf.randomUniform([batch, ...shape], 0, c.idsBelow, 'float32', 11 + i)))
      : tf.randomNormal([batch, ...shape], 0, 1, 'float32', 11 + i),
  );
  const outShape = (model.outputs[0]?.shape ?? []).map((d) => d ?? batch);
  const weighting = tf.randomNormal(outShape, 0, 1, 'float32', 5);
  return { model, xs, weighting };
};

/**
 * Gradients of Σ out · weighting (one training-mode step's worth) with respect to every trainable
 * weight and every float input, on a backend; the model's variables move there with their values.
 */
const gradientsOn = async (backend: string, c: LayerCase, model: tfl.LayersModel, xs: tf.Tensor[], weighting: tf.Tensor) => {
  await tf.setBackend(backend);
  if (c.unseededNoise === true) vi.spyOn(Math, 'random').mockReturnValue(0.42);
  const before = tf.memory().numTensors;
  const inputVariables = c.idsBelow === undefined ? xs.map((x) => tf.variable(x, true)) : [];
  const fed = c.idsBelow === undefined ? inputVariables : xs;
  const variables = [...model.trainableWeights.map((w) => w.read() as tf.Variable), ...inputVariables];
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(fed.length === 1 ? (fed[0] as tf.Tensor) : fed, { training: true }) as tf.Tensor;
    return tf.sum(tf.mul(out, weighting)) as tf.Scalar;
  }, variables);
  const values = await Promise.all(variables.map((v) => (grads[v.name] as tf.Tensor).data()));
  tf.dispose([value, ...Object.values(grads), ...inputVariables]);
  vi.restoreAllMocks();
  expect(tf.memory().numTensors).toBe(before);
  return values;
};

describe('every tfjs-layers layer of a vision network trains on wasm as on cpu', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(layerCases.map((c) => [c.name, c] as const))(
    `%s: wasm's gradients of a training step match the cpu backend's within ${tolerance} relative error, and the preflight check passes`,
    async (_name, c) => {
      await tf.setBackend('cpu');
      const before = tf.memory().numTensors;
      const { model, xs, weighting } = setUp(c);
      const expected = await gradientsOn('cpu', c, model, xs, weighting);
      const actual = await gradientsOn('wasm', c, model, xs, weighting);
      expect(findUntrainableLayers(model)).toEqual([]);
      expect(actual).toHaveLength(expected.length);
      expected.forEach((e, i) => {
        const a = actual[i] as Float32Array;
        expect(a.length).toBe(e.length);
        expect(a.every(Number.isFinite)).toBe(true);
        expect(relativeError(a, e)).toBeLessThan(tolerance);
      });
      // Some gradient is non-zero: the comparison is not of two empty results.
      expect(expected.some((e) => e.some((v) => v !== 0))).toBe(true);
      tf.dispose([...xs, weighting]);
      model.dispose();
      await tf.setBackend('cpu');
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('should fit a MobileNet-like network (depthwise-separable blocks, batch norm, ReLU6, upsampling, max pooling) with model.fit on wasm: the loss falls', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const input = tfl.input({ shape: [12, 12, 3] });
    let x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({}).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 12, kernelSize: 1, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.upSampling2d({ size: [2, 2] }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.separableConv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 4, activation: 'softmax' }).apply(x) as tfl.SymbolicTensor });
    const optimizer = tf.train.adam(0.05);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const xs = tf.randomNormal([16, 12, 12, 3], 0, 1, 'float32', 3);
    const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 4), 'int32'), 4));
    const history = await model.fit(xs, ys, { epochs: 12, batchSize: 8, shuffle: false, verbose: 0 });
    const losses = history.history['loss'] as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(0.7 * (losses[0] as number));
    tf.dispose([xs, ys]);
    optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
