import * as tf from '@tensorflow/tfjs-core';

/**
 * Wraps wasm's `Conv2D` or `FusedConv2D` kernel so that 'same' padding reaches it as the
 * explicit padding tfjs defines ('same' → top/bottom/left/right from `computeConv2DInfo`).
 *
 * tfjs-backend-wasm 4.22 hands 'same' to XNNPACK as its own TensorFlow-SAME flag, and some
 * geometries then come out wrong (a 1×2 filter with strides [2, 1], a 1×3 filter with
 * strides 2: errors of order 1 against the cpu backend); with explicit padding they match.
 *
 * @param stock - The kernel to wrap.
 */
export const explicitSamePaddingKernel =
  (stock: tf.KernelFunc): tf.KernelFunc =>
  (args) => {
    const attrs = args.attrs as unknown as {
      pad: unknown;
      strides: number | [number, number];
      dilations: number | [number, number];
      dataFormat?: string;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    if (attrs.pad !== 'same' || (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC')) return stock(args);
    const x = args.inputs['x'] as tf.TensorInfo;
    const filter = args.inputs['filter'] as tf.TensorInfo;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations ?? 1,
      'same',
      attrs.dimRoundingMode,
    );
    const { top, bottom, left, right } = info.padInfo;
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    return stock({ ...args, attrs: { ...args.attrs, pad } as unknown as tf.NamedAttrMap });
  };
