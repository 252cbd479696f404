import { describe, expect, it } from 'vitest';
import { demoSizes, layerRunInputs, presetNames, presets, resolvePreset } from '../../src/config/presets.ts';
import { decodeRunConfig } from '../../src/config/runConfig.ts';
import { InputError } from '../../src/inputError.ts';
import { strategyNames } from '../../src/streams/strategies.ts';

describe('presets', () => {
  it('are paper-cifar10, fmnist and demo', () => {
    expect(presetNames).toEqual(['paper-cifar10', 'fmnist', 'demo']);
  });

  it.each(presetNames)('%s decodes as a run configuration and names known strategies', (name) => {
    const preset = resolvePreset(name);
    const config = decodeRunConfig(preset.run, `preset ${name}`);
    expect(config.cycles).toBeGreaterThan(0);
    expect(config.subset).toBeGreaterThanOrEqual(config.budget);
    for (const strategy of preset.compare?.strategies ?? []) expect(strategyNames).toContain(strategy);
  });

  it("paper-cifar10 is the paper's protocol: 1,000 + 1,000 × 9 labels, subset 10,000, 200 epochs, lr 0.1 → 0.01 at 160, loss gradient stopped after 120", () => {
    const config = decodeRunConfig(resolvePreset('paper-cifar10').run);
    expect([config.model, config.dataKind, config.initial, config.budget, config.cycles, config.subset, config.epochs]).toEqual([
      'resnet18-cifar',
      'cifar10',
      1000,
      1000,
      10,
      10000,
      200,
    ]);
    const trainer = config.trainer;
    expect(trainer.batchSize).toBe(128);
    expect(trainer.learningRate).toBe(0.1);
    expect(Math.round(trainer.lrDecayAt! * config.epochs)).toBe(160);
    expect(trainer.learningRate! * trainer.lrDecayFactor!).toBeCloseTo(0.01, 12);
    expect(Math.round(trainer.stopLossGradientAfter! * config.epochs)).toBe(120);
    expect(trainer.augment).toBe(true);
  });

  it('demo takes its sizes from demoSizes and runs on the embedded data', () => {
    const demo = presets['demo']!;
    expect(demo.run.data).toBe('embedded');
    expect(demo.run.epochs).toBe(demoSizes.epochs);
    expect(demo.compare).toEqual({ strategies: demoSizes.strategies, trials: demoSizes.trials });
    expect(demo.compare!.strategies).toContain('learning-loss');
    expect(demo.compare!.strategies).toContain('random');
  });

  it('an unknown name is a one-line InputError listing the presets', () => {
    expect(() => resolvePreset('cifar')).toThrow(InputError);
    expect(() => resolvePreset('cifar')).toThrow('unknown preset "cifar" (--preset): expected one of paper-cifar10, fmnist, demo');
  });
});

describe('layerRunInputs', () => {
  it('lets later layers win field by field, the trainer recipe merged by its fields, undefined not overriding', () => {
    expect(
      layerRunInputs({ epochs: 200, cycles: 10, trainer: { lrDecayAt: 0.8, learningRate: 0.1 } }, { trainer: { learningRate: 0.05 }, cycles: undefined }, { epochs: 2 }),
    ).toEqual({ epochs: 2, cycles: 10, trainer: { lrDecayAt: 0.8, learningRate: 0.05 } });
  });
});
