import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { batchNorm } from './batchNorm.ts';
import { deriveSeed } from '../ops/random.ts';
import { seededDropout } from './mcDropout.ts';
import { SeededInitializers } from './seededInitializers.ts';
import type { TappedNetwork } from './tappedNetwork.ts';

/** Shape and seed of the small CNN. */
export interface SmallCnnOptions {
  readonly height?: number;
  readonly width?: number;
  readonly channels?: number;
  readonly classes?: number;
  /** Channels of the 4 stages (default 16, 32, 64, 128). */
  readonly widths?: ReadonlyArray<number>;
  readonly seed: number;
  /** Rate of the (MC) dropout between the embedding and the logits (default 0: none; src/tasks/mcDropout.ts). */
  readonly dropout?: number;
}

/**
 * The small CNN of `bench/torch_throughput.py`: stages of conv 3×3 (no bias, 'same' padding)
 * → batch norm → ReLU, widths 16/32/64/128 with strides 1/2/2/2, global average pooling
 * (the embedding), Dense(classes). Each stage's output is a tap for the loss module.
 *
 * Use it as the fast classification target on 28×28×1 data (Fashion-MNIST).
 *
 * @param options - input size (default 28×28×1), classes (default 10), stage widths, seed
 * @returns a {@link TappedNetwork} with outputs [logits, embedding, stage1 … stage4]
 */
export const buildSmallCnn = (options: SmallCnnOptions): TappedNetwork => {
  const { height = 28, width = 28, channels = 1, classes = 10, widths = [16, 32, 64, 128], seed, dropout = 0 } = options;
  const init = new SeededInitializers(seed);
  const input = tfl.input({ shape: [height, width, channels], name: 'image' });
  let x: SymbolicTensor = input;
  const taps: SymbolicTensor[] = [];
  widths.forEach((filters, i) => {
    const conv = tfl.layers.conv2d({
      filters, kernelSize: 3, strides: i === 0 ? 1 : 2, padding: 'same', useBias: false,
      kernelInitializer: init.kernel(), name: `stage${i + 1}_conv`,
    });
    // batch norm and its ReLU as one layer (fused in the wasm kernels)
    const bn = batchNorm({ momentum: 0.9, epsilon: 1e-5, activation: 'relu', name: `stage${i + 1}_bn` });
    x = conv.apply(x) as SymbolicTensor;
    x = bn.apply(x) as SymbolicTensor;
    taps.push(x);
  });
  const embedding = tfl.layers.globalAveragePooling2d({ name: 'embedding' }).apply(x) as SymbolicTensor;
  const last = widths[widths.length - 1];
  const logits = tfl.layers
    .dense({ units: classes, kernelInitializer: init.kernel(), biasInitializer: init.bias(last), name: 'logits' })
    .apply(dropout > 0 ? (seededDropout({ rate: dropout, seed: deriveSeed(seed, 'mc-dropout'), name: 'mc_dropout' }).apply(embedding) as SymbolicTensor) : embedding) as SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [logits, embedding, ...taps], name: 'small_cnn' });
  return { name: 'small-cnn', model, headCount: 1, tapCount: taps.length, embeddingDim: last };
};
