import * as tfl from '@tensorflow/tfjs-layers';

/**
 * One small network around one tfjs-layers layer, for the wasm-training checks
 * (`layerGradients.test.ts`): inputs of these shapes (batch excluded) feed `apply`, whose
 * output is the network's output.
 */
export interface LayerCase {
  /** What the case is, as docs/layers.md lists it. */
  readonly name: string;
  /** Input shapes without the batch axis (two for the merge layers). */
  readonly inputs: ReadonlyArray<ReadonlyArray<number>>;
  /** Builds the layers under test on the symbolic inputs. */
  readonly apply: (inputs: ReadonlyArray<tfl.SymbolicTensor>) => tfl.SymbolicTensor;
  /** The layer draws unseeded random numbers in training (the test fixes Math.random for it). */
  readonly unseededNoise?: boolean;
  /** The inputs are integer ids in [0, n) (the embedding), so no input gradient is compared. */
  readonly idsBelow?: number;
}

const image = [6, 6, 3];
const sequence = [8, 3];
const volume = [4, 4, 4, 2];

/** A single layer applied to the first input. */
const one = (name: string, inputShape: ReadonlyArray<number>, layer: () => tfl.layers.Layer, extra: Partial<LayerCase> = {}): LayerCase => ({
  name,
  inputs: [inputShape],
  apply: ([x]) => layer().apply(x as tfl.SymbolicTensor) as tfl.SymbolicTensor,
  ...extra,
});

/** A trainable convolution first, then the layer: the layer's input gradient reaches weights. */
const afterConv = (name: string, layer: () => tfl.layers.Layer, extra: Partial<LayerCase> = {}): LayerCase => ({
  name,
  inputs: [image],
  apply: ([x]) => {
    const features = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    return layer().apply(features) as tfl.SymbolicTensor;
  },
  ...extra,
});

/** Two branches of the input through 1×1 convolutions, merged by the layer. */
const merge = (name: string, layer: () => tfl.layers.Layer): LayerCase => ({
  name,
  inputs: [image, image],
  apply: ([a, b]) => {
    const left = tfl.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(a as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const right = tfl.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(b as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    return layer().apply([left, right]) as tfl.SymbolicTensor;
  },
});

const activation = (name: string): LayerCase =>
  afterConv(`activation '${name}'`, () => tfl.layers.activation({ activation: name as Parameters<typeof tfl.layers.activation>[0]['activation'] }));

/** Every layer of tfjs-layers a vision network may hold, each in a small network. */
export const layerCases: ReadonlyArray<LayerCase> = [
  // Convolutions.
  one('conv2d 3×3 same, relu', image, () => tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' })),
  one('conv2d 3×3 valid stride 2, linear', image, () => tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 })),
  one('conv2d 1×1, no bias', image, () => tfl.layers.conv2d({ filters: 5, kernelSize: 1, useBias: false })),
  one('conv2d 2×3 same stride [2, 1]', image, () => tfl.layers.conv2d({ filters: 3, kernelSize: [2, 3], strides: [2, 1], padding: 'same' })),
  one('conv2d channelsFirst', [3, 6, 6], () => tfl.layers.conv2d({ filters: 4, kernelSize: 3, dataFormat: 'channelsFirst' })),
  one('conv1d kernel 3 stride 2', sequence, () => tfl.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' })),
  one('conv2dTranspose 3×3 stride 2 same', image, () => tfl.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' })),
  one('conv2dTranspose 4×4 stride 2 valid', image, () => tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 4, strides: 2 })),
  one('conv3d 3×3×3', volume, () => tfl.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same' })),
  one('conv3dTranspose 2×2×2 stride 2', volume, () => tfl.layers.conv3dTranspose({ filters: 2, kernelSize: 2, strides: 2 })),
  one('depthwiseConv2d 3×3 same', image, () => tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' })),
  one('depthwiseConv2d 3×3 stride 2, multiplier 2', image, () => tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthMultiplier: 2 })),
  one('depthwiseConv2d 2×2 same stride 2, relu', [7, 7, 3], () =>
    tfl.layers.depthwiseConv2d({ kernelSize: 2, strides: 2, padding: 'same', activation: 'relu' }),
  ),
  one('separableConv2d 3×3 same', image, () => tfl.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same' })),
  one('separableConv2d 3×3 stride 2, multiplier 2, relu', image, () =>
    tfl.layers.separableConv2d({ filters: 5, kernelSize: 3, strides: 2, depthMultiplier: 2, activation: 'relu' }),
  ),
  // Pooling.
  afterConv('maxPooling2d 2×2', () => tfl.layers.maxPooling2d({ poolSize: 2 })),
  afterConv('maxPooling2d 3×3 stride 2 same', () => tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })),
  afterConv('averagePooling2d 2×2', () => tfl.layers.averagePooling2d({ poolSize: 2 })),
  afterConv('averagePooling2d 3×3 stride 2 same', () => tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })),
  afterConv('globalAveragePooling2d', () => tfl.layers.globalAveragePooling2d({})),
  afterConv('globalMaxPooling2d', () => tfl.layers.globalMaxPooling2d({})),
  one('maxPooling1d', sequence, () => tfl.layers.maxPooling1d({ poolSize: 2 })),
  one('averagePooling1d', sequence, () => tfl.layers.averagePooling1d({ poolSize: 2 })),
  one('globalAveragePooling1d', sequence, () => tfl.layers.globalAveragePooling1d({})),
  one('globalMaxPooling1d', sequence, () => tfl.layers.globalMaxPooling1d({})),
  one('maxPooling3d', volume, () => tfl.layers.maxPooling3d({ poolSize: 2 })),
  one('averagePooling3d', volume, () => tfl.layers.averagePooling3d({ poolSize: 2 })),
  // Regularisation.
  afterConv('dropout 0.5 (seeded)', () => tfl.layers.dropout({ rate: 0.5, seed: 7 })),
  one('spatialDropout1d', sequence, () => tfl.layers.spatialDropout1d({ rate: 0.5, seed: 7 })),
  afterConv('gaussianNoise', () => tfl.layers.gaussianNoise({ stddev: 0.3 }), { unseededNoise: true }),
  afterConv('gaussianDropout', () => tfl.layers.gaussianDropout({ rate: 0.3 }), { unseededNoise: true }),
  afterConv('alphaDropout', () => tfl.layers.alphaDropout({ rate: 0.3 }), { unseededNoise: true }),
  // Normalisation.
  afterConv('batchNormalization (channels last)', () => tfl.layers.batchNormalization({})),
  one('batchNormalization on features', [5], () => tfl.layers.batchNormalization({ momentum: 0.9 })),
  afterConv('layerNormalization', () => tfl.layers.layerNormalization({})),
  // Dense and activations.
  one('dense', [7], () => tfl.layers.dense({ units: 4 })),
  one('dense on a sequence', sequence, () => tfl.layers.dense({ units: 4, activation: 'tanh' })),
  ...(['relu', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'logSoftmax', 'softplus', 'softsign', 'swish', 'mish', 'gelu', 'gelu_new', 'linear'] as const).map(activation),
  afterConv('reLU layer (maxValue 6)', () => tfl.layers.reLU({ maxValue: 6 })),
  afterConv('elu layer', () => tfl.layers.elu({})),
  afterConv('leakyReLU', () => tfl.layers.leakyReLU({ alpha: 0.2 })),
  afterConv('prelu', () => tfl.layers.prelu({ alphaInitializer: tfl.initializers.constant({ value: 0.25 }) })),
  afterConv('prelu shared over space', () => tfl.layers.prelu({ sharedAxes: [1, 2] })),
  afterConv('softmax layer (axis −1)', () => tfl.layers.softmax({ axis: -1 })),
  afterConv('thresholdedReLU', () => tfl.layers.thresholdedReLU({ theta: 0.1 })),
  // Resampling, padding, cropping.
  afterConv('upSampling2d nearest', () => tfl.layers.upSampling2d({ size: [2, 2] })),
  afterConv('upSampling2d bilinear', () => tfl.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' })),
  afterConv('zeroPadding2d', () => tfl.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]] })),
  afterConv('cropping2D', () => tfl.layers.cropping2D({ cropping: [[1, 0], [2, 1]] })),
  one('rescaling', image, () => tfl.layers.rescaling({ scale: 1 / 255, offset: -0.5 })),
  // Merging.
  merge('concatenate', () => tfl.layers.concatenate({})),
  merge('add', () => tfl.layers.add({})),
  merge('multiply', () => tfl.layers.multiply({})),
  merge('average', () => tfl.layers.average({})),
  merge('maximum', () => tfl.layers.maximum({})),
  merge('minimum', () => tfl.layers.minimum({})),
  {
    name: 'dot',
    inputs: [[5], [5]],
    apply: ([a, b]) => {
      const left = tfl.layers.dense({ units: 4 }).apply(a as tfl.SymbolicTensor) as tfl.SymbolicTensor;
      const right = tfl.layers.dense({ units: 4 }).apply(b as tfl.SymbolicTensor) as tfl.SymbolicTensor;
      return tfl.layers.dot({ axes: 1, normalize: true }).apply([left, right]) as tfl.SymbolicTensor;
    },
  },
  // Reshaping.
  afterConv('flatten', () => tfl.layers.flatten({})),
  afterConv('reshape', () => tfl.layers.reshape({ targetShape: [12, 12] })),
  afterConv('permute', () => tfl.layers.permute({ dims: [3, 1, 2] })),
  one('repeatVector', [5], () => tfl.layers.repeatVector({ n: 3 })),
  one('timeDistributed(dense)', sequence, () => tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 2 }) })),
  // Beyond vision: embeddings and recurrent layers.
  {
    name: 'embedding',
    inputs: [[4]],
    idsBelow: 6,
    apply: ([ids]) => tfl.layers.embedding({ inputDim: 6, outputDim: 3 }).apply(ids as tfl.SymbolicTensor) as tfl.SymbolicTensor,
  },
  // tfjs-layers' default 'orthogonal' recurrent initializer calls chained tensor methods, which
  // only the @tensorflow/tfjs bundle installs; ll4al imports tfjs-core.
  one('simpleRNN', sequence, () => tfl.layers.simpleRNN({ units: 3, recurrentInitializer: 'glorotUniform' })),
  one('lstm', sequence, () => tfl.layers.lstm({ units: 3, returnSequences: true, recurrentInitializer: 'glorotUniform' })),
  one('gru', sequence, () => tfl.layers.gru({ units: 3, recurrentInitializer: 'glorotUniform' })),
  one('depthwiseConv2d dilation 2', image, () => tfl.layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding: 'same' })),
];

/** A layer that cannot train with tfjs 4.22 on any backend, and what the preflight check says of it. */
export interface UntrainableCase extends LayerCase {
  /** The tfjs-layers class the check names. */
  readonly className: string;
  /** What the reason the check gives must match. */
  readonly reason: RegExp;
}

const cannot = (c: LayerCase, className: string, reason: RegExp): UntrainableCase => ({ ...c, className, reason });

/** Layers tfjs-layers 4.22 cannot train (or run) on any backend; docs/layers.md lists them. */
export const untrainableCases: ReadonlyArray<UntrainableCase> = [
  cannot(one('conv2d dilation 2', image, () => tfl.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' })), 'Conv2D', /dilation rates greater than 1 are not yet supported in gradients/),
  cannot(
    one('conv2d dilation 2, relu', image, () => tfl.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' })),
    'Conv2D',
    /dilation rates greater than 1 are not yet supported in gradients/,
  ),
  cannot(one('conv1d causal', sequence, () => tfl.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal' })), 'Conv1D', /CAUSAL padding/),
  cannot(afterConv('centerCrop after a convolution', () => tfl.layers.centerCrop({ height: 4, width: 3 })), 'CenterCrop', /tfjs has no gradient for kernel 'CropAndResize'/),
  // Inside a model, Resizing.call is handed its input as a list and passes the list on to the resize.
  cannot(afterConv('resizing', () => tfl.layers.resizing({ height: 9, width: 4 })), 'Resizing', /must be rank 3 or 4|Invalid typed array length/),
];
