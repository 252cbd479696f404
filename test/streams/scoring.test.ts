import { describe, expect, it } from 'vitest';
import { config, lastValueFrom, of, take, toArray } from 'rxjs';
import { gatherScores } from '../../src/streams/gatherScores.ts';
import { createPoolState, unlabeledIds } from '../../src/streams/poolState.ts';
import { retrain } from '../../src/streams/retrain.ts';
import { sampleSubset } from '../../src/streams/sampleSubset.ts';
import { scoreInBatches } from '../../src/streams/scoreInBatches.ts';
import type { Learner, ScoredBatch } from '../../src/tasks/learner.ts';
import { createFakeLearner } from '../support/fakeLearner.ts';

describe('sampleSubset', () => {
  it('should draw distinct unlabeled ids, the same for the same seed', async () => {
    const state = createPoolState<number>(50, [[1, 0], [2, 0], [3, 0]]);
    const a = await lastValueFrom(of(state).pipe(sampleSubset(10, 7)));
    const b = await lastValueFrom(of(state).pipe(sampleSubset(10, 7)));
    const c = await lastValueFrom(of(state).pipe(sampleSubset(10, 8)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBe(10);
    expect(Array.from(a).some((id) => state.labeled.has(id))).toBe(false);
  });

  it('should give the whole unlabeled pool when M exceeds it', async () => {
    const state = createPoolState<number>(5, [[0, 0]]);
    const all = await lastValueFrom(of(state).pipe(sampleSubset(100, 1)));
    expect(Array.from(all).sort()).toEqual(Array.from(unlabeledIds(state)));
  });
});

describe('scoreInBatches', () => {
  it('should score one batch at a time, in order, and gather them into one', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const fake = createFakeLearner({ poolSize: 100 });
    const learner: Pick<Learner<number>, 'score'> = {
      score: async (ids, request) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const result = await fake.score(ids, request);
        inFlight--;
        return result;
      },
    };
    const ids = Int32Array.from({ length: 25 }, (_, i) => 99 - i);
    const batches = await lastValueFrom(of(ids).pipe(scoreInBatches(learner, 10), toArray()));
    // nothing asked for: ids and l̂ only
    expect(batches.every((b) => b.probabilities === undefined && b.embeddings === undefined)).toBe(true);
    expect(batches.map((b) => b.ids.length)).toEqual([10, 10, 5]);
    expect(maxInFlight).toBe(1);
    const all: ScoredBatch = await lastValueFrom(of(ids).pipe(scoreInBatches(learner, 10, ['probabilities', 'embeddings']), gatherScores()));
    expect(Array.from(all.ids)).toEqual(Array.from(ids));
    expect(all.probabilities!.width).toBe(4);
    expect(all.probabilities!.values.length).toBe(25 * 4);
    expect(all.embeddings!.values.length).toBe(25 * all.embeddings!.width);
    // the gathered rows are each batch's rows, in order
    const last = await fake.score(ids.subarray(20), { outputs: ['probabilities'] });
    expect(Array.from(all.probabilities!.values.subarray(20 * 4))).toEqual(Array.from(last.probabilities!.values));
  });

  it('should stop between batches when unsubscribed', async () => {
    const fake = createFakeLearner({ poolSize: 1000 });
    let started = 0;
    const learner: Pick<Learner<number>, 'score'> = {
      score: (batch) => {
        started++;
        return fake.score(batch);
      },
    };
    const ids = Int32Array.from({ length: 100 }, (_, i) => i);
    await lastValueFrom(of(ids).pipe(scoreInBatches(learner, 10), take(2)));
    // Counted at the call, not at the answer: a third batch started before the unsubscription shows here.
    expect(started).toBe(2);
    // And none starts later, once every pending callback has run.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(started).toBe(2);
  });
});

describe('retrain', () => {
  it('should emit one report per epoch and train on the labeled set in id order', async () => {
    const learner = createFakeLearner({ poolSize: 20 });
    const state = createPoolState<number>(20, [[9, 1], [2, 2], [5, 1]]);
    const reports = await lastValueFrom(of(state).pipe(retrain(learner, { epochs: 3, seed: 1 }), toArray()));
    expect(reports.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(learner.fits).toEqual([[2, 5, 9]]);
  });

  it('should abort the fit when unsubscribed', async () => {
    let signal: AbortSignal | undefined;
    let settled = false;
    const learner: Pick<Learner<number>, 'fit'> = {
      fit: (_labeled, options) => {
        signal = options.signal;
        return new Promise((_, reject) =>
          options.signal!.addEventListener('abort', () => {
            settled = true;
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          }),
        );
      },
    };
    // An error delivered after the unsubscription reaches no callback of ours: RxJS reports it
    // as a stopped notification, which is what this test watches.
    const stopped: unknown[] = [];
    const previous = config.onStoppedNotification;
    config.onStoppedNotification = (notification) => stopped.push(notification);
    try {
      const subscription = of(createPoolState<number>(3)).pipe(retrain(learner, { epochs: 1, seed: 0 })).subscribe();
      expect(signal?.aborted).toBe(false);
      subscription.unsubscribe();
      expect(signal?.aborted).toBe(true);
      // The fit rejects on abort; its handler runs in a microtask, and RxJS reports a stopped
      // notification from a timer of 0 ms set by that handler: wait for both (two timer turns).
      for (let turn = 0; turn < 2; turn++) await new Promise((r) => setTimeout(r, 0));
      expect(settled).toBe(true);
      expect(stopped).toEqual([]);
    } finally {
      config.onStoppedNotification = previous;
    }
  });
});
