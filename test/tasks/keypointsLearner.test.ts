import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { loadDataset } from '../../src/data/index.ts';
import type { DataSplit } from '../../src/data/imageSet.ts';
import { InputError } from '../../src/inputError.ts';
import { randomSubset } from '../../src/ops/random.ts';
import { buildStackedHourglass, keypointsCodec, keypointsOf, keypointsTask } from '../../src/tasks/keypoints/index.ts';

let source: DataSplit;

beforeAll(async () => {
  await initBackend('wasm');
  source = await loadDataset({ kind: 'embedded' });
});

describe('keypoints label codec', () => {
  const codec = keypointsCodec(48);
  it('accepts 5 finite points inside the canvas and rejects anything else with one clear line', () => {
    expect(isRight(codec.decode([[1, 2], [40, 2], [40, 30], [1, 30], [20.5, 16]]))).toBe(true);
    const cases: ReadonlyArray<readonly [unknown, RegExp]> = [
      ['x', /array of 5/],
      [[[1, 2]], /expected 5 \[x, y\] points, got 1/],
      [[[1, 2], [40, 2], [40, 30], [1, 30], [20.5, 49]], /point 4: y = 49 is outside the canvas \[0, 48\]/],
      [[[1, 2], [40, 2], [40, null], [1, 30], [20, 16]], /point 2: y must be a finite number, got null/],
      [[[1, 2], [40, 2, 3], [40, 30], [1, 30], [20, 16]], /point 1: expected \[x, y\]/],
    ];
    for (const [value, message] of cases) {
      const result = codec.decode(value);
      expect(isLeft(result)).toBe(true);
      expect(PathReporter.report(result).join('\n')).toMatch(message);
    }
  });
});

describe('stacked hourglass', () => {
  it('outputs 2 stacks of 12×12×5 heatmaps, a 32-dim embedding and 2 taps, and refuses a side not a multiple of 16', () => {
    const net = buildStackedHourglass({ seed: 1 });
    expect(net.model.outputs.map((o) => o.shape)).toEqual([
      [null, 12, 12, 5],
      [null, 12, 12, 5],
      [null, 32],
      [null, 12, 12, 32],
      [null, 12, 12, 32],
    ]);
    expect([net.headCount, net.tapCount, net.embeddingDim]).toEqual([2, 2, 32]);
    net.model.dispose();
    expect(() => buildStackedHourglass({ seed: 1, side: 40 })).toThrow(InputError);
  });
});

describe('keypoints learner (2-stack hourglass, embedded Fashion-MNIST canvases, wasm)', () => {
  it('trains to a higher PCK than untrained, without leaking tensors, and saves/loads', async () => {
    const before = tf.memory().numTensors;
    const { data, learner, truth } = keypointsTask(source, { seed: 5, trainCount: 600, testCount: 200 });
    expect(learner.task).toBe('keypoints');
    expect(learner.poolSize).toBe(600);
    expect(truth(3)).toEqual(keypointsOf(data.train, 3));
    const untrained = await learner.evaluate();
    const afterBuild = tf.memory().numTensors;
    const ids = randomSubset(300, 7)(Array.from({ length: 600 }, (_, i) => i));
    const reports = await learner.fit(ids.map((id) => [id, truth(id)] as const), { epochs: 4, seed: 3 });
    const scored = await learner.score(Int32Array.from({ length: 300 }, (_, i) => 300 + i), { outputs: ['embeddings'] });
    const trained = await learner.evaluate();
    // weights are updated in place: the live tensors are the same after an epoch, a scoring pass and an evaluation
    expect(tf.memory().numTensors).toBe(afterBuild);
    console.log(
      `keypoints, 300 labels, 4 epochs: PCK@0.5 ${untrained.metric.toFixed(3)} → ${trained.metric.toFixed(3)}, ` +
        `ranking accuracy ${trained.rankingAccuracy.toFixed(3)}, mean heatmap loss ${untrained.meanTargetLoss.toFixed(4)} → ${trained.meanTargetLoss.toFixed(4)}; ` +
        `epoch losses ${reports.map((r) => r.targetLoss.toFixed(4)).join(' ')}`,
    );
    expect(trained.metricName).toBe('pck');
    expect(trained.metric).toBeGreaterThan(untrained.metric + 0.2);
    expect(trained.meanTargetLoss).toBeLessThan(untrained.meanTargetLoss);
    expect(learner.provides).toEqual(['embeddings']);
    expect(scored.probabilities).toBeUndefined();
    expect(scored.embeddings!.width).toBe(32);
    expect(scored.embeddings!.values.length).toBe(300 * 32);
    await expect(learner.score(Int32Array.of(1), { outputs: ['probabilities'] })).rejects.toThrow('score: the keypoints learner does not provide probabilities (it provides: embeddings)');
    expect(scored.predictedLoss.every(Number.isFinite)).toBe(true);
    await expect(learner.score(Int32Array.of(600))).rejects.toThrow(/600/);
    await expect(learner.fit([[0, [[1, 2]]]], { epochs: 1, seed: 1 })).rejects.toThrow(InputError);

    const dir = mkdtempSync(join(tmpdir(), 'll4al-keypoints-'));
    try {
      await learner.save(dir);
      const other = keypointsTask(source, { seed: 5, trainCount: 600, testCount: 200 }); // same canvases, untrained weights
      await other.learner.load(dir);
      const reloaded = await other.learner.evaluate();
      expect(reloaded.metric).toBeCloseTo(trained.metric, 6);
      other.learner.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    learner.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);
});
