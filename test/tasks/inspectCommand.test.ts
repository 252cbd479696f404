import * as tf from '@tensorflow/tfjs-core';
import { Command } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { inspectModel, register } from '../../src/cli/inspectCommand.ts';
import { InputError } from '../../src/inputError.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('inspect', () => {
  it('counts the small CNN and its loss module', () => {
    const before = tf.memory().numTensors;
    const s = inspectModel('small-cnn');
    // convs 9·(1·16 + 16·32 + 32·64 + 64·128) = 96,912; BN γ,β 2·240 = 480; FC 128·10 + 10 = 1,290.
    expect(s.targetParams).toBe(96_912 + 480 + 1_290);
    expect(s.lossModuleParams).toBe((16 + 32 + 64 + 128) * 128 + 4 * 128 + 4 * 128 + 1);
    expect(s.layers.some((l) => l.type === 'LossPredictionModule' && l.part === 'lossModule')).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('counts ResNet-18 (CIFAR) at 11.17 M target parameters and 123,905 in its loss module', () => {
    const s = inspectModel('resnet18-cifar');
    expect(s.targetParams).toBe(11_173_962);
    expect(s.lossModuleParams).toBe(123_905);
  });

  it('prints JSON with targetParams and lossModuleParams, and names an unknown model', async () => {
    const program = new Command().exitOverride();
    register(program);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['inspect', '--model', 'small-cnn', '--json'], { from: 'user' });
      const json = JSON.parse(String(out.mock.calls.map((c) => c[0]).join('')));
      expect(json.targetParams).toBe(98_682);
      expect(json.lossModuleParams).toBe(31_745);
    } finally {
      out.mockRestore();
    }
    await expect(program.parseAsync(['inspect', '--model', 'vgg16'], { from: 'user' })).rejects.toThrow(InputError);
    await expect(program.parseAsync(['inspect', '--model', 'vgg16'], { from: 'user' })).rejects.toThrow(/vgg16/);
  });
});
