import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigFromFlags } from '../../src/cli/runCommand.ts';
import { checkRunStrategy, runLossObjective } from '../../src/cli/taskSetup.ts';
import { checkRunConfig, checkRunConfigAgainstPool, decodeRunConfig, defaultRunConfig } from '../../src/config/runConfig.ts';
import { InputError } from '../../src/inputError.ts';
import { strategyNames } from '../../src/streams/strategies.ts';

describe('run configuration', () => {
  it('should fill the defaults and let given fields override them', () => {
    const config = decodeRunConfig({ budget: 50, strategy: 'entropy' });
    expect(config.budget).toBe(50);
    expect(config.strategy).toBe('entropy');
    expect(config.cycles).toBe(defaultRunConfig.cycles);
    expect(config.trainer).toEqual({});
  });

  it.each([
    [{ budget: -3 }, 'Invalid value -3 supplied to RunConfig/budget (--budget): expected PositiveInt'],
    [{ cycles: 1.5 }, 'Invalid value 1.5 supplied to RunConfig/cycles (--cycles): expected PositiveInt'],
    [{ oracleFailureRate: 1 }, 'Invalid value 1 supplied to RunConfig/oracleFailureRate (--oracle-failure-rate): expected Probability'],
    [{ oracle: 'web' }, 'Invalid value "web" supplied to RunConfig/oracle (--oracle): expected OracleKind'],
    [{ trainer: { batchSize: 0 } }, 'Invalid value 0 supplied to RunConfig/trainer/batchSize (config field trainer.batchSize): expected PositiveInt'],
    [{ budgett: 3 }, 'RunConfig: unknown field "budgett"'],
    [{ trainer: { lr: 3 } }, 'RunConfig: unknown field "trainer.lr"'],
  ])('should reject %j in one line naming the field and value', (input, message) => {
    let error: unknown;
    try {
      decodeRunConfig(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('should take trainThreads 1 or 2 and refuse anything else, naming the field', () => {
    expect(decodeRunConfig({ trainer: { trainThreads: 2 } }).trainer.trainThreads).toBe(2);
    expect(() => decodeRunConfig({ trainer: { trainThreads: 3 } })).toThrow('Invalid value 3 supplied to RunConfig/trainer/trainThreads');
  });

  it('should name the config file in its errors', () => {
    expect(() => decodeRunConfig({ seed: -1 }, 'exp.json')).toThrow('Invalid value -1 supplied to exp.json RunConfig/seed (--seed)');
  });

  it('should check strategy, subset against budget, data folder and pool size', () => {
    const ok = decodeRunConfig({});
    expect(() => checkRunConfig(ok, strategyNames)).not.toThrow();
    expect(() => checkRunConfig(decodeRunConfig({ strategy: 'magic' }), strategyNames)).toThrow('unknown strategy "magic" (--strategy)');
    expect(() => checkRunConfig(decodeRunConfig({ subset: 100, budget: 200 }), strategyNames)).toThrow('subset 100 (--subset) is smaller than the budget 200');
    expect(() => checkRunConfig(decodeRunConfig({ data: '/no/such/dir' }), strategyNames)).toThrow('data directory "/no/such/dir" (--data) does not exist');
    expect(() => checkRunConfigAgainstPool(ok, 10_000)).not.toThrow();
    expect(() => checkRunConfigAgainstPool(decodeRunConfig({ budget: 20_000, subset: 20_000 }), 10_000)).toThrow('budget 20000 (--budget) is larger than the pool');
    expect(() => checkRunConfigAgainstPool(decodeRunConfig({ cycles: 60 }), 10_000)).toThrow('cycles 60 (--cycles)');
  });
});

describe('run flags and --config', () => {
  it('should read the config file and let flags override it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'll4al-config-'));
    try {
      const file = join(dir, 'exp.json');
      writeFileSync(file, JSON.stringify({ budget: 100, cycles: 5, trainer: { batchSize: 64 } }));
      const config = runConfigFromFlags({ config: file, cycles: '4', oracleFailureRate: '0.25' });
      expect(config.budget).toBe(100);
      expect(config.cycles).toBe(4);
      expect(config.oracleFailureRate).toBe(0.25);
      expect(config.trainer).toEqual({ batchSize: 64 });
      writeFileSync(file, '{"budget": 1,');
      expect(() => runConfigFromFlags({ config: file })).toThrow(`config file ${file} (--config) is not valid JSON`);
      writeFileSync(file, JSON.stringify({ budget: 'many' }));
      expect(() => runConfigFromFlags({ config: file })).toThrow(`Invalid value "many" supplied to ${file} RunConfig/budget (--budget)`);
      expect(() => runConfigFromFlags({ backend: 'gpu' })).toThrow('Invalid value "gpu" supplied to RunConfig/backend (--backend): expected Backend');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the loss module objective of a run', () => {
  it("should be set by the strategy name learning-loss-mse, by trainer.lossObjective, else 'ranking', and refuse the two disagreeing", () => {
    expect(runLossObjective(decodeRunConfig({ strategy: 'learning-loss-mse' }))).toBe('mse');
    expect(runLossObjective(decodeRunConfig({ strategy: 'learning-loss', trainer: { lossObjective: 'mse' } }))).toBe('mse');
    expect(runLossObjective(decodeRunConfig({ strategy: 'entropy' }))).toBe('ranking');
    expect(() => runLossObjective(decodeRunConfig({ strategy: 'learning-loss-mse', trainer: { lossObjective: 'ranking' } }))).toThrow(
      "strategy learning-loss-mse (--strategy) trains the loss module with 'mse', but trainer.lossObjective is 'ranking'",
    );
  });

  it('should check a strategy against the task before anything is built, as activeLearning does', () => {
    expect(() => checkRunStrategy(decodeRunConfig({ task: 'keypoints', strategy: 'margin' }))).toThrow(
      'strategy margin requires probabilities, which the keypoints learner does not provide (it provides: embeddings)',
    );
    expect(() => checkRunStrategy(decodeRunConfig({ task: 'detection', strategy: 'entropy' }))).not.toThrow();
    expect(() => checkRunStrategy(decodeRunConfig({ task: 'keypoints', strategy: 'learning-loss-mse' }))).not.toThrow();
  });
});
