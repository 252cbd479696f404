import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { batchNorm } from '../batchNorm.ts';
import { InputError } from '../../inputError.ts';
import { SeededInitializers } from '../seededInitializers.ts';
import type { TappedNetwork } from '../tappedNetwork.ts';
import { anchorsPerCell, checkAnchorGeometry, defaultAnchorGeometry, type AnchorGeometry } from './anchors.ts';

/** Shape and seed of the detector. */
export interface SsdOptions {
  /** Where the default boxes lie; the canvas side and the source maps' sizes come from it. */
  readonly geometry?: AnchorGeometry;
  readonly channels?: number;
  /** Object classes, background not counted (10). */
  readonly classes?: number;
  /** Channels of the backbone's stages, one per halving of the side (16, 32, 48, 64, 64). */
  readonly widths?: ReadonlyArray<number>;
  readonly seed: number;
}

/**
 * A small SSD-style single-shot detector (Liu et al. 2016, at CPU scale).
 *
 * Backbone: one conv 3×3 stride 2 stage per entry of `widths` (conv without bias → batch norm
 * → ReLU), each halving the side (64 → 32 → 16 → 8 → 4 → 2). The stages whose side equals a
 * source map of the geometry (8, 4 and 2 by default) are the source feature maps; on each, two
 * conv 3×3 heads give per default box the class scores (classes + 1, background first) and the
 * 4 box offsets, reshaped to [boxes of the map, k] and concatenated over the maps in the order
 * of `makeAnchors`. The source maps are the loss module's taps; the embedding is the global
 * average of the deepest one.
 *
 * Use it as the detection task's target: ~5 M multiply-adds per 64×64 image by default.
 *
 * @param options - geometry, input channels, classes, stage widths, seed
 * @returns a {@link TappedNetwork} with outputs [class logits [B, A, classes+1], box offsets
 *   [B, A, 4], embedding, source map 1 … source map n]
 * @throws InputError when a source map's size is not reached by halving the side
 */
export const buildSsd = (options: SsdOptions): TappedNetwork => {
  const { geometry = defaultAnchorGeometry, channels = 1, classes = 10, widths = [16, 32, 48, 64, 64], seed } = options;
  checkAnchorGeometry(geometry);
  if (!(Number.isInteger(classes) && classes >= 1)) throw new InputError(`ssd: classes must be a positive integer, got ${classes}`);
  const init = new SeededInitializers(seed);
  const perCell = anchorsPerCell(geometry);
  const input = tfl.input({ shape: [geometry.side, geometry.side, channels], name: 'image' });
  let x: SymbolicTensor = input;
  let size = geometry.side;
  const sources = new Map<number, { readonly features: SymbolicTensor; readonly width: number }>();
  widths.forEach((filters, i) => {
    const conv = tfl.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init.kernel(), name: `stage${i + 1}_conv` });
    // batch norm and its ReLU as one layer (fused in the wasm kernels)
    const bn = batchNorm({ momentum: 0.9, epsilon: 1e-5, activation: 'relu', name: `stage${i + 1}_bn` });
    x = bn.apply(conv.apply(x)) as SymbolicTensor;
    size = Math.ceil(size / 2);
    sources.set(size, { features: x, width: filters });
  });
  const taps: SymbolicTensor[] = [];
  const scores: SymbolicTensor[] = [];
  const offsets: SymbolicTensor[] = [];
  geometry.maps.forEach((map, m) => {
    const source = sources.get(map.size);
    if (source === undefined) {
      throw new InputError(`ssd: no backbone stage has side ${map.size} (stages: ${[...sources.keys()].join(', ')}); change widths or the geometry`);
    }
    taps.push(source.features);
    const head = (depth: number, name: string): SymbolicTensor => {
      const conv = tfl.layers.conv2d({
        filters: perCell * depth, kernelSize: 3, padding: 'same', kernelInitializer: init.kernel(), biasInitializer: init.bias(9 * source.width), name,
      });
      const out = conv.apply(source.features) as SymbolicTensor;
      return tfl.layers.reshape({ targetShape: [map.size * map.size * perCell, depth], name: `${name}_boxes` }).apply(out) as SymbolicTensor;
    };
    scores.push(head(classes + 1, `map${m + 1}_scores`));
    offsets.push(head(4, `map${m + 1}_offsets`));
  });
  const join = (parts: SymbolicTensor[], name: string): SymbolicTensor =>
    parts.length === 1 ? parts[0]! : (tfl.layers.concatenate({ axis: 1, name }).apply(parts) as SymbolicTensor);
  const deepest = sources.get(size)!;
  const embedding = tfl.layers.globalAveragePooling2d({ name: 'embedding' }).apply(deepest.features) as SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [join(scores, 'class_logits'), join(offsets, 'box_offsets'), embedding, ...taps], name: 'ssd' });
  return { name: 'ssd', model, headCount: 2, tapCount: taps.length, embeddingDim: deepest.width };
};
