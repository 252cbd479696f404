import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of `Conv3DBackpropInputV2` (the forward pass of `tf.conv3dTranspose`, so of the
 * conv3dTranspose layer), which tfjs 4.22 lacks: with g the gradient of its output, the input
 * `dy` gets conv3d(g, filter) and the filter gets the filter gradient of that convolution — as
 * tfjs's gradient of the 2-D form does. Registered for every backend.
 */
export const conv3dBackpropInputGradConfig: tf.GradConfig = {
  kernelName: 'Conv3DBackpropInputV2',
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, filter] = saved as [tf.Tensor5D, tf.Tensor5D];
    const { strides, pad } = attrs as unknown as { strides: [number, number, number] | number; pad: 'valid' | 'same' };
    return {
      dy: () => tf.conv3d(ddx as tf.Tensor5D, filter, strides, pad),
      filter: () => tf.engine().runKernel('Conv3DBackpropFilterV2', { x: ddx as tf.Tensor, dy }, { strides, pad, filterShape: filter.shape }) as tf.Tensor,
    };
  },
};

/**
 * Comparisons have no gradient in tfjs, so a network that builds a mask from one (the
 * thresholdedReLU layer: x · (x > θ)) cannot train at all. Their gradient is zero wherever it
 * exists, as TensorFlow treats them; these register that, for every backend.
 */
export const comparisonGradConfigs: ReadonlyArray<tf.GradConfig> = ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual'].map(
  (kernelName): tf.GradConfig => ({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
    },
  }),
);
