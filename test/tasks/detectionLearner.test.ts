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
import { buildSsd, detectionLabelCodec, detectionLabelOf, detectionTask, uncertainAnchor, type Detection } from '../../src/tasks/detection/index.ts';

let source: DataSplit;

beforeAll(async () => {
  await initBackend('wasm');
  source = await loadDataset({ kind: 'embedded' });
});

describe('detection label codec', () => {
  const codec = detectionLabelCodec(64, 10);
  it('accepts objects with boxes inside the canvas and integer classes, and rejects anything else with one clear line', () => {
    expect(isRight(codec.decode([{ box: [3, 4, 20, 30], class: 7 }, { box: [0, 0, 64, 64], class: 0 }]))).toBe(true);
    const cases: ReadonlyArray<readonly [unknown, RegExp]> = [
      ['x', /expected an array/],
      [[], /at least one object/],
      [[{ box: [3, 4, 20], class: 1 }], /object 0: box must be \[x1, y1, x2, y2\]/],
      [[{ box: [3, 4, 20, 30], class: 1 }, { box: [3, 4, 20, 65], class: 1 }], /object 1: box\[3\] = 65 is outside the canvas \[0, 64\]/],
      [[{ box: [20, 4, 3, 30], class: 1 }], /object 0: box .* needs x1 < x2/],
      [[{ box: [3, 4, 20, 30], class: 10 }], /object 0: class must be an integer in \[0, 10\), got 10/],
      [[{ box: [3, 'a', 20, 30], class: 1 }], /object 0: box\[1\] must be a finite number/],
      [[null], /object 0: expected \{box, class\}/],
    ];
    for (const [value, message] of cases) {
      const result = codec.decode(value);
      expect(isLeft(result)).toBe(true);
      expect(PathReporter.report(result).join('\n')).toMatch(message);
    }
  });
});

describe('SSD network', () => {
  it('outputs 336 × 11 class scores, 336 × 4 offsets, a 64-dim embedding and the 3 source maps as taps', () => {
    const before = tf.memory().numTensors;
    const net = buildSsd({ seed: 1 });
    expect(net.model.outputs.map((o) => o.shape)).toEqual([
      [null, 336, 11],
      [null, 336, 4],
      [null, 64],
      [null, 8, 8, 48],
      [null, 4, 4, 64],
      [null, 2, 2, 64],
    ]);
    expect([net.headCount, net.tapCount, net.embeddingDim]).toEqual([2, 3, 64]);
    net.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => buildSsd({ seed: 1, widths: [16, 32] })).toThrow(/no backbone stage has side 8/);
  });
});

describe('per-image uncertainty', () => {
  it('takes the most uncertain confident detection, else the anchor of highest object probability', () => {
    // 3 anchors, 2 classes + background
    const p = Float32Array.of(0.1, 0.85, 0.05, 0.2, 0.5, 0.3, 0.7, 0.05, 0.25);
    const det = (anchor: number, score: number): Detection => ({ anchor, score, class: 0, box: [0, 0, 1, 1] });
    expect(uncertainAnchor(p, [det(0, 0.85), det(1, 0.5)], 3)).toBe(1); // both confident: anchor 1 has the flatter distribution
    expect(uncertainAnchor(p, [det(0, 0.85), det(1, 0.4)], 3)).toBe(0); // anchor 1 is not confident
    expect(uncertainAnchor(p, [], 3)).toBe(0); // no detection: highest object probability (0.85)
  });
});

describe('detection learner (SSD, embedded Fashion-MNIST canvases, wasm)', () => {
  it('trains to a higher mAP than untrained, without leaking tensors, scores, and saves/loads', async () => {
    const before = tf.memory().numTensors;
    const { data, learner, truth } = detectionTask(source, { seed: 5, trainCount: 600, testCount: 200 });
    expect(learner.task).toBe('detection');
    expect(learner.poolSize).toBe(600);
    expect(truth(3)).toEqual(detectionLabelOf(data.train, 3));
    expect(isRight(learner.labelCodec.decode(truth(3)))).toBe(true);
    const untrained = await learner.evaluate();
    const afterBuild = tf.memory().numTensors;
    const ids = randomSubset(300, 7)(Array.from({ length: 600 }, (_, i) => i));
    const reports = await learner.fit(ids.map((id) => [id, truth(id)] as const), { epochs: 4, seed: 3 });
    const scored = await learner.score(Int32Array.from({ length: 300 }, (_, i) => 300 + i), { outputs: ['probabilities', 'embeddings'] });
    const trained = await learner.evaluate();
    // weights are updated in place: the live tensors are the same after an epoch, a scoring pass and an evaluation
    expect(tf.memory().numTensors).toBe(afterBuild);
    console.log(
      `detection, 300 labels, 4 epochs: mAP@0.5 ${untrained.metric.toFixed(3)} → ${trained.metric.toFixed(3)}, ` +
        `ranking accuracy ${trained.rankingAccuracy.toFixed(3)}, mean multibox loss ${untrained.meanTargetLoss.toFixed(3)} → ${trained.meanTargetLoss.toFixed(3)}; ` +
        `epoch losses ${reports.map((r) => r.targetLoss.toFixed(3)).join(' ')}, ${reports.map((r) => r.seconds.toFixed(1)).join(' ')} s`,
    );
    expect(trained.metricName).toBe('mAP');
    expect(trained.metric).toBeGreaterThan(untrained.metric + 0.05);
    expect(trained.meanTargetLoss).toBeLessThan(untrained.meanTargetLoss);
    expect(reports[3]!.targetLoss).toBeLessThan(reports[0]!.targetLoss);

    expect(learner.provides).toEqual(['probabilities', 'embeddings']);
    expect(scored.probabilities!.width).toBe(11);
    expect(scored.embeddings!.width).toBe(64);
    expect(scored.embeddings!.values.length).toBe(300 * 64);
    expect(scored.predictedLoss.every(Number.isFinite)).toBe(true);
    for (let k = 0; k < 300; k++) {
      const row = scored.probabilities!.values.subarray(k * 11, (k + 1) * 11);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    // learning loss asks for nothing: no probabilities (no NMS), no embeddings
    const plain = await learner.score(Int32Array.of(300, 301));
    expect(Object.keys(plain).sort()).toEqual(['ids', 'predictedLoss']);
    expect(Array.from(plain.predictedLoss)).toEqual(Array.from(scored.predictedLoss.subarray(0, 2)));
    await expect(learner.score(Int32Array.of(600))).rejects.toThrow(/600/);
    await expect(learner.fit([[0, [{ box: [1, 2, 0, 5], class: 1 }]]], { epochs: 1, seed: 1 })).rejects.toThrow(InputError);

    const dir = mkdtempSync(join(tmpdir(), 'll4al-detection-'));
    try {
      await learner.save(dir);
      const other = detectionTask(source, { seed: 5, trainCount: 600, testCount: 200 }); // same canvases, untrained weights
      await other.learner.load(dir);
      const reloaded = await other.learner.evaluate();
      expect(reloaded.metric).toBeCloseTo(trained.metric, 6);
      expect(reloaded.rankingAccuracy).toBeCloseTo(trained.rankingAccuracy, 6);
      other.learner.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    learner.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);
});
