/**
 * Model-based test of the select → query → merge cycle: whatever the oracle does (answers in
 * any order, errors, silence until a timeout, late answers, garbage, answers twice) and
 * wherever a round is cancelled, the labeled and unlabeled sets stay disjoint with the pool
 * as their union, every accepted label is journaled exactly once, no id is labeled twice,
 * and a round that is not cancelled grows the labeled set by exactly its budget.
 */
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { from, lastValueFrom, mergeMap, NEVER, of, timer, type Observable, type Subscription } from 'rxjs';
import type { Oracle, Query } from '../../src/oracles/oracle.ts';
import { memoryJournal, type MemoryJournal } from '../../src/store/labelJournal.ts';
import { gatherScores } from '../../src/streams/gatherScores.ts';
import { mergeLabels, type Merged } from '../../src/streams/mergeLabels.ts';
import { createPoolState, unlabeledIds, type PoolState } from '../../src/streams/poolState.ts';
import { queryOracle } from '../../src/streams/queryOracle.ts';
import { rankBy } from '../../src/streams/rankBy.ts';
import { sampleSubset } from '../../src/streams/sampleSubset.ts';
import { scoreInBatches } from '../../src/streams/scoreInBatches.ts';
import { randomStrategy } from '../../src/streams/strategies.ts';
import { takeTopK } from '../../src/streams/takeTopK.ts';
import { createFakeLearner, fakeTruth, type FakeLearner } from '../support/fakeLearner.ts';

const POOL = 60;
const CLASSES = 4;
const TIMEOUT_MS = 4;
const truth = fakeTruth(CLASSES);

type Behaviour = 'ok' | 'error' | 'silent' | 'late' | 'garbage' | 'twice' | 'wrong-label';
const behaviours: ReadonlyArray<Behaviour> = ['ok', 'error', 'silent', 'late', 'garbage', 'twice', 'wrong-label'];

interface Model {
  labeled: Map<number, number>;
}
interface Real {
  state: PoolState<number>;
  readonly journal: MemoryJournal<number>;
  readonly learner: FakeLearner;
  readonly scheduler: fc.Scheduler;
}

/** An oracle whose every answer is released by the fast-check scheduler, behaving per (id, attempt). */
const scheduledOracle = (s: fc.Scheduler, plan: (q: Query) => Behaviour): Oracle => (queries) =>
  queries.pipe(
    mergeMap((q): Observable<unknown> => {
      const b = plan(q);
      const answer = { id: q.id, label: truth(q.id) };
      const release = (values: unknown[]) => from(s.schedule(Promise.resolve(values), `${b} ${q.id}#${q.attempt}`)).pipe(mergeMap((v) => v));
      switch (b) {
        case 'ok':
          return release([answer]);
        case 'twice':
          return release([answer, answer]);
        case 'error':
          return release([{ id: q.id, error: 'cannot tell' }]);
        case 'garbage':
          return release(['{not json']);
        case 'wrong-label':
          return release([{ id: q.id, label: CLASSES + 3 }]);
        case 'silent':
          return NEVER;
        case 'late':
          return timer(TIMEOUT_MS * 2).pipe(mergeMap(() => release([answer])));
      }
    }),
  );

/** One round: score the unlabeled pool, rank it at random, query the top `budget`, merge. */
const round = (real: Real, budget: number, seed: number, plan: (q: Query) => Behaviour): Observable<Merged<number>> =>
  of(real.state).pipe(
    sampleSubset(POOL, seed),
    scoreInBatches(real.learner, 16),
    gatherScores(),
    mergeMap((candidates) =>
      of(candidates).pipe(
        rankBy(randomStrategy, { count: candidates.ids.length, seed }),
        takeTopK(budget),
        queryOracle(scheduledOracle(real.scheduler, plan), {
          labelCodec: real.learner.labelCodec,
          poolSize: POOL,
          cycle: 1,
          timeoutMs: TIMEOUT_MS,
          maxAttempts: 3,
          backoffMs: 1,
        }),
        mergeLabels(real.journal, real.state, { source: 'model' }),
      ),
    ),
  );

const checkInvariants = (model: Model, real: Real, before: Map<number, number>): void => {
  const labeled = real.state.labeled;
  const unlabeled = unlabeledIds(real.state);
  // Disjoint, and their union is the pool.
  expect(labeled.size + unlabeled.length).toBe(POOL);
  for (const id of unlabeled) expect(labeled.has(id)).toBe(false);
  // Journal = labeled set, no id twice, true labels only.
  const journaled = real.journal.entries.map((e) => e.id);
  expect(new Set(journaled).size).toBe(journaled.length);
  expect(new Set(journaled)).toEqual(new Set(labeled.keys()));
  for (const [id, label] of labeled) expect(label).toBe(truth(id));
  // Earlier labels are kept as they were.
  for (const [id, label] of before) expect(labeled.get(id)).toBe(label);
  model.labeled = new Map(labeled);
};

const planFrom = (seed: number, weights: ReadonlyArray<number>) => (q: Query): Behaviour => {
  // The last attempt mostly answers, so a round can almost always fill its budget from the reserve.
  let h = Math.imul(seed ^ (q.id * 2654435761) ^ (q.attempt * 40503), 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  const total = weights.reduce((a, b) => a + b, 0);
  let pick = h % total;
  for (let i = 0; i < behaviours.length; i++) {
    if (pick < weights[i]!) return behaviours[i]!;
    pick -= weights[i]!;
  }
  return 'ok';
};

class QueryRound implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly budget: number,
    readonly seed: number,
    readonly weights: ReadonlyArray<number>,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const before = new Map(real.state.labeled);
    const available = POOL - before.size;
    const plan = planFrom(this.seed, this.weights);
    const last = await real.scheduler.waitFor(
      lastValueFrom(round(real, this.budget, this.seed, plan), { defaultValue: undefined }),
    );
    if (last) real.state = last.state;
    checkInvariants(model, real, before);
    expect(real.state.labeled.size - before.size).toBe(Math.min(this.budget, available));
  }
  toString = (): string => `QueryRound(${this.budget}, seed ${this.seed}, weights ${this.weights.join('/')})`;
}

class CancelledRound implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly budget: number,
    readonly seed: number,
    readonly releases: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const before = new Map(real.state.labeled);
    let subscription: Subscription | undefined;
    await new Promise<void>((resolve, reject) => {
      subscription = round(real, this.budget, this.seed, planFrom(this.seed, [3, 1, 1, 1, 1, 1, 1])).subscribe({
        next: (m) => (real.state = m.state),
        complete: resolve,
        // A round that errors is a failure (a bad answer is an event, never an error), cancelled or not.
        error: reject,
      });
      // Let a few answers through, then cancel (or finish first).
      void (async () => {
        for (let i = 0; i < this.releases && real.scheduler.count() > 0; i++) await real.scheduler.waitOne();
        await new Promise((r) => setTimeout(r, 1));
        resolve();
      })();
    });
    subscription?.unsubscribe();
    // Whatever is still scheduled is answered after the cancellation: it must change nothing.
    const size = real.state.labeled.size;
    await real.scheduler.waitAll();
    expect(real.state.labeled.size).toBe(size);
    checkInvariants(model, real, before);
    expect(real.state.labeled.size - before.size).toBeLessThanOrEqual(this.budget);
  }
  toString = (): string => `CancelledRound(${this.budget}, seed ${this.seed}, after ${this.releases} answers)`;
}

const weights = fc.tuple(
  fc.integer({ min: 2, max: 6 }), // ok
  fc.integer({ min: 0, max: 2 }), // error
  fc.integer({ min: 0, max: 1 }), // silent
  fc.integer({ min: 0, max: 1 }), // late
  fc.integer({ min: 0, max: 1 }), // garbage
  fc.integer({ min: 0, max: 2 }), // twice
  fc.integer({ min: 0, max: 1 }), // wrong label
);
const commands = fc.commands(
  [
    fc.tuple(fc.integer({ min: 1, max: 6 }), fc.nat(1000), weights).map(([b, s, w]) => new QueryRound(b, s, w)),
    fc.tuple(fc.integer({ min: 1, max: 6 }), fc.nat(1000), fc.nat(6)).map(([b, s, r]) => new CancelledRound(b, s, r)),
  ],
  { maxCommands: 6 },
);

describe('the select → query → merge cycle', () => {
  test.prop([fc.scheduler(), commands], { numRuns: 40 })(
    'should keep labeled and unlabeled disjoint with the pool as union, label no id twice, and grow by exactly the budget',
    async (scheduler, cmds) => {
      const real: Real = { state: createPoolState<number>(POOL), journal: memoryJournal<number>(), learner: createFakeLearner({ poolSize: POOL, classes: CLASSES }), scheduler };
      await fc.asyncModelRun(() => ({ model: { labeled: new Map() }, real }), cmds);
    },
  );
});
