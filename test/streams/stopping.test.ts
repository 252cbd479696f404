import { describe, expect, it } from 'vitest';
import { lastValueFrom, of, pipe, tap, toArray } from 'rxjs';
import * as O from 'fp-ts/lib/Option.js';
import { memoryJournal } from '../../src/store/labelJournal.ts';
import { simulatedOracle } from '../../src/oracles/simulatedOracle.ts';
import { activeLearning, type ActiveLearningConfig } from '../../src/streams/activeLearning.ts';
import type { AlEvent, CycleRow } from '../../src/streams/events.ts';
import { startCycle } from '../../src/streams/cycleState.ts';
import { decideStopping, unlessStopped } from '../../src/streams/decideStopping.ts';
import { drawInitial } from '../../src/streams/drawInitial.ts';
import { finishCycle } from '../../src/streams/finishCycle.ts';
import { labelSelection } from '../../src/streams/labelSelection.ts';
import { measureStopSet } from '../../src/streams/measureStopSet.ts';
import { createPoolState } from '../../src/streams/poolState.ts';
import { repeatCycles } from '../../src/streams/repeatCycles.ts';
import { selectQueries } from '../../src/streams/selectQueries.ts';
import { toEvents } from '../../src/streams/toEvents.ts';
import { trainAndEvaluate } from '../../src/streams/trainAndEvaluate.ts';
import { criterionHolds, decideStop, firstStop } from '../../src/ops/stopCriteria.ts';
import { createFakeLearner, fakeTruth } from '../support/fakeLearner.ts';

const config = (overrides: Partial<ActiveLearningConfig<number>> = {}): ActiveLearningConfig<number> => ({
  learner: createFakeLearner({ poolSize: 600 }),
  journal: memoryJournal<number>(),
  strategy: 'learning-loss',
  oracle: simulatedOracle(fakeTruth(4), { seed: 3 }),
  cycles: 5,
  initial: 50,
  budget: 40,
  subset: 200,
  epochs: 1,
  seed: 11,
  scoreBatchSize: 64,
  ...overrides,
});
const run = (c: ActiveLearningConfig<number>) => lastValueFrom(activeLearning(c).pipe(toArray()));
const rowsOf = (events: ReadonlyArray<AlEvent<number>>) => events.flatMap((e) => (e.type === 'cycleFinished' ? [e.row] : []));

describe('stopping a run', () => {
  it('measures κ and the mean l̂ on the stop set every cycle, κ null at the first', async () => {
    const rows = rowsOf(await run(config({ stopping: { setSize: 100 } })));
    expect(rows).toHaveLength(5);
    expect(rows[0]!.stopKappa).toBeNull();
    for (const row of rows.slice(1)) expect(row.stopKappa).toBeGreaterThanOrEqual(-1);
    for (const row of rows) expect(typeof row.stopMeanPredictedLoss).toBe('number');
  });

  it('scores the same stop set in every cycle', async () => {
    const learner = createFakeLearner({ poolSize: 600 });
    await run(config({ learner, stopping: { setSize: 100 } }));
    // the stop set's batches: 100 ids as 64 + 36, once per cycle
    const batches = learner.scored.filter((ids) => ids.length === 36);
    expect(batches).toHaveLength(5);
    for (const ids of batches) expect(ids).toEqual(batches[0]);
  });

  it('stops with a stated reason when the criterion holds, skipping the query and the later cycles', async () => {
    // a κ threshold of −1 holds from the second cycle on: with a window of 2, the run stops after cycle 3
    const events = await run(config({ stopping: { setSize: 100, when: 'stable-predictions', kappa: -1, window: 2 } }));
    const rows = rowsOf(events);
    expect(rows.map((r) => r.cycle)).toEqual([1, 2, 3]);
    expect(rows[2]!.queried).toBe(0);
    const stopped = events.find((e) => e.type === 'stopped');
    expect(stopped).toMatchObject({ type: 'stopped', cycle: 3, labeled: 130, criterion: 'stable-predictions' });
    expect((stopped as { reason: string }).reason).toMatch(/^stable predictions: Cohen's κ ≥ -1 .* for 2 cycles \(last κ -?\d\.\d{4}\)$/);
    expect(events[events.length - 1]).toMatchObject({ type: 'runFinished', labeled: 130 });
  });

  it('cuts the last query to reach --max-labels exactly, then stops', async () => {
    const events = await run(config({ stopping: { setSize: 0, maxLabels: 110 } }));
    const rows = rowsOf(events);
    expect(rows.map((r) => [r.labeled, r.queried])).toEqual([[50, 40], [90, 20], [110, 0]]);
    expect(events.find((e) => e.type === 'stopped')).toMatchObject({ criterion: 'max-labels', cycle: 3, labeled: 110, reason: 'reached --max-labels 110 (110 labels)' });
    expect(rows[0]).not.toHaveProperty('stopKappa');
  });

  it('never stops in the last cycle (there is no query left to skip)', async () => {
    const events = await run(config({ cycles: 2, stopping: { setSize: 50, when: 'loss-plateau', lossFraction: 100, window: 1 } }));
    expect(events.some((e) => e.type === 'stopped')).toBe(false);
  });

  it('measures a learner without class probabilities too: κ null, the mean l̂ still', async () => {
    const learner = createFakeLearner({ poolSize: 600, provides: ['embeddings'] });
    const rows = rowsOf(await run(config({ learner, cycles: 3, stopping: { setSize: 100 } })));
    expect(rows.map((r) => r.stopKappa)).toEqual([null, null, null]);
    for (const row of rows) expect(typeof row.stopMeanPredictedLoss).toBe('number');
    // the stop set is scored for l̂ only: the fake learner was asked for nothing else
    expect(learner.requested.filter((_, k) => learner.scored[k]!.length === 36)).toEqual([[], [], []]);
  });

  it('composes as stages in a cycle of your own: stopped after cycle 2, its query skipped, no cycle 3', async () => {
    const learner = createFakeLearner({ poolSize: 300 });
    const journal = memoryJournal<number>();
    const label = labelSelection<number>(simulatedOracle(fakeTruth(4), { seed: 3 }), journal, { labelCodec: learner.labelCodec });
    const stopping = { setSize: 40, when: 'stable-predictions' as const, kappa: -1, window: 1 };
    const finished: CycleRow[] = [];
    // one stop-set stage for the run: it keeps the previous cycle's predictions
    const stopSet = measureStopSet<number>(learner, { ids: Int32Array.from({ length: 40 }, (_, i) => 200 + i), scoreBatchSize: 64 });
    const steps = await lastValueFrom(
      of(startCycle(0, createPoolState<number>(300))).pipe(
        drawInitial<number>({ initial: 30, seed: 2 }),
        label,
        repeatCycles<number>({ last: 4 }, () =>
          pipe(
            trainAndEvaluate<number>(learner, { epochs: 1, seed: 2 }),
            stopSet,
            decideStopping<number>(stopping, 4, () => finished),
            unlessStopped<number>(pipe(selectQueries<number>(learner, 'learning-loss', { budget: 20, subset: 100, seed: 2 }), label)),
            finishCycle<number>(),
          ),
        ),
        toEvents(),
        tap((e) => {
          if (e.type === 'cycleFinished') finished.push(e.row);
        }),
        toArray(),
      ),
    );
    expect(finished.map((r) => [r.cycle, r.labeled, r.queried])).toEqual([
      [1, 30, 20],
      [2, 50, 0],
    ]);
    expect(finished[0]!.stopKappa).toBeNull();
    expect(typeof finished[1]!.stopKappa).toBe('number');
    const types = steps.map((e) => e.type);
    expect(types.slice(types.indexOf('cycleFinished', types.indexOf('cycleFinished') + 1))).toEqual(['cycleFinished', 'stopped']);
    expect(journal.entries).toHaveLength(50);
  });
});

describe('the stopping criteria over rows', () => {
  const rows = [
    { cycle: 1, labeled: 100, stopKappa: null, stopMeanPredictedLoss: 2 },
    { cycle: 2, labeled: 200, stopKappa: 0.995, stopMeanPredictedLoss: 1.99 },
    { cycle: 3, labeled: 300, stopKappa: 0.999, stopMeanPredictedLoss: 1.5 },
    { cycle: 4, labeled: 400, stopKappa: 0.97, stopMeanPredictedLoss: 1.495 },
  ];
  it('say at which cycle each criterion would first have stopped', () => {
    expect(firstStop('stable-predictions', { window: 2 })(rows)).toMatchObject(O.some({ cycle: 3, labeled: 300 }));
    expect(firstStop('loss-plateau', { window: 1 })(rows)).toMatchObject(O.some({ cycle: 2, labeled: 200 }));
    expect(firstStop('max-labels', { maxLabels: 250 })(rows)).toMatchObject(O.some({ cycle: 3 }));
    expect(O.isNone(firstStop('stable-predictions', { window: 3 })(rows))).toBe(true);
  });
  it('hold only at the last row, max-labels first', () => {
    expect(O.isNone(criterionHolds('stable-predictions', { window: 2 })(rows))).toBe(true);
    expect(decideStop({ setSize: 1, when: 'loss-plateau', window: 1, maxLabels: 400 })(rows)).toMatchObject(O.some({ criterion: 'max-labels' }));
  });
});
