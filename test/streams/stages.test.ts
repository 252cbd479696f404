/**
 * The cycle as a composition of exported stage operators over an explicit state: the same
 * operators re-composed by hand give activeLearning's run, and timeStage charges a stage its own
 * time only.
 */
import { from, lastValueFrom, of, pipe, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { simulatedOracle } from '../../src/oracles/simulatedOracle.ts';
import { memoryJournal } from '../../src/store/labelJournal.ts';
import { activeLearning } from '../../src/streams/activeLearning.ts';
import { startCycle, stateStep, type Stage, type Step } from '../../src/streams/cycleState.ts';
import { onState } from '../../src/streams/onState.ts';
import { toEvents } from '../../src/streams/toEvents.ts';
import { drawInitial } from '../../src/streams/drawInitial.ts';
import type { AlEvent } from '../../src/streams/events.ts';
import { finishCycle } from '../../src/streams/finishCycle.ts';
import { labelSelection } from '../../src/streams/labelSelection.ts';
import { createPoolState } from '../../src/streams/poolState.ts';
import { repeatCycles } from '../../src/streams/repeatCycles.ts';
import { selectQueries } from '../../src/streams/selectQueries.ts';
import { timeStage } from '../../src/streams/timeStage.ts';
import { trainAndEvaluate } from '../../src/streams/trainAndEvaluate.ts';
import { createFakeLearner, fakeTruth } from '../support/fakeLearner.ts';

const protocol = { cycles: 3, initial: 30, budget: 20, subset: 120, epochs: 2, seed: 7, scoreBatchSize: 50 };

/** What a run did, without its timings. */
const summary = (events: ReadonlyArray<AlEvent<number>>) =>
  events.flatMap((e) => {
    if (e.type === 'selected') return [['selected', e.cycle, e.ids]];
    if (e.type === 'cycleFinished') return [['row', e.row.cycle, e.row.labeled, e.row.metric, e.row.queried, e.row.answered]];
    if (e.type === 'batchScored' || e.type === 'epochTrained' || e.type === 'cycleStarted') return [[e.type, e.cycle]];
    return [];
  });

describe('stage operators', () => {
  afterEach(() => vi.restoreAllMocks());

  it('should give the run of activeLearning when composed by hand from the exported stages', async () => {
    const strategy = 'core-set';
    const a = createFakeLearner({ poolSize: 400 });
    const viaRun = await lastValueFrom(
      activeLearning({ ...protocol, learner: a, strategy, oracle: simulatedOracle(fakeTruth(4)), journal: memoryJournal<number>() }).pipe(toArray()),
    );

    const b = createFakeLearner({ poolSize: 400 });
    const journal = memoryJournal<number>();
    const label = labelSelection<number>(simulatedOracle(fakeTruth(4)), journal, { labelCodec: b.labelCodec });
    const { cycles, initial, budget, subset, epochs, seed, scoreBatchSize } = protocol;
    const byHand = await lastValueFrom(
      of(startCycle(0, createPoolState<number>(400))).pipe(
        drawInitial({ initial, seed, reserve: budget }),
        label,
        repeatCycles({ last: cycles }, (cycle) =>
          pipe(
            trainAndEvaluate(b, { epochs, seed }),
            cycle < cycles ? pipe(selectQueries(b, strategy, { budget, subset, seed, scoreBatchSize }), label) : (steps: ReturnType<Stage<number>>) => steps,
            finishCycle(),
          ),
        ),
        toEvents(),
        toArray(),
      ),
    );
    expect(summary(byHand)).toEqual(summary(viaRun));
    expect(summary(byHand).filter(([type]) => type === 'row').map((r) => r[2])).toEqual([30, 50, 70]);
    expect(b.fits.map((f) => f.length)).toEqual([30, 50, 70]);
    expect(journal.entries).toHaveLength(70);
    // the strategy's requirement, and nothing else, was scored
    expect(new Set(b.requested.map((r) => r.join(',')))).toEqual(new Set(['embeddings']));
  });

  it("should pass events through a stage untouched and hand the next stage the state it made", async () => {
    const addLabel: Stage<number> = onState((state) => from<Step<number>[]>([{ type: 'warning', message: `at ${state.pool.labeled.size}` }, stateStep({ ...state, pool: createPoolState(10, [[3, 1]]) })]));
    const steps = await lastValueFrom(
      from<Step<number>[]>([{ type: 'warning', message: 'before' }, startCycle(1, createPoolState<number>(10))]).pipe(addLabel, addLabel, toArray()),
    );
    expect(steps.map((s) => (s.type === 'warning' ? s.message : `state ${s.type === 'state' && s.state.pool.labeled.size}`))).toEqual(['before', 'at 0', 'at 1', 'state 1']);
  });

  it('should charge a timed stage its own time, less what the stages inside it counted', async () => {
    // virtual clock: the stage starts at 1 s and hands on its state at 3.5 s; an inner stage counted 0.5 s of merge
    const start = startCycle(1, createPoolState<number>(10));
    const clock = [1000, 3500];
    vi.spyOn(performance, 'now').mockImplementation(() => clock.shift() ?? 3500);
    const inner: Stage<number> = onState((state) => of(stateStep({ ...state, stageSeconds: { ...state.stageSeconds, merge: state.stageSeconds.merge + 0.5 } })));
    const [out] = await lastValueFrom(of<Step<number>>(start).pipe(timeStage('oracle', inner), toArray()));
    expect(out!.type === 'state' && out!.state.stageSeconds).toEqual({ score: 0, select: 0, oracle: 2, merge: 0.5, train: 0, evaluate: 0 });
  });
});
