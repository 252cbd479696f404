import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * A target network that exposes the feature maps the loss-prediction module reads.
 *
 * `model` is a tfjs-layers functional model whose outputs are, in order:
 * `[...heads, embedding, ...taps]` — `headCount` task outputs (logits for classification;
 * heatmaps per stack for keypoints; class scores and box offsets for detection), the
 * penultimate embedding (for core-set), then `tapCount` feature taps (rank 4 or rank 2).
 */
export interface TappedNetwork {
  readonly name: string;
  readonly model: LayersModel;
  readonly headCount: number;
  readonly tapCount: number;
  /** Size of the embedding output (its last dimension). */
  readonly embeddingDim: number;
}
