import { describe, expect, it, vi } from 'vitest';
import { filter, firstValueFrom, lastValueFrom, map, Observable, take, tap, toArray } from 'rxjs';
import type { Oracle } from '../../src/oracles/oracle.ts';
import { memoryJournal } from '../../src/store/labelJournal.ts';
import { simulatedOracle } from '../../src/oracles/simulatedOracle.ts';
import { activeLearning, type ActiveLearningConfig } from '../../src/streams/activeLearning.ts';
import type { AlEvent } from '../../src/streams/events.ts';
import { strategyNames, strategyProtocols } from '../../src/streams/strategies.ts';
import { InputError } from '../../src/inputError.ts';
import { createFakeLearner, fakeTruth, type FakeLearnerOptions } from '../support/fakeLearner.ts';

const baseConfig = (overrides: Partial<ActiveLearningConfig<number>> = {}, learnerOptions: Partial<FakeLearnerOptions> = {}) => {
  const learner = createFakeLearner({ poolSize: 1000, ...learnerOptions });
  const journal = memoryJournal<number>();
  const config: ActiveLearningConfig<number> = {
    learner,
    journal,
    strategy: 'learning-loss',
    oracle: simulatedOracle(fakeTruth(4), { seed: 3 }),
    oracleName: 'simulated',
    cycles: 3,
    initial: 50,
    budget: 40,
    subset: 200,
    epochs: 2,
    seed: 11,
    scoreBatchSize: 64,
    ...overrides,
  };
  return { learner, journal, config };
};

const run = (config: ActiveLearningConfig<number>) => lastValueFrom(activeLearning(config).pipe(toArray()));
const selections = (events: ReadonlyArray<AlEvent<number>>) =>
  events.flatMap((e) => (e.type === 'selected' ? [{ cycle: e.cycle, ids: e.ids }] : []));

describe('activeLearning', () => {
  it('ends with initial + (cycles − 1) × budget labels, rows at 50/90/130, every label journaled once', async () => {
    const { learner, journal, config } = baseConfig();
    const events = await run(config);
    const rows = events.flatMap((e) => (e.type === 'cycleFinished' ? [e.row] : []));
    expect(rows.map((r) => r.labeled)).toEqual([50, 90, 130]);
    expect(rows.map((r) => r.cycle)).toEqual([1, 2, 3]);
    expect(rows[0]!.testAccuracy).toBe(rows[0]!.metric);
    expect(Object.keys(rows[0]!.stageSeconds).sort()).toEqual(['evaluate', 'merge', 'oracle', 'score', 'select', 'train']);
    expect(journal.entries).toHaveLength(130);
    expect(new Set(journal.entries.map((e) => e.id)).size).toBe(130);
    expect(journal.entries.every((e) => e.label === e.id % 4 && e.source === 'simulated')).toBe(true);
    expect(learner.fits.map((f) => f.length)).toEqual([50, 90, 130]);
    const last = events[events.length - 1]!;
    expect(last.type).toBe('runFinished');
    expect(last.type === 'runFinished' && last.labeled).toBe(130);
    // Progress: 200 candidates in batches of 64 → 4 batchScored events per querying cycle.
    expect(events.filter((e) => e.type === 'batchScored' && e.cycle === 1).map((e) => (e as { scored: number }).scored)).toEqual([64, 128, 192, 200]);
    expect(events.filter((e) => e.type === 'epochTrained')).toHaveLength(6);
  });

  it('should select the same ids for the same seed, and other ids for another seed', async () => {
    const a = selections(await run(baseConfig().config));
    const b = selections(await run(baseConfig().config));
    const c = selections(await run(baseConfig({ seed: 12 }).config));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('should share the initial set between strategies of one seed', async () => {
    const initialOf = async (strategy: string) =>
      selections(await run(baseConfig({ strategy }).config)).find((s) => s.cycle === 0)!.ids;
    const first = await initialOf('learning-loss');
    for (const name of ['random', 'entropy', 'core-set']) expect(await initialOf(name)).toEqual(first);
  });

  it.each(strategyNames)('runs strategy %s to the full label count', async (strategy) => {
    // a learner with every output the built-in strategies read (mcSamples: a network with MC dropout)
    const { journal, config } = baseConfig({ strategy, cycles: 2 }, { lossObjective: strategyProtocols[strategy]?.lossObjective ?? 'ranking', provides: ['probabilities', 'embeddings', 'mcSamples'] });
    await run(config);
    expect(new Set(journal.entries.map((e) => e.id)).size).toBe(90);
  });

  it('with a failure rate of 0.3 still collects every label, retrying with backoff', async () => {
    const { journal, config } = baseConfig({
      oracle: simulatedOracle(fakeTruth(4), { seed: 5, failureRate: 0.3 }),
      query: { backoffMs: 1, maxAttempts: 2 },
    });
    const events = await run(config);
    expect(new Set(journal.entries.map((e) => e.id)).size).toBe(130);
    expect(events.some((e) => e.type === 'queryFailed' && !e.final)).toBe(true);
    // With 2 attempts some queries are given up and replaced from the reserve.
    expect(events.some((e) => e.type === 'queryFailed' && e.final)).toBe(true);
  });

  it('accepts a custom select function (candidate positions) and maps them to pool ids', async () => {
    const lowestIds = (candidates: { ids: Int32Array }, context: { count: number }) =>
      Array.from(candidates.ids.keys())
        .sort((a, b) => candidates.ids[a]! - candidates.ids[b]!)
        .slice(0, context.count);
    const events = await run(baseConfig({ strategy: lowestIds, cycles: 2 }).config);
    const picked = selections(events).find((s) => s.cycle === 1)!.ids;
    expect(picked).toEqual([...picked].sort((a, b) => a - b));
    const initial = new Set(selections(events).find((s) => s.cycle === 0)!.ids);
    expect(picked.some((id) => initial.has(id))).toBe(false);
  });

  it('stops promptly when unsubscribed: no fit after the unsubscription, no more labels', async () => {
    // An oracle whose answers the test releases: what is answered after the unsubscription must not count.
    const pending: Array<{ id: number; answer: (value: unknown) => void }> = [];
    const oracle: Oracle = (queries) =>
      new Observable((subscriber) => queries.subscribe((q) => pending.push({ id: q.id, answer: (value) => subscriber.next(value) })));
    const { learner, journal, config } = baseConfig({ oracle });
    const subscription = activeLearning(config).subscribe();
    for (let turn = 0; turn < 20 && pending.length < 3; turn++) await new Promise((r) => setImmediate(r));
    for (const { id, answer } of pending.splice(0, 3)) answer({ id, label: fakeTruth(4)(id) });
    expect(journal.entries).toHaveLength(3);
    subscription.unsubscribe();
    // Every other query is answered now, after the unsubscription: nothing is journaled or trained.
    for (const { id, answer } of pending.splice(0)) answer({ id, label: fakeTruth(4)(id) });
    for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
    expect(journal.entries).toHaveLength(3);
    expect(learner.fits).toHaveLength(0);
  });

  it('resumes from its journal with the same label count and every journaled label kept', async () => {
    const { config, journal } = baseConfig();
    // Interrupt in cycle 1's query: after 50 initial + 15 labels.
    await firstValueFrom(activeLearning(config).pipe(filter((e) => e.type === 'labelAccepted' && e.labeled === 65)));
    const rowsBefore: never[] = [];
    const kept = journal.entries.slice();
    expect(kept).toHaveLength(65);
    const second = baseConfig();
    const events = await run({ ...second.config, journal: second.journal, restored: { entries: kept, rows: rowsBefore } });
    const all = [...kept, ...second.journal.entries];
    expect(all).toHaveLength(130);
    expect(new Set(all.map((e) => e.id)).size).toBe(130);
    const rows = events.flatMap((e) => (e.type === 'cycleFinished' ? [e.row] : []));
    expect(rows.map((r) => r.labeled)).toEqual([50, 90, 130]);
    // Cycle 1 was resumed mid-query: it asked only for the 25 labels missing.
    expect(selections(events).find((s) => s.cycle === 1)!.ids).toHaveLength(25);
  });
});

describe('activeLearning capabilities', () => {
  it('should refuse a strategy whose requirements the learner does not provide, before any training, with one line', async () => {
    const { learner, journal, config } = baseConfig({ strategy: 'entropy' }, { provides: ['embeddings'] });
    const error = await run(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe('strategy entropy requires probabilities, which the fake learner does not provide (it provides: embeddings)');
    expect(learner.fits).toHaveLength(0);
    expect(learner.scored).toHaveLength(0);
    expect(journal.entries).toHaveLength(0);
  });

  it('should refuse learning-loss-mse with a learner whose loss module trains with the ranking loss', async () => {
    const { learner, config } = baseConfig({ strategy: 'learning-loss-mse' });
    await expect(run(config)).rejects.toThrow(
      "strategy learning-loss-mse needs a learner whose loss module trains with trainer.lossObjective 'mse'; the fake learner trains with 'ranking'",
    );
    expect(learner.fits).toHaveLength(0);
  });

  it.each([
    ['learning-loss', []],
    ['random', []],
    ['entropy', ['probabilities']],
    ['core-set', ['embeddings']],
  ])('should score only what %s requires', async (strategy, outputs) => {
    const { learner, config } = baseConfig({ strategy, cycles: 2 });
    await run(config);
    expect(learner.requested.length).toBeGreaterThan(0);
    expect(learner.requested.every((r) => JSON.stringify(r) === JSON.stringify(outputs))).toBe(true);
  });

  it("should give a strategy that does not declare requires every output the learner provides", async () => {
    const { learner, config } = baseConfig({ strategy: (candidates) => Array.from(candidates.ids, (_, i) => i).slice(0, 40), cycles: 2 });
    await run(config);
    expect(learner.requested.every((r) => JSON.stringify(r) === JSON.stringify(['probabilities', 'embeddings']))).toBe(true);
  });
});

/**
 * The stage clock is performance.now: here it is a virtual clock that moves only when the test
 * moves it, so each stage's seconds are exact and nothing depends on the machine's load.
 */
const withVirtualClock = async <T>(work: (advance: (ms: number) => void) => Promise<T>): Promise<T> => {
  let now = 0;
  const spy = vi.spyOn(performance, 'now').mockImplementation(() => now);
  try {
    return await work((ms) => (now += ms));
  } finally {
    spy.mockRestore();
  }
};

describe('activeLearning stage timing', () => {
  it('should count the oracle wait under oracle, not under select', async () => {
    const row = await withVirtualClock(async (advance) => {
      // Each answer takes 2 ms of the virtual clock, spent inside the oracle.
      const slow: Oracle = (queries) => queries.pipe(map((q) => (advance(2), { id: q.id, label: fakeTruth(4)(q.id) })));
      const { config } = baseConfig({ oracle: slow, cycles: 2 });
      const events = await run(config);
      return events.flatMap((e) => (e.type === 'cycleFinished' ? [e.row] : []))[0]!;
    });
    // Cycle 1 asked for 40 labels: 80 ms under oracle, none of it under select or merge.
    expect(row.stageSeconds.oracle).toBeCloseTo(0.08, 9);
    expect(row.stageSeconds.select).toBe(0);
    expect(row.stageSeconds.merge).toBe(0);
  });

  it('should stop timing select at the selection: what runs synchronously after it is not select', async () => {
    const row = await withVirtualClock(async (advance) => {
      const { config } = baseConfig({ cycles: 2 });
      // A subscriber that spends 150 ms on each 'selected' event, synchronously (the old timer read ≥ 0.15 s).
      const events = await lastValueFrom(activeLearning(config).pipe(tap((e) => e.type === 'selected' && advance(150)), toArray()));
      return events.flatMap((e) => (e.type === 'cycleFinished' ? [e.row] : []))[0]!;
    });
    expect(row.stageSeconds.select).toBe(0);
    // The 150 ms were spent in the cycle (between the selection and the answers), not in select.
    expect(row.seconds).toBeCloseTo(0.15, 9);
  });
});
