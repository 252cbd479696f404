import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';

describe('wasm Identity and same-dtype Cast share the buffer', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('keeps a clone valid after its source is disposed, and frees the buffer with the last reference', async () => {
    const before = tf.memory();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const clone = tf.clone(x);
    const cast = tf.cast(x, 'float32');
    // One buffer, three tensors.
    expect(tf.memory().numTensors - before.numTensors).toBe(3);
    expect(tf.memory().numDataBuffers - before.numDataBuffers).toBe(1);
    x.dispose();
    expect(Array.from(await clone.data())).toEqual([1, 2, 3, 4]);
    clone.dispose();
    expect(Array.from(await cast.data())).toEqual([1, 2, 3, 4]);
    cast.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('still converts when the dtype changes', async () => {
    const x = tf.tensor1d([1.7, -2.2, 3]);
    const i = tf.cast(x, 'int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(await i.data())).toEqual([1, -2, 3]);
    tf.dispose([x, i]);
  });

  it('gives gradients through tf.clone as before', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.clone(t))))(x);
    expect(Array.from(await g.data())).toEqual([2, 4, 6]);
    tf.dispose([x, g]);
  });
});
