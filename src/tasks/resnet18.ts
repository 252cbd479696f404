import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { batchNorm } from './batchNorm.ts';
import { deriveSeed } from '../ops/random.ts';
import { seededDropout } from './mcDropout.ts';
import { SeededInitializers } from './seededInitializers.ts';
import type { TappedNetwork } from './tappedNetwork.ts';

/** Shape and seed of the CIFAR ResNet-18. */
export interface ResNet18Options {
  readonly height?: number;
  readonly width?: number;
  readonly channels?: number;
  readonly classes?: number;
  /** Channels of the 4 stages (default 64, 128, 256, 512; smaller for tests). */
  readonly widths?: ReadonlyArray<number>;
  readonly seed: number;
  /** Rate of the (MC) dropout between the embedding and the logits (default 0: none; src/tasks/mcDropout.ts). */
  readonly dropout?: number;
}

/**
 * ResNet-18 in its CIFAR form (as in the Learning Loss reference): 3×3 stem of widths[0]
 * channels, no max-pool, 4 stages of 2 basic blocks with strides 1/2/2/2, taps after each
 * stage, global average pooling (the embedding), Dense(classes).
 *
 * Use it as the paper's target network (CIFAR-10, 32×32×3).
 *
 * @param options - input size (default 32×32×3), classes (default 10), stage widths, seed
 * @returns a {@link TappedNetwork} with outputs [logits, embedding, stage1 … stage4]
 */
export const buildResNet18 = (options: ResNet18Options): TappedNetwork => {
  const { height = 32, width = 32, channels = 3, classes = 10, widths = [64, 128, 256, 512], seed, dropout = 0 } = options;
  const init = new SeededInitializers(seed);
  // conv → batch norm, with the ReLU that follows as part of the batch-norm layer where there is one (fused in the wasm kernels)
  const convBn = (x: SymbolicTensor, filters: number, kernelSize: number, strides: number, name: string, activation: 'linear' | 'relu' = 'linear') => {
    const conv = tfl.layers.conv2d({
      filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init.kernel(), name: `${name}_conv`,
    });
    const bn = batchNorm({ momentum: 0.9, epsilon: 1e-5, activation, name: `${name}_bn` });
    return bn.apply(conv.apply(x)) as SymbolicTensor;
  };
  const relu = (x: SymbolicTensor, name: string) => tfl.layers.reLU({ name }).apply(x) as SymbolicTensor;
  const basicBlock = (x: SymbolicTensor, inChannels: number, filters: number, strides: number, name: string) => {
    let y = convBn(x, filters, 3, strides, `${name}_a`, 'relu');
    y = convBn(y, filters, 3, 1, `${name}_b`);
    const shortcut = strides !== 1 || inChannels !== filters ? convBn(x, filters, 1, strides, `${name}_short`) : x;
    return relu(tfl.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as SymbolicTensor, `${name}_relu`);
  };

  const input = tfl.input({ shape: [height, width, channels], name: 'image' });
  let x = convBn(input, widths[0], 3, 1, 'stem', 'relu');
  let inChannels = widths[0];
  const taps: SymbolicTensor[] = [];
  widths.forEach((filters, s) => {
    x = basicBlock(x, inChannels, filters, s === 0 ? 1 : 2, `stage${s + 1}_block1`);
    x = basicBlock(x, filters, filters, 1, `stage${s + 1}_block2`);
    inChannels = filters;
    taps.push(x);
  });
  const embedding = tfl.layers.globalAveragePooling2d({ name: 'embedding' }).apply(x) as SymbolicTensor;
  const last = widths[widths.length - 1];
  const logits = tfl.layers
    .dense({ units: classes, kernelInitializer: init.kernel(), biasInitializer: init.bias(last), name: 'logits' })
    .apply(dropout > 0 ? (seededDropout({ rate: dropout, seed: deriveSeed(seed, 'mc-dropout'), name: 'mc_dropout' }).apply(embedding) as SymbolicTensor) : embedding) as SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [logits, embedding, ...taps], name: 'resnet18_cifar' });
  return { name: 'resnet18-cifar', model, headCount: 1, tapCount: taps.length, embeddingDim: last };
};
