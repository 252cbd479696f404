import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  advanceRun,
  chooseProgressMode,
  createProgress,
  describeLastCycle,
  describeStage,
  estimateSecondsLeft,
  formatDuration,
  initialRunState,
  runUnits,
  type RunState,
} from '../../src/cli/progress.ts';

const fold = (events: ReadonlyArray<unknown>, state: RunState = initialRunState({ cycles: 3, epochs: 4 })): RunState => events.reduce(advanceRun, state);

const row = (cycle: number, labeled: number, metric: number, rankingAccuracy: number) => ({
  cycle,
  labeled,
  metricName: 'testAccuracy',
  metric,
  testAccuracy: metric,
  rankingAccuracy,
});

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

describe('chooseProgressMode', () => {
  it('prefers json, then quiet, then bars on a terminal and lines elsewhere', () => {
    expect(chooseProgressMode({ json: true, quiet: true }, true)).toBe('json');
    expect(chooseProgressMode({ quiet: true }, true)).toBe('quiet');
    expect(chooseProgressMode({}, true)).toBe('bars');
    expect(chooseProgressMode({}, false)).toBe('lines');
  });
});

describe('advanceRun and describeStage', () => {
  it('follows a cycle through training, scoring and labels', () => {
    let s = fold([{ type: 'runStarted', poolSize: 10000, cycles: 3, labeled: 0, firstCycle: 0 }]);
    expect(describeStage(s)).toBe('initial labels');
    s = fold([{ type: 'cycleStarted', cycle: 1, cycles: 3, labeled: 200 }, { type: 'epochTrained', cycle: 1, report: { epoch: 3, epochs: 4 } }], s);
    // three of four epochs done: the fourth is in progress
    expect(describeStage(s)).toBe('training epoch 4/4');
    s = fold([{ type: 'evaluated', cycle: 1 }, { type: 'batchScored', cycle: 1, scored: 512, total: 2000 }], s);
    expect(describeStage(s)).toBe('scoring 512/2000');
    s = fold([{ type: 'selected', cycle: 1, ids: [1, 2, 3, 4], reserve: 0 }, { type: 'labelAccepted', cycle: 1, id: 1, label: 0, labeled: 201 }], s);
    expect(describeStage(s)).toBe('labels 1/4');
    expect(s.cycle).toBe(1);
  });

  it('ignores unknown events and non-objects', () => {
    const s = initialRunState({ cycles: 2, epochs: 1 });
    expect(fold([{ type: 'somethingNew' }, null, 'text', 3], s)).toEqual(s);
  });

  it('describes the last finished cycle with its metric and ranking accuracy in %', () => {
    const s = fold([{ type: 'cycleStarted', cycle: 2, cycles: 3, labeled: 400 }, { type: 'cycleFinished', cycle: 2, row: row(2, 400, 0.7134, 0.68) }]);
    expect(describeLastCycle(s)).toBe('cycle 2/3: 400 labels, testAccuracy 71.3%, ranking 68.0%');
    expect(describeLastCycle(initialRunState({ cycles: 1, epochs: 1 }))).toBeNull();
  });
});

describe('runUnits', () => {
  it('counts epochs, scoring and labels per cycle, the last cycle without a query', () => {
    // 3 cycles × (4 epochs + scoring + labels) − 2 (the last cycle does not query) = 16
    const start = initialRunState({ cycles: 3, epochs: 4 });
    expect(runUnits(start)).toEqual([0, 16]);
    const midway = fold([{ type: 'cycleStarted', cycle: 2, cycles: 3, labeled: 400 }, { type: 'epochTrained', cycle: 2, report: { epoch: 2, epochs: 4 } }, { type: 'batchScored', scored: 500, total: 1000 }]);
    // cycle 1 done (6 units) + 2 epochs + half the scoring
    expect(runUnits(midway)).toEqual([8.5, 16]);
    expect(runUnits(fold([{ type: 'runFinished', labeled: 600, rows: [] }]))).toEqual([16, 16]);
  });
});

describe('formatDuration and estimateSecondsLeft', () => {
  it('formats seconds, minutes and hours, and – when unknown', () => {
    expect(formatDuration(44.6)).toBe('45s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(3720)).toBe('1h 02m');
    expect(formatDuration(Number.NaN)).toBe('–');
    expect(formatDuration(-1)).toBe('–');
  });

  it('extrapolates the pace so far, and is unknown before any work is done', () => {
    // a quarter done in 30 s → 90 s left
    expect(estimateSecondsLeft(30, 4, 16)).toBe(90);
    expect(estimateSecondsLeft(30, 0, 16)).toBeNaN();
  });
});

describe('createProgress', () => {
  it('writes plain lines per run in lines mode', () => {
    const err = new Collect();
    const out = new Collect();
    const progress = createProgress('lines', { err, out });
    progress.runStarted('random/trial-1', { cycles: 2, epochs: 3 });
    progress.runEvent('random/trial-1', { type: 'cycleStarted', cycle: 1, cycles: 2, labeled: 100 });
    progress.runEvent('random/trial-1', { type: 'cycleFinished', cycle: 1, row: row(1, 100, 0.5, 0.6) });
    progress.runEnded('random/trial-1', 'out of memory');
    progress.stop();
    expect(err.text.split('\n')).toEqual([
      '[random/trial-1] started: 2 cycles, 3 epochs each',
      '[random/trial-1] cycle 1/2: 100 labels, testAccuracy 50.0%, ranking 60.0%',
      '[random/trial-1] FAILED: out of memory',
      '',
    ]);
    expect(out.text).toBe('');
  });

  it('writes every event as a JSON line tagged with its run in json mode, and nothing on stderr', () => {
    const err = new Collect();
    const out = new Collect();
    const progress = createProgress('json', { err, out });
    progress.runStarted('entropy/trial-2', { cycles: 2, epochs: 1 });
    progress.runEvent('entropy/trial-2', { type: 'batchScored', cycle: 1, scored: 10, total: 20 });
    progress.note('a note for people');
    progress.runEnded('entropy/trial-2');
    const lines = out.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { type: 'runLaunched', run: 'entropy/trial-2', cycles: 2, epochs: 1 },
      { run: 'entropy/trial-2', type: 'batchScored', cycle: 1, scored: 10, total: 20 },
      { type: 'runEnded', run: 'entropy/trial-2', ok: true },
    ]);
    expect(err.text).toBe('');
  });

  it('writes nothing in quiet mode', () => {
    const err = new Collect();
    const out = new Collect();
    const progress = createProgress('quiet', { err, out });
    progress.runStarted('a/trial-1', { cycles: 1, epochs: 1 });
    progress.runEvent('a/trial-1', { type: 'cycleFinished', cycle: 1, row: row(1, 10, 0.5, 0.5) });
    progress.note('x');
    progress.runEnded('a/trial-1', 'failed');
    expect(err.text + out.text).toBe('');
  });

  it('draws a bar per run with its id, cycle and stage in bars mode, and flushes the last lines at stop', async () => {
    const err = Object.assign(new Collect(), { isTTY: true, columns: 200, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, clearScreenDown: () => true });
    const progress = createProgress('bars', { err: err as unknown as NodeJS.WritableStream, out: new Collect() });
    progress.runStarted('learning-loss/trial-1', { cycles: 3, epochs: 4 });
    progress.runEvent('learning-loss/trial-1', { type: 'cycleStarted', cycle: 2, cycles: 3, labeled: 400 });
    progress.runEvent('learning-loss/trial-1', { type: 'epochTrained', cycle: 2, report: { epoch: 1, epochs: 4 } });
    await new Promise((resolve) => setTimeout(resolve, 150));
    progress.runEnded('learning-loss/trial-1');
    progress.stop();
    expect(err.text).toContain('[learning-loss/trial-1] done');
    expect(err.text).toContain('learning-loss/trial-1');
    expect(err.text).toContain('cycle 2/3');
    expect(err.text).toContain('training epoch 2/4');
    expect(err.text).toContain('ETA');
  });
});
