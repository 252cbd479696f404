import * as tf from '@tensorflow/tfjs-core';
import type { ScoreOutput } from './taskSpec.ts';

/**
 * The `probabilities` output of a classifier: the softmax of a head's logits, [m, classes].
 * @param head - which head holds the logits (default 0)
 */
export const softmaxOutput = (head = 0): ScoreOutput => ({ tensors: (o) => [tf.softmax(o.heads[head]!)] });

/** The `embeddings` output every task provides: the network's embedding, [m, embeddingDim]. */
export const embeddingOutput: ScoreOutput = { tensors: (o) => [o.embedding] };
