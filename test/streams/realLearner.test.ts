/** activeLearning end to end with the real classification learner, at a tiny size. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { initBackend } from '../../src/backend/index.ts';
import { loadDataset, subsetOf } from '../../src/data/index.ts';
import type { DataSplit } from '../../src/data/imageSet.ts';
import { simulatedOracle } from '../../src/oracles/simulatedOracle.ts';
import { memoryJournal } from '../../src/store/labelJournal.ts';
import { activeLearning } from '../../src/streams/activeLearning.ts';
import type { AlEvent } from '../../src/streams/events.ts';
import { createClassificationLearner } from '../../src/tasks/classification.ts';

let data: DataSplit;
beforeAll(async () => {
  await initBackend('wasm');
  const full = await loadDataset({ kind: 'embedded' });
  const first = (n: number) => Array.from({ length: n }, (_, i) => i);
  data = { ...full, train: subsetOf(full.train, first(600)), test: subsetOf(full.test, first(200)) };
});

const runOnce = async (strategy: string) => {
  const learner = createClassificationLearner({ data, model: 'small-cnn', seed: 5, trainer: { batchSize: 32, augment: false } });
  const journal = memoryJournal<number>();
  const tensorsAtCycleStart: number[] = [];
  const events = await lastValueFrom(
    activeLearning({
      learner,
      strategy,
      oracle: simulatedOracle((id) => data.train.labels[id], { seed: 1 }),
      journal,
      cycles: 2,
      initial: 40,
      budget: 40,
      subset: 200,
      epochs: 1,
      seed: 9,
      scoreBatchSize: 100,
    }).pipe(
      tap((e) => e.type === 'cycleStarted' && tensorsAtCycleStart.push(tf.memory().numTensors)),
      toArray(),
    ),
  );
  const tensorsAtEnd = tf.memory().numTensors;
  learner.dispose();
  return { events, journal, tensorsAtCycleStart, tensorsAtEnd };
};

const selected = (events: ReadonlyArray<AlEvent<number>>) => events.flatMap((e) => (e.type === 'selected' ? [e.ids] : []));

describe('activeLearning with the classification learner', () => {
  it.each(['learning-loss', 'core-set'])('runs %s to 80 labels, leaks no tensor, and selects the same ids for the same seed', async (strategy) => {
    const before = tf.memory().numTensors;
    const a = await runOnce(strategy);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.journal.entries).toHaveLength(80);
    expect(a.journal.entries.every((e) => e.label === data.train.labels[e.id])).toBe(true);
    const rows = a.events.flatMap((e) => (e.type === 'cycleFinished' ? [e.row] : []));
    expect(rows.map((r) => r.labeled)).toEqual([40, 80]);
    expect(rows.every((r) => r.metricName === 'testAccuracy' && r.metric >= 0 && r.metric <= 1)).toBe(true);
    // The pipeline holds no tensor between cycles: the count is the learner's weights only.
    expect(new Set([...a.tensorsAtCycleStart, a.tensorsAtEnd]).size).toBe(1);
    const b = await runOnce(strategy);
    expect(selected(b.events)).toEqual(selected(a.events));
  });
});
