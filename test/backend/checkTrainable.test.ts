import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkTrainableOnBackend, findUntrainableLayers, initBackend } from '../../src/backend/index.ts';
import { InputError } from '../../src/inputError.ts';
import { untrainableCases } from './layerCases.ts';
import { buildResNet18, buildSmallCnn, buildSsd, buildStackedHourglass, JointModel } from '../../src/tasks/index.ts';

/** A MobileNet-like block: stem convolution, depthwise-separable blocks, batch norm, ReLU6, pooling, classifier. */
const mobileNetLike = (): tfl.LayersModel => {
  const input = tfl.input({ shape: [16, 16, 3] });
  let x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'stem' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'stem_bn' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, name: 'dw1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'dw1_bn' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 16, kernelSize: 1, name: 'pw1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.separableConv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'sep2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dropout({ rate: 0.2 }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 10, activation: 'softmax', name: 'classifier' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
};

const thrown = (f: () => void): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('checkTrainableOnBackend: the preflight check before training', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(async () => {
    await tf.setBackend('wasm');
  });

  it('should pass a MobileNet-like network on wasm, leave its batch-norm statistics and weights as they were, and leave no tensor behind', async () => {
    const model = mobileNetLike();
    const before = await Promise.all(model.weights.map((w) => w.read().data()));
    const tensors = tf.memory().numTensors;
    expect(() => checkTrainableOnBackend(model)).not.toThrow();
    expect(tf.memory().numTensors).toBe(tensors);
    const after = await Promise.all(model.weights.map((w) => w.read().data()));
    after.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(before[i] as Float32Array)));
    model.dispose();
  });

  it("should name the layer, its class and the kernel in one line when wasm lacks a kernel (DepthwiseConv2dNativeBackpropInput unregistered)", () => {
    const model = mobileNetLike();
    const kernel = tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm');
    expect(kernel).toBeDefined();
    tf.unregisterKernel('DepthwiseConv2dNativeBackpropInput', 'wasm');
    try {
      const tensors = tf.memory().numTensors;
      const found = findUntrainableLayers(model);
      expect(tf.memory().numTensors).toBe(tensors);
      // dw1 and the separable block need it; the stem (no layer with weights above it) does not.
      expect(found.map((u) => [u.layer, u.className, u.kernel])).toEqual([
        ['dw1', 'DepthwiseConv2D', 'DepthwiseConv2dNativeBackpropInput'],
        ['sep2', 'SeparableConv2D', 'DepthwiseConv2dNativeBackpropInput'],
      ]);
      const error = thrown(() => checkTrainableOnBackend(model));
      expect(error).toBeInstanceOf(InputError);
      const message = (error as InputError).message;
      expect(message).toBe(
        "layer 'dw1' (DepthwiseConv2D) cannot train on backend 'wasm': kernel 'DepthwiseConv2dNativeBackpropInput' is not registered for backend 'wasm' (and 1 more: 'sep2')",
      );
      expect(message).not.toContain('\n');
    } finally {
      tf.registerKernel(kernel as tf.KernelConfig);
      model.dispose();
    }
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeDefined();
  });

  it('should check a tf.sequential model the same way', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, name: 'seq_stem' }),
        tfl.layers.depthwiseConv2d({ kernelSize: 3, name: 'seq_dw' }),
        tfl.layers.flatten({}),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    expect(findUntrainableLayers(model)).toEqual([]);
    const kernel = tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm');
    tf.unregisterKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm');
    try {
      expect(findUntrainableLayers(model).map((u) => [u.layer, u.kernel])).toEqual([['seq_dw', 'DepthwiseConv2dNativeBackpropFilter']]);
    } finally {
      tf.registerKernel(kernel as tf.KernelConfig);
      model.dispose();
    }
  });

  it('should not flag a depthwise layer that needs no input gradient and has no weights to train', () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const frozen = tfl.layers.depthwiseConv2d({ kernelSize: 3, trainable: false, name: 'frozen_dw' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2 }).apply(tfl.layers.flatten({}).apply(frozen)) as tfl.SymbolicTensor });
    const kernel = tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm');
    tf.unregisterKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm');
    try {
      expect(findUntrainableLayers(model)).toEqual([]);
    } finally {
      tf.registerKernel(kernel as tf.KernelConfig);
      model.dispose();
    }
  });

  it.each(untrainableCases.map((c) => [c.name, c] as const))(
    '%s cannot train with tfjs 4.22 on any backend: the check names the layer and why, on wasm and on cpu',
    async (_name, c) => {
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const inputs = c.inputs.map((shape) => tfl.input({ shape: [...shape] }));
        const model = tfl.model({ inputs, outputs: c.apply(inputs) });
        const tensors = tf.memory().numTensors;
        const found = findUntrainableLayers(model);
        expect(tf.memory().numTensors).toBe(tensors);
        expect(found).toHaveLength(1);
        expect(found[0]?.className).toBe(c.className);
        expect(found[0]?.reason).toMatch(c.reason);
        const error = thrown(() => checkTrainableOnBackend(model));
        expect(error).toBeInstanceOf(InputError);
        expect((error as Error).message).toMatch(new RegExp(`^layer '${found[0]?.layer}' \\(${c.className}\\) cannot train on backend '${backend}': `));
        model.dispose();
      }
    },
  );

  it('should check the layers of a nested model one by one, naming them by path', () => {
    const innerInput = tfl.input({ shape: [6, 6, 4] });
    const inner = tfl.model({
      inputs: innerInput,
      outputs: tfl.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', name: 'atrous' }).apply(innerInput) as tfl.SymbolicTensor,
      name: 'backbone',
    });
    const input = tfl.input({ shape: [6, 6, 3] });
    const stem = tfl.layers.conv2d({ filters: 4, kernelSize: 1, name: 'stem' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: inner.apply(stem) as tfl.SymbolicTensor });
    const found = findUntrainableLayers(model);
    expect(found.map((u) => [u.layer, u.className])).toEqual([['backbone/atrous', 'Conv2D']]);
    model.dispose();
  });

  it.each([
    ['small CNN', () => buildSmallCnn({ seed: 1 })],
    ['ResNet-18 (CIFAR)', () => buildResNet18({ height: 32, width: 32, channels: 3, seed: 1 })],
    ['stacked hourglass', () => buildStackedHourglass({ seed: 1 })],
    ['SSD', () => buildSsd({ seed: 1 })],
  ] as const)("should pass ll4al's own %s with its loss-prediction module on wasm, leaving no tensor behind", (_name, build) => {
    const joint = JointModel.create(build(), { seed: 2 });
    const tensors = tf.memory().numTensors;
    expect(findUntrainableLayers(joint.inference)).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensors);
    joint.dispose();
  });
});
