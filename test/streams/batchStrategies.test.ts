import { describe, expect, it } from 'vitest';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { simulatedOracle } from '../../src/oracles/simulatedOracle.ts';
import { memoryJournal } from '../../src/store/labelJournal.ts';
import { activeLearning } from '../../src/streams/activeLearning.ts';
import { createFakeLearner, fakeTruth } from '../support/fakeLearner.ts';
import { createStrategies, strategies, strategyNames } from '../../src/streams/strategies.ts';
import { checkStrategy } from '../../src/streams/checkStrategy.ts';
import { rankBy } from '../../src/streams/rankBy.ts';
import type { Strategy } from '../../src/streams/strategy.ts';
import type { ScoredBatch } from '../../src/tasks/learner.ts';
import { Rng } from '../../src/ops/random.ts';

/** n candidates with pool ids 1000 + 7i, seeded scores, probabilities, embeddings and 3 MC passes. */
const randomCandidates = (n: number, seed: number, classes = 3, dim = 4, passes = 10): ScoredBatch => {
  const rng = new Rng(seed);
  const softmax = (logits: number[]) => {
    const e = logits.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };
  const probabilities: number[] = [];
  const mc: number[] = [];
  for (let i = 0; i < n; i++) {
    const logits = Array.from({ length: classes }, () => rng.normal(0, 2));
    probabilities.push(...softmax(logits));
    for (let t = 0; t < passes; t++) mc.push(...softmax(logits.map((l) => l + rng.normal(0, 1))));
  }
  return {
    ids: Int32Array.from({ length: n }, (_, i) => 1000 + 7 * i),
    predictedLoss: Float32Array.from({ length: n }, () => rng.normal()),
    probabilities: { values: Float32Array.from(probabilities), width: classes },
    embeddings: { values: Float32Array.from({ length: n * dim }, () => Math.max(0, rng.normal(0.5, 1))), width: dim },
    mcSamples: { values: Float32Array.from(mc), width: passes * classes },
  };
};

const rank = (strategy: Strategy, c: ScoredBatch, count: number, seed = 1, labeled?: ScoredBatch) =>
  firstValueFrom(of(c).pipe(rankBy(strategy, { count, seed, budget: Math.ceil(count / 2), ...(labeled ? { labeled } : {}) })));

const added = ['bald', 'mc-entropy', 'badge', 'typiclust', 'learning-loss-diverse', 'power-learning-loss', 'power-entropy', 'power-bald'];

describe('the batch strategies', () => {
  it('are registered under their CLI names', () => {
    for (const name of added) expect(strategyNames).toContain(name);
  });

  it('declare the score outputs they read (what checkStrategy checks and scoring computes)', () => {
    const requires = Object.fromEntries(added.map((name) => [name, strategies[name]!.requires]));
    expect(requires).toEqual({
      bald: ['probabilities', 'mcSamples'],
      'mc-entropy': ['probabilities', 'mcSamples'],
      'power-bald': ['probabilities', 'mcSamples'],
      badge: ['probabilities', 'embeddings'],
      typiclust: ['embeddings'],
      'learning-loss-diverse': ['embeddings'],
      'power-entropy': ['probabilities'],
      'power-learning-loss': [],
    });
    expect(() => checkStrategy('bald', { task: 'classification', provides: ['probabilities', 'embeddings'], lossObjective: 'ranking' })).toThrow(
      'strategy bald requires mcSamples, which the classification learner does not provide (it provides: probabilities, embeddings)',
    );
    expect(() => checkStrategy('typiclust', { task: 'keypoints', provides: ['embeddings'], lossObjective: 'ranking' })).not.toThrow();
    expect(() => checkStrategy('badge', { task: 'keypoints', provides: ['embeddings'], lossObjective: 'ranking' })).toThrow(/badge requires probabilities/);
  });

  it.each(added)('%s ranks `count` distinct candidates as pool ids, the same for the same seed', async (name) => {
    const c = randomCandidates(60, 3);
    const labeled = randomCandidates(10, 4);
    const strategy = strategies[name]!;
    const ranking = await rank(strategy, c, 20, 5, strategy.needsLabeledScores ? labeled : undefined);
    expect(ranking.ids).toHaveLength(20);
    expect(new Set(ranking.ids).size).toBe(20);
    const ids = new Set(c.ids);
    ranking.ids.forEach((id) => expect(ids.has(id)).toBe(true));
    expect((await rank(strategy, c, 20, 5, strategy.needsLabeledScores ? labeled : undefined)).ids).toEqual(ranking.ids);
  });

  it('bald ranks by mutual information: passes that disagree before passes that agree', async () => {
    // candidate 0: passes agree on (½, ½); candidate 1: passes alternate (1, 0) / (0, 1)
    const c: ScoredBatch = {
      ids: Int32Array.of(10, 20),
      predictedLoss: Float32Array.of(0, 0),
      probabilities: { values: Float32Array.of(0.5, 0.5, 0.5, 0.5), width: 2 },
      embeddings: { values: Float32Array.of(0, 0), width: 1 },
      mcSamples: { values: Float32Array.of(0.5, 0.5, 0.5, 0.5, 1, 0, 0, 1), width: 4 },
    };
    const two = createStrategies({ mcPasses: 2 });
    expect(Array.from((await rank(two['bald']!, c, 2)).ids)).toEqual([20, 10]);
    // mc-entropy cannot tell them apart: both means are (½, ½); ties go to the lower row
    expect(Array.from((await rank(two['mc-entropy']!, c, 2)).ids)).toEqual([10, 20]);
    expect(two['bald']!.mcPasses).toBe(2);
    expect(strategies['power-bald']!.mcPasses).toBe(10);
  });

  it('bald says what is missing when the scores carry no MC samples', async () => {
    const { mcSamples: _, ...plain } = randomCandidates(5, 1);
    await expect(rank(strategies['bald']!, plain, 2)).rejects.toThrow(/bald needs MC-dropout samples/);
  });

  it('badge picks the most uncertain candidate first', async () => {
    const c = randomCandidates(30, 8, 3, 4);
    const p = c.probabilities!.values.slice();
    p.set([1 / 3, 1 / 3, 1 / 3], 3 * 12);
    const e = c.embeddings!.values.slice();
    e.set([5, 5, 5, 5], 4 * 12);
    const ranking = await rank(strategies['badge']!, { ...c, probabilities: { values: p, width: 3 }, embeddings: { values: e, width: 4 } }, 5);
    expect(ranking.ids[0]).toBe(c.ids[12]);
  });

  it('learning-loss-diverse starts at the highest predicted loss and keeps to the top α·K', async () => {
    const c = randomCandidates(200, 9);
    const strategy = createStrategies({ diverseFactor: 3 })['learning-loss-diverse']!;
    const ranking = await firstValueFrom(of(c).pipe(rankBy(strategy, { count: 10, budget: 10, seed: 2 })));
    const order = [...c.predictedLoss.keys()].sort((a, b) => c.predictedLoss[b] - c.predictedLoss[a]);
    expect(ranking.ids[0]).toBe(c.ids[order[0]]);
    const top30 = new Set(order.slice(0, 30).map((r) => c.ids[r]));
    ranking.ids.forEach((id) => expect(top30.has(id)).toBe(true));
  });

  it('power-entropy draws the confident (zero-entropy) candidates last', async () => {
    const c = randomCandidates(12, 2, 2);
    const p = c.probabilities!.values.slice();
    for (const r of [0, 5, 7]) p.set([1, 0], r * 2);
    const ranking = await rank(strategies['power-entropy']!, { ...c, probabilities: { values: p, width: 2 } }, 12);
    expect(new Set(Array.from(ranking.ids.slice(9)))).toEqual(new Set([c.ids[0], c.ids[5], c.ids[7]]));
  });

  it('typiclust takes the centre of the blob no labeled point covers', async () => {
    const blob = (centre: number) => [centre - 1, centre, centre + 1];
    const c: ScoredBatch = {
      ids: Int32Array.from({ length: 6 }, (_, i) => 100 + i),
      predictedLoss: new Float32Array(6),
      probabilities: { values: new Float32Array(12).fill(0.5), width: 2 },
      embeddings: { values: Float32Array.from([...blob(0), ...blob(50)]), width: 1 },
    };
    const labeled: ScoredBatch = {
      ...c,
      ids: Int32Array.of(1),
      predictedLoss: new Float32Array(1),
      probabilities: { values: Float32Array.of(0.5, 0.5), width: 2 },
      embeddings: { values: Float32Array.of(0.2), width: 1 },
    };
    expect(Array.from((await rank(strategies['typiclust']!, c, 1, 0, labeled)).ids)).toEqual([104]);
  });
});

describe('the MC strategies in a run', () => {
  const run = (learner: ReturnType<typeof createFakeLearner>, strategy: string, mcPasses?: number) =>
    lastValueFrom(
      activeLearning({
        learner,
        journal: memoryJournal<number>(),
        strategy,
        ...(mcPasses === undefined ? {} : { strategyOptions: { mcPasses } }),
        oracle: simulatedOracle(fakeTruth(4), { seed: 3 }),
        cycles: 2,
        initial: 20,
        budget: 10,
        subset: 50,
        epochs: 1,
        seed: 5,
        scoreBatchSize: 32,
        stopping: { setSize: 30 },
      }).pipe(toArray()),
    );

  it("score the candidates with the strategy's T passes, and the stop set without", async () => {
    const learner = createFakeLearner({ poolSize: 200, provides: ['probabilities', 'embeddings', 'mcSamples'] });
    const events = await run(learner, 'bald', 3);
    expect(events.filter((e) => e.type === 'cycleFinished')).toHaveLength(2);
    // the candidates (50 as 32 + 18) carry 3 passes and probabilities; the stop set (30) probabilities only
    const calls = learner.scored.map((ids, k) => [ids.length, learner.mcPasses[k], learner.requested[k]]);
    expect(calls.filter(([, passes]) => passes === 3).map(([n]) => n)).toEqual([32, 18]);
    expect(calls.filter(([n]) => n === 30)).toEqual([
      [30, 0, ['probabilities']],
      [30, 0, ['probabilities']],
    ]);
    expect(learner.requested.filter((wanted) => wanted.includes('mcSamples'))).toEqual([
      ['probabilities', 'mcSamples'],
      ['probabilities', 'mcSamples'],
    ]);
  });

  it('are refused in one line before any training by a learner without MC samples', async () => {
    const learner = createFakeLearner({ poolSize: 200 });
    await expect(run(learner, 'power-bald')).rejects.toThrow('strategy power-bald requires mcSamples, which the fake learner does not provide (it provides: probabilities, embeddings)');
    expect(learner.fits).toHaveLength(0);
  });
});
