import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * The bench's model, built inline from tfjs-layers so the kernels can be timed on their own:
 * the small CNN of ../shared/bench/torch_throughput.py (4 stages conv3x3 without bias →
 * batch norm → ReLU, widths 16/32/64/128, strides 1/2/2/2, 28×28×1 input, GAP, Dense(10))
 * and the loss-prediction module over its 4 stage outputs (GAP → Dense(128) → ReLU each,
 * concatenated → Dense(1)). One model with three outputs: logits, predicted loss, embedding.
 */
export const buildBenchModel = (seed: number): tfl.LayersModel => {
  let s = seed;
  const init = () => tfl.initializers.heNormal({ seed: s++ });
  const input = tfl.input({ shape: [28, 28, 1] });
  const widths = [16, 32, 64, 128];
  const taps: tfl.SymbolicTensor[] = [];
  let h: tfl.SymbolicTensor = input;
  widths.forEach((width, i) => {
    h = tfl.layers
      .conv2d({ filters: width, kernelSize: 3, strides: i === 0 ? 1 : 2, padding: 'same', useBias: false, kernelInitializer: init() })
      .apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.reLU().apply(h) as tfl.SymbolicTensor;
    taps.push(h);
  });
  const embedding = tfl.layers.globalAveragePooling2d({}).apply(h) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 10, kernelInitializer: init() }).apply(embedding) as tfl.SymbolicTensor;
  const features = taps.map((tap) => {
    const pooled = tfl.layers.globalAveragePooling2d({}).apply(tap) as tfl.SymbolicTensor;
    return tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init() }).apply(pooled) as tfl.SymbolicTensor;
  });
  const joined = tfl.layers.concatenate().apply(features) as tfl.SymbolicTensor;
  const predictedLoss = tfl.layers.dense({ units: 1, kernelInitializer: init() }).apply(joined) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: [logits, predictedLoss, embedding] });
};

/**
 * Margin ranking loss on the flipped-batch pairs (i, B−1−i), as torch_throughput.py computes it:
 * mean over B/2 pairs of max(0, ξ − sign(l_i − l_j) · (l̂_i − l̂_j)), the true loss held constant.
 */
const rankingLoss = (predicted: tf.Tensor1D, trueLoss: tf.Tensor1D, margin: number): tf.Scalar => {
  const half = Math.floor(predicted.shape[0] / 2);
  // sign(l_i − l_j) of the true losses: a constant of the step, with a zero gradient.
  const sign = tf.customGrad((l: tf.Tensor) => ({
    value: tf.tidy(() => {
      const target = tf.slice(tf.sub(l, tf.reverse(l)), 0, half);
      return tf.sub(tf.mul(tf.cast(tf.greater(target, 0), 'float32'), 2), 1);
    }),
    gradFunc: () => tf.zerosLike(l),
  }))(trueLoss);
  const diff = tf.slice(tf.sub(predicted, tf.reverse(predicted)), 0, half);
  return tf.mean(tf.relu(tf.sub(margin, tf.mul(sign, diff))));
};

/** One joint step: cross-entropy + margin ranking loss, SGD with momentum, in training mode. */
export const benchTrainStep = (
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor4D,
  labels: tf.Tensor2D,
): void => {
  tf.tidy(() => {
    optimizer.minimize(() => {
      const [logits, predicted] = model.apply(x, { training: true }) as tf.Tensor[];
      const perSample = tf.losses.softmaxCrossEntropy(labels, logits as tf.Tensor2D, undefined, undefined, tf.Reduction.NONE) as tf.Tensor1D;
      return tf.add(tf.mean(perSample), rankingLoss(tf.reshape(predicted as tf.Tensor, [-1]) as tf.Tensor1D, perSample, 1));
    });
  });
};

/** Scoring: logits, predicted loss and embedding of a batch, read back as typed arrays. */
export const benchScore = async (model: tfl.LayersModel, x: tf.Tensor4D): Promise<number> => {
  const outs = tf.tidy(() => model.predict(x) as tf.Tensor[]);
  const arrays = await Promise.all(outs.map((t) => t.data()));
  outs.forEach((t) => t.dispose());
  return arrays.reduce((n, a) => n + a.length, 0);
};
