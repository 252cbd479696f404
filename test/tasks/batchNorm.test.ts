import { describe, expect, it, beforeAll } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.ts';
import { BatchNorm, batchNorm, batchNormTraining } from '../../src/tasks/batchNorm.ts';
import { elementwiseCalls } from '../../src/backend/kernels/elementwiseKernels.ts';

/** Largest |a − b| over the largest |b|, or over 1 when b is smaller (a gradient that is ~0, as ∂L/∂x with two values per channel). */
const maxRelativeError = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
};

/**
 * ∂L/∂x of training-mode batch norm in float64 (channels last), and per channel what float32
 * arithmetic may lose: 1e-4 of max(1, |∂x|) plus 64 units of rounding (2⁻²⁴) of the terms that
 * cancel, a·max|dy|·(1 + |μ|·s) with a = γ·s, s = 1/√(σ² + ε). The last factor is the conditioning:
 * when the values of a channel nearly agree (two values 0.04 apart around 4.5), μ's float32 rounding
 * is a visible part of x − μ, and float32 formulas (tfjs's autodiff among them) leave ~1e-3 there.
 */
const batchNormInputGradient64 = (x: Float32Array, dy: Float32Array, gamma: Float32Array, c: number, epsilon: number) => {
  const n = x.length / c;
  const dx = new Float64Array(x.length);
  const bound = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let mean = 0;
    for (let r = 0; r < n; r++) mean += x[r * c + ch];
    mean /= n;
    let variance = 0;
    let meanDy = 0;
    let maxDy = 0;
    for (let r = 0; r < n; r++) {
      variance += (x[r * c + ch] - mean) ** 2;
      meanDy += dy[r * c + ch];
      maxDy = Math.max(maxDy, Math.abs(dy[r * c + ch]));
    }
    variance /= n;
    meanDy /= n;
    const s = 1 / Math.sqrt(variance + epsilon);
    let meanDyXhat = 0;
    for (let r = 0; r < n; r++) meanDyXhat += dy[r * c + ch] * (x[r * c + ch] - mean) * s;
    meanDyXhat /= n;
    let largest = 0;
    for (let r = 0; r < n; r++) {
      const i = r * c + ch;
      dx[i] = gamma[ch] * s * (dy[i] - meanDy - (x[i] - mean) * s * meanDyXhat);
      largest = Math.max(largest, Math.abs(dx[i]));
    }
    bound[ch] = 1e-4 * Math.max(1, largest) + 64 * 2 ** -24 * Math.abs(gamma[ch]) * s * maxDy * (1 + Math.abs(mean) * s);
  }
  return { dx, bound };
};

/** Loss Σ w·BN(x) through tf.moments + tf.batchNorm (tfjs's autodiff) and through batchNormTraining. */
const gradientsBothWays = (shape: number[], seed: number) =>
  tf.tidy(() => {
    const c = shape[shape.length - 1];
    const axes = shape.slice(0, -1).map((_, i) => i);
    const x = tf.randomNormal(shape, 0.5, 2, 'float32', seed + 1);
    const w = tf.randomNormal(shape, 0, 1, 'float32', seed + 2);
    const gamma = tf.randomNormal([c], 1, 0.5, 'float32', seed + 3);
    const beta = tf.randomNormal([c], 0, 0.5, 'float32', seed + 4);
    const reference = tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, axes);
      return tf.sum(tf.mul(tf.batchNorm(x, mean, variance, b, g, 1e-5), w));
    })([x, gamma, beta]);
    const ours = tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const r = batchNormTraining(x, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
      r.mean.dispose();
      r.variance.dispose();
      return tf.sum(tf.mul(r.y, w));
    })([x, gamma, beta]);
    return { reference, ours };
  });

describe.each(['cpu', 'wasm'] as const)('BatchNorm on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test.prop([fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 2 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 2, max: 6 }), fc.nat(1000)], { numRuns: 25 })(
    "has tfjs autodiff's gradients for x, γ and β (rank 2 to 4) and leaves no tensor behind",
    async (inner, channels, batch, seed) => {
      const before = tf.memory().numTensors;
      const calls = { ...elementwiseCalls };
      const { reference, ours } = gradientsBothWays([batch, ...inner, channels], seed);
      // on wasm, batchNormTraining runs ll4al's C kernels (one forward, one backward)
      const expectedCalls = backend === 'wasm' ? 1 : 0;
      expect(elementwiseCalls.batchNorm - calls.batchNorm).toBe(expectedCalls);
      expect(elementwiseCalls.batchNormGrad - calls.batchNormGrad).toBe(expectedCalls);
      for (let i = 0; i < 3; i++) {
        expect(maxRelativeError(await ours[i].data(), await reference[i].data())).toBeLessThan(2e-4);
      }
      tf.dispose([...reference, ...ours]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  test.prop(
    [
      fc.oneof(
        fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 37 })).map(([b, c]) => [b, c]),
        fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 37 })).map((s) => [...s]),
      ),
      fc.double({ min: -50, max: 50, noNaN: true }),
      fc.nat(1000),
    ],
    { numRuns: 30 },
  )(
    "matches the cpu backend's tfjs ops (y, μ, σ², ∂γ, ∂β within 1e-4, ∂x within float32's reach of float64; any channel count, batch 1, rank 2 and 4) and leaks nothing",
    async (shape, offset, seed) => {
      const c = shape[shape.length - 1];
      const axes = shape.slice(0, -1).map((_, i) => i);
      // Inputs made on cpu (the same on both backends); reference: tf.moments + tf.batchNorm and autodiff on cpu.
      await tf.setBackend('cpu');
      const inputs = tf.tidy(() => [
        tf.randomNormal(shape, offset, 2, 'float32', seed + 1),
        tf.randomNormal(shape, 0, 1, 'float32', seed + 2),
        tf.randomNormal([c], 1, 0.5, 'float32', seed + 3),
        tf.randomNormal([c], 0, 0.5, 'float32', seed + 4),
      ]);
      const [xv, dyv, gv, bv] = inputs.map((t) => t.dataSync() as Float32Array);
      const reference = tf.tidy(() => {
        const [x, dy, g, b] = inputs;
        const { mean, variance } = tf.moments(x, axes);
        const y = tf.batchNorm(x, mean, variance, b, g, 1e-5);
        const grads = tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const m = tf.moments(x, axes);
          return tf.sum(tf.mul(tf.batchNorm(x, m.mean, m.variance, b, g, 1e-5), dy));
        })([x, g, b]);
        return [y, mean, variance, ...grads].map((t) => t.dataSync() as Float32Array);
      });
      tf.dispose(inputs);
      await tf.setBackend(backend);
      const x = tf.tensor(xv, shape);
      const dy = tf.tensor(dyv, shape);
      const g = tf.tensor1d(gv);
      const b = tf.tensor1d(bv);
      const before = tf.memory().numTensors;
      const forward = batchNormTraining(x, g, b, 1e-5);
      const grads = tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const r = batchNormTraining(x, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
        tf.dispose([r.mean, r.variance]);
        return tf.sum(tf.mul(r.y, dy));
      })([x, g, b]);
      const ours = [forward.y, forward.mean, forward.variance, ...grads];
      const values = ours.map((t) => t.dataSync());
      tf.dispose(ours);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, dy, g, b]);
      // y, μ, σ², ∂γ and ∂β relative to their own scale (σ² ~ 4, μ ~ |offset|)
      for (const i of [0, 1, 2, 4, 5]) expect(maxRelativeError(values[i], reference[i])).toBeLessThan(1e-4);
      // ∂x against float64 arithmetic on the same float32 inputs, within what float32 allows per channel
      const { dx, bound } = batchNormInputGradient64(xv, dyv, gv, c, 1e-5);
      for (let i = 0; i < dx.length; i++) expect(Math.abs(values[3][i] - dx[i])).toBeLessThanOrEqual(bound[i % c]);
    },
  );

  it('trains on batch statistics, keeps PyTorch-style moving statistics (unbiased variance) and infers with them', async () => {
    const layer = batchNorm({ momentum: 0.9, epsilon: 1e-5 });
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 6, 60], [4, 1, 1, 2]);
    layer.apply(x); // builds
    const before = tf.memory().numTensors;
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    // channel 0: mean 3, biased variance 3.5 → (1 − 3)/√3.5
    const values = await y.data();
    expect(values[0]).toBeCloseTo(-2 / Math.sqrt(3.5 + 1e-5), 5);
    expect(values[1]).toBeCloseTo((10 - 30) / Math.sqrt(350 + 1e-5), 5);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const [, , movingMean, movingVariance] = layer.getWeights();
    // moving ← 0.9·moving + 0.1·batch; the variance unbiased: 3.5·4/3
    expect(Array.from(await movingMean.data()).map((v) => Number(v.toFixed(5)))).toEqual([0.3, 3]);
    const mv = await movingVariance.data();
    expect(mv[0]).toBeCloseTo(0.9 + 0.1 * (3.5 * 4) / 3, 4);
    expect(mv[1]).toBeCloseTo(0.9 + 0.1 * (350 * 4) / 3, 2);
    const inferred = (await (layer.apply(x, { training: false }) as tf.Tensor).data())[0];
    expect(inferred).toBeCloseTo((1 - 0.3) / Math.sqrt(mv[0] + 1e-5), 4);
    x.dispose();
  });

  it("matches tfjs-layers' BatchNormalization in training mode and survives a save and load", async () => {
    const input = tfl.input({ shape: [3, 3, 4] });
    const build = (layer: tfl.layers.Layer) => tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    const ours = build(batchNorm({ name: 'bn_ours' }));
    const stock = build(tfl.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name: 'bn_stock' }));
    const x = tf.randomNormal([5, 3, 3, 4], 1, 3, 'float32', 7);
    const a = tf.tidy(() => (ours.layers[1] as BatchNorm).apply(x, { training: true }) as tf.Tensor);
    const b = tf.tidy(() => stock.layers[1].apply(x, { training: true }) as tf.Tensor);
    expect(maxRelativeError(await a.data(), await b.data())).toBeLessThan(1e-5);
    let saved: tf.io.ModelArtifacts | undefined;
    await ours.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.layers[1]).toBeInstanceOf(BatchNorm);
    const p = ours.predict(x) as tf.Tensor;
    const q = loaded.predict(x) as tf.Tensor;
    expect(Array.from(await q.data())).toEqual(Array.from(await p.data()));
    tf.dispose([x, a, b, p, q]);
    [ours, stock, loaded].forEach((m) => m.dispose());
  });
  test.prop(
    [fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 9 }), fc.nat(1000)],
    { numRuns: 25 },
  )('with a fused ReLU gives what BatchNorm then tf.relu gives, bit for bit, forward and backward (no separate ReLU gradient on wasm)', async (lead, c, seed) => {
    const shape = [...lead, c];
    const run = (relu: boolean): tf.Tensor[] =>
      tf.tidy(() => {
        const x = tf.randomNormal(shape, 0.2, 2, 'float32', seed + 1);
        const w = tf.randomNormal(shape, 0, 1, 'float32', seed + 2);
        const g = tf.randomNormal([c], 1, 0.5, 'float32', seed + 3) as tf.Tensor1D;
        const b = tf.randomNormal([c], 0, 0.5, 'float32', seed + 4) as tf.Tensor1D;
        const f = (xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor): tf.Tensor => {
          const r = batchNormTraining(xs, gs as tf.Tensor1D, bs as tf.Tensor1D, 1e-5, relu);
          r.mean.dispose();
          r.variance.dispose();
          return relu ? r.y : tf.relu(r.y);
        };
        const forward = f(x, g, b);
        return [forward, ...tf.grads((xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) => tf.sum(tf.mul(f(xs, gs, bs), w)))([x, g, b])];
      });
    const before = tf.memory().numTensors;
    const unfused = run(false);
    const calls = { ...elementwiseCalls };
    const fused = run(true);
    if (backend === 'wasm') {
      expect(elementwiseCalls.reluGrad).toBe(calls.reluGrad);
      expect(elementwiseCalls.batchNormGrad - calls.batchNormGrad).toBe(1);
    }
    for (let i = 0; i < fused.length; i++) expect(Array.from(await fused[i]!.data())).toEqual(Array.from(await unfused[i]!.data()));
    tf.dispose([...fused, ...unfused]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("with activation 'relu' applies it in inference too, saves it in its config, and loads it back", async () => {
    const input = tfl.input({ shape: [2, 2, 3] });
    const model = tfl.model({ inputs: input, outputs: batchNorm({ name: 'bn_relu', activation: 'relu' }).apply(input) as tfl.SymbolicTensor });
    const x = tf.randomNormal([4, 2, 2, 3], 0, 2, 'float32', 3);
    const trained = tf.tidy(() => model.layers[1]!.apply(x, { training: true }) as tf.Tensor);
    expect(Math.min(...(await trained.data()))).toBe(0);
    const inferred = model.predict(x) as tf.Tensor;
    const expected = tf.tidy(() => tf.relu(tf.batchNorm(x, ...(model.layers[1]!.getWeights().slice(2, 4) as [tf.Tensor1D, tf.Tensor1D]), model.layers[1]!.getWeights()[1] as tf.Tensor1D, model.layers[1]!.getWeights()[0] as tf.Tensor1D, 1e-5)));
    expect(Array.from(await inferred.data())).toEqual(Array.from(await expected.data()));
    // on wasm, inference is one pass: the folded batch norm with the ReLU inside (no Relu kernel)
    const profile = await tf.profile(() => model.predict(x) as tf.Tensor);
    (profile.result as tf.Tensor).dispose();
    const kernels = profile.kernels.map((k) => k.name);
    if (backend === 'wasm') {
      expect(kernels).toContain('FusedDepthwiseConv2D');
      expect(kernels).not.toContain('Relu');
    } else {
      expect(kernels).toContain('Relu');
    }
    expect(model.layers[1]!.getConfig()['activation']).toBe('relu');
    expect(batchNorm({ name: 'plain' }).getConfig()).not.toHaveProperty('activation');
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect((loaded.layers[1] as BatchNorm).activation).toBe('relu');
    const again = loaded.predict(x) as tf.Tensor;
    expect(Array.from(await again.data())).toEqual(Array.from(await inferred.data()));
    expect(() => batchNorm({ activation: 'elu' as 'relu' })).toThrow("BatchNorm: activation must be 'linear' or 'relu', got 'elu'");
    tf.dispose([x, trained, inferred, expected, again]);
    [model, loaded].forEach((m) => m.dispose());
  });
});
