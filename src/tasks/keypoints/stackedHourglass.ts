import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { batchNorm } from '../batchNorm.ts';
import { InputError } from '../../inputError.ts';
import { SeededInitializers } from '../seededInitializers.ts';
import type { TappedNetwork } from '../tappedNetwork.ts';

/** Shape and seed of the stacked hourglass. */
export interface StackedHourglassOptions {
  /** Input side in pixels (48); the heatmaps are side / 4. Must be a multiple of 16. */
  readonly side?: number;
  readonly channels?: number;
  /** Heatmaps per stack (5). */
  readonly keypoints?: number;
  /** Feature channels inside the hourglasses (32). */
  readonly width?: number;
  /** Number of stacks (2). */
  readonly stacks?: number;
  readonly seed: number;
}

/**
 * A small stacked-hourglass network (Newell et al. 2016, at CPU scale) for heatmap regression.
 *
 * Stem: two conv 3×3 stride 2 (→ side/4). Each stack: an hourglass of depth 2 (side/4 → /8 →
 * /16 by max pooling, back up by nearest-neighbour upsampling, each level added to a conv 3×3
 * skip branch), a conv 1×1 feature layer (the stack's tap for the loss module) and a conv 1×1
 * head of `keypoints` heatmaps (linear). Between stacks the input is re-fed with the features
 * and heatmaps mapped back by conv 1×1 (the intermediate supervision's feedback). Every conv
 * 3×3 is conv (no bias) → batch norm → ReLU.
 *
 * Use it as the keypoints task's target: ~5 M multiply-adds per 48×48 image.
 *
 * @param options - input side/channels, keypoints, width, stacks, seed
 * @returns a {@link TappedNetwork} with outputs [heatmaps of each stack…, embedding (GAP of the
 *   last stack's features), features of each stack…]
 * @throws InputError when the side is not a multiple of 16 or a count is not positive
 */
export const buildStackedHourglass = (options: StackedHourglassOptions): TappedNetwork => {
  const { side = 48, channels = 1, keypoints = 5, width = 32, stacks = 2, seed } = options;
  if (!(Number.isInteger(side) && side >= 16 && side % 16 === 0)) throw new InputError(`stacked hourglass: side must be a multiple of 16, got ${side}`);
  for (const [name, v] of [['channels', channels], ['keypoints', keypoints], ['width', width], ['stacks', stacks]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new InputError(`stacked hourglass: ${name} must be a positive integer, got ${v}`);
  }
  const init = new SeededInitializers(seed);
  const convBnRelu = (x: SymbolicTensor, filters: number, name: string, strides = 1): SymbolicTensor => {
    const conv = tfl.layers.conv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false, kernelInitializer: init.kernel(), name: `${name}_conv` });
    // batch norm and its ReLU as one layer (fused in the wasm kernels)
    const bn = batchNorm({ momentum: 0.9, epsilon: 1e-5, activation: 'relu', name: `${name}_bn` });
    return bn.apply(conv.apply(x)) as SymbolicTensor;
  };
  const pointwise = (x: SymbolicTensor, filters: number, name: string, fanIn: number): SymbolicTensor =>
    tfl.layers
      .conv2d({ filters, kernelSize: 1, padding: 'same', kernelInitializer: init.kernel(), biasInitializer: init.bias(fanIn), name })
      .apply(x) as SymbolicTensor;
  const add = (a: SymbolicTensor, b: SymbolicTensor, name: string): SymbolicTensor => tfl.layers.add({ name }).apply([a, b]) as SymbolicTensor;

  /** One hourglass level: skip branch + (pool → conv → inner level → conv → upsample). */
  const hourglass = (x: SymbolicTensor, depth: number, name: string): SymbolicTensor => {
    const skip = convBnRelu(x, width, `${name}_skip`);
    let low = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }).apply(x) as SymbolicTensor;
    low = convBnRelu(low, width, `${name}_down`);
    low = depth > 1 ? hourglass(low, depth - 1, `${name}_inner`) : convBnRelu(low, width, `${name}_bottom`);
    const up = tfl.layers.upSampling2d({ size: [2, 2], name: `${name}_up` }).apply(low) as SymbolicTensor;
    return add(skip, up, `${name}_merge`);
  };

  const input = tfl.input({ shape: [side, side, channels], name: 'image' });
  let x = convBnRelu(input, Math.max(1, Math.floor(width / 2)), 'stem1', 2);
  x = convBnRelu(x, width, 'stem2', 2);
  const heads: SymbolicTensor[] = [];
  const taps: SymbolicTensor[] = [];
  for (let s = 1; s <= stacks; s++) {
    const hg = hourglass(x, 2, `hg${s}`);
    const features = tfl.layers.reLU({ name: `hg${s}_features_relu` }).apply(pointwise(hg, width, `hg${s}_features`, width)) as SymbolicTensor;
    const heatmaps = pointwise(features, keypoints, `hg${s}_heatmaps`, width);
    heads.push(heatmaps);
    taps.push(features);
    if (s < stacks) {
      const back = add(pointwise(features, width, `hg${s}_feedback_features`, width), pointwise(heatmaps, width, `hg${s}_feedback_heatmaps`, keypoints), `hg${s}_feedback`);
      x = add(x, back, `stack${s + 1}_input`);
    }
  }
  const embedding = tfl.layers.globalAveragePooling2d({ name: 'embedding' }).apply(taps[taps.length - 1]!) as SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [...heads, embedding, ...taps], name: 'stacked_hourglass' });
  return { name: 'stacked-hourglass', model, headCount: heads.length, tapCount: taps.length, embeddingDim: width };
};
