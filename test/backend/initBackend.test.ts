import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { backendName, initBackend, type BackendRequest } from '../../src/backend/index.ts';
import { InputError } from '../../src/inputError.ts';

describe('initBackend', () => {
  const saved = process.env['LL4AL_BACKEND'];
  afterEach(() => {
    if (saved === undefined) delete process.env['LL4AL_BACKEND'];
    else process.env['LL4AL_BACKEND'] = saved;
  });

  it('should choose wasm, with SIMD on one thread, when no native TensorFlow is installed and nothing is asked', async () => {
    delete process.env['LL4AL_BACKEND'];
    const info = await initBackend();
    expect(info).toEqual({ name: 'wasm', simd: true, threads: 1 });
    expect(backendName()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('should be idempotent: a second call gives the same backend and registers nothing twice', async () => {
    const first = await initBackend('wasm');
    const second = await initBackend('wasm');
    expect(second).toEqual(first);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('should take LL4AL_BACKEND when no backend is passed, and the option over it', async () => {
    process.env['LL4AL_BACKEND'] = 'cpu';
    expect(await initBackend()).toMatchObject({ name: 'cpu', requested: 'cpu' });
    expect(await initBackend('wasm')).toMatchObject({ name: 'wasm', requested: 'wasm' });
  });

  it('should refuse an unknown backend with one line naming the value and where it came from', async () => {
    await expect(initBackend('webgl' as BackendRequest)).rejects.toThrow(new InputError("backend: unknown backend 'webgl' (expected one of tensorflow, wasm, cpu)"));
    process.env['LL4AL_BACKEND'] = 'gpu';
    await expect(initBackend()).rejects.toThrow(/^LL4AL_BACKEND: unknown backend 'gpu'/);
  });

  it('should say what to install when tensorflow is asked for and @tensorflow/tfjs-node is absent', async () => {
    const error = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/npm install @tensorflow\/tfjs-node/);
    expect((error as Error).message).not.toContain('\n');
  });
});
