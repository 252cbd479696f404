/**
 * The run directory as a library call: runInDirectory / resumeRun with a fake learner, and each
 * bad state of issue 19 getting its one line while losing nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { InputError } from '../../src/inputError.ts';
import { simulatedOracle } from '../../src/oracles/simulatedOracle.ts';
import { resumeRun, runInDirectory, type RunSpec } from '../../src/run/runInDirectory.ts';
import { StorageError, type DurableFs } from '../../src/store/durableFs.ts';
import { readResults } from '../../src/store/resultsFile.ts';
import type { AlEvent } from '../../src/streams/events.ts';
import { createFakeLearner, fakeTruth } from '../support/fakeLearner.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'll4al-rundir-'));
  dirs.push(dir);
  return join(dir, 'run');
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const POOL = 200;
const spec = (overrides: Partial<RunSpec<number>> = {}): RunSpec<number> => ({
  learner: createFakeLearner({ poolSize: POOL }),
  strategy: 'learning-loss',
  oracle: simulatedOracle(fakeTruth(), { seed: 1 }),
  oracleName: 'simulated',
  cycles: 3,
  initial: 10,
  budget: 10,
  subset: 50,
  epochs: 1,
  seed: 4,
  config: { note: 'test' },
  ...overrides,
});

const collect = (events: ReturnType<typeof runInDirectory<number>>): Promise<AlEvent<number>[]> => lastValueFrom(events.pipe(toArray()));
const failure = async (events: ReturnType<typeof runInDirectory<number>>): Promise<Error> => {
  try {
    await collect(events);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the run to fail');
};
const journalIds = (dir: string): number[] =>
  readFileSync(join(dir, 'labels.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { id: number }).id);
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).filter((f) => !f.startsWith('checkpoints')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

/** A layer whose `writeSync` on labels.jsonl fails with `code` from its `failAt`-th call on. */
const failingJournalFs = (code: string, failAt: number): DurableFs => {
  const fds = new Set<number>();
  let writes = 0;
  return {
    ...nodeFs,
    openSync: ((path: string, flags: string) => {
      const fd = nodeFs.openSync(path, flags);
      if (String(path).endsWith('labels.jsonl')) fds.add(fd);
      return fd;
    }) as DurableFs['openSync'],
    writeSync: ((fd: number, ...rest: unknown[]) => {
      if (fds.has(fd) && ++writes >= failAt) throw Object.assign(new Error(`${code}: simulated`), { code });
      return (nodeFs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    }) as DurableFs['writeSync'],
  };
};

describe('runInDirectory and resumeRun', () => {
  it('records in results.json why a run stopped early, with the stop set in every row, and resumes it as finished', async () => {
    const dir = tempDir();
    const events = await collect(runInDirectory(dir, spec({ cycles: 4, stopping: { setSize: 20, maxLabels: 25 } })));
    expect(events.find((e) => e.type === 'stopped')).toMatchObject({ criterion: 'max-labels', cycle: 3, labeled: 25 });
    const results = readResults(join(dir, 'results.json'))!;
    expect(results.finished).toBe(true);
    expect(results.stopped).toEqual({ criterion: 'max-labels', cycle: 3, labeled: 25, reason: 'reached --max-labels 25 (25 labels)' });
    expect(results.cycles.map((r) => [r.labeled, r.queried, r.stopKappa === null ? 'null' : typeof r.stopKappa])).toEqual([
      [10, 10, 'null'],
      [20, 5, 'number'],
      [25, 0, 'number'],
    ]);
    const again = await collect(resumeRun(dir, spec({ cycles: 4, stopping: { setSize: 20, maxLabels: 25 } })));
    expect(again.map((e) => e.type)).toEqual(['runFinished']);
    expect(readResults(join(dir, 'results.json'))!.stopped).toEqual(results.stopped);
  });

  it('should write config, journal, checkpoints and results, and leave no lock', async () => {
    const dir = tempDir();
    const events = await collect(runInDirectory(dir, spec()));
    expect(events.at(-1)).toMatchObject({ type: 'runFinished', labeled: 30 });
    expect(journalIds(dir)).toHaveLength(30);
    const results = readResults(join(dir, 'results.json'))!;
    expect(results.finished).toBe(true);
    expect(results.cycles.map((r) => r.labeled)).toEqual([10, 20, 30]);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({ cycles: 3, budget: 10, note: 'test' });
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['cycle-1', 'cycle-2', 'cycle-3']);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
    // A finished run resumes to its last event alone.
    const again = await collect(resumeRun(dir, spec()));
    expect(again.map((e) => e.type)).toEqual(['runFinished']);
  });

  it('should refuse a directory that holds a run', async () => {
    const dir = tempDir();
    await collect(runInDirectory(dir, spec({ cycles: 1 })));
    const error = await failure(runInDirectory(dir, spec()));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`run directory ${dir} already holds a run; continue it with resumeRun (ll4al resume ${dir})`);
  });

  it('should refuse a resume with another configuration, naming the field, and write nothing', async () => {
    const dir = tempDir();
    await collect(runInDirectory(dir, spec({ cycles: 1 })));
    const before = snapshot(dir);
    const error = await failure(resumeRun(dir, spec({ cycles: 1, budget: 12 })));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`${join(dir, 'config.json')}: budget is 10 in this run, not 12: a run resumes with the configuration it started with`);
    const nested = await failure(resumeRun(dir, spec({ cycles: 1, config: { note: 'other' } })));
    expect(nested.message).toContain(': note is "test" in this run, not "other"');
    // A field listed as changeable may differ.
    const allowed = await collect(resumeRun(dir, spec({ cycles: 1, config: { note: 'other' }, mayChangeOnResume: ['note'] })));
    expect(allowed.map((e) => e.type)).toEqual(['runFinished']);
    expect(snapshot(dir)).toEqual(before);
  });

  it('should stop on a bad line in the middle of the journal, naming its line, before anything is written', async () => {
    const dir = tempDir();
    await collect(runInDirectory(dir, spec({ cycles: 2 })));
    const labels = join(dir, 'labels.jsonl');
    const lines = readFileSync(labels, 'utf8').split('\n');
    lines[4] = 'not json at all';
    writeFileSync(labels, lines.join('\n'));
    writeFileSync(join(dir, 'results.json'), readFileSync(join(dir, 'results.json'), 'utf8').replace('"finished": true', '"finished": false'));
    const before = snapshot(dir);
    const error = await failure(resumeRun(dir, spec({ cycles: 2 })));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(new RegExp(`^${labels}:5: not valid JSON`));
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });

  it('should stop on an id outside the pool, naming its line', async () => {
    const dir = tempDir();
    await collect(runInDirectory(dir, spec({ cycles: 1 })));
    writeFileSync(join(dir, 'results.json'), readFileSync(join(dir, 'results.json'), 'utf8').replace('"finished": true', '"finished": false'));
    const labels = join(dir, 'labels.jsonl');
    const lines = readFileSync(labels, 'utf8').split('\n');
    lines[2] = JSON.stringify({ ...JSON.parse(lines[2]!), id: POOL + 7 });
    writeFileSync(labels, lines.join('\n'));
    const error = await failure(resumeRun(dir, spec({ cycles: 1 })));
    expect(error.message).toBe(`${labels}:3: id ${POOL + 7} is outside the pool of ${POOL} items (0 … ${POOL - 1})`);
  });

  it.each(['ENOSPC', 'EROFS'])('should stop with one line on %s while appending, merge nothing unjournaled, and resume to the end', async (code) => {
    const dir = tempDir();
    const seen: AlEvent<number>[] = [];
    const error = await failure(runInDirectory(dir, spec({ fs: failingJournalFs(code, 16) })).pipe(tap((e) => seen.push(e))));
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toMatch(new RegExp(`^cannot append to ${join(dir, 'labels.jsonl')} \\(${code}: .+\\): the answer for id \\d+ was not merged`));
    const failedId = Number(/id (\d+) was not merged/.exec(error.message)![1]);
    const journaled = journalIds(dir);
    expect(journaled).toHaveLength(15);
    expect(journaled).not.toContain(failedId);
    // Every merged label was journaled first; the failed one was never merged.
    const accepted = seen.filter((e) => e.type === 'labelAccepted').map((e) => (e as { id: number }).id);
    expect(accepted).not.toContain(failedId);
    expect(accepted.every((id) => journaled.includes(id))).toBe(true);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
    const resumed = await collect(resumeRun(dir, spec()));
    expect(resumed.at(-1)).toMatchObject({ type: 'runFinished', labeled: 30 });
    const all = journalIds(dir);
    expect(all.slice(0, 15)).toEqual(journaled);
    expect(new Set(all).size).toBe(30);
  });

  it('should warn about a damaged checkpoint, naming it, train the cycle again and say so in results.json', async () => {
    const dir = tempDir();
    // Stop after cycle 2's training: kill the stream at its evaluation.
    const first = runInDirectory(dir, spec());
    await new Promise<void>((resolve, reject) => {
      const sub = first.subscribe({
        next: (e) => {
          if (e.type === 'evaluated' && e.cycle === 2) {
            sub.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    const weights = join(dir, 'checkpoints', 'cycle-2', 'fake.json');
    // The same size, one byte changed: only the hash tells.
    const saved = readFileSync(weights, 'utf8');
    writeFileSync(weights, saved.replace(/\d/, (d) => String((Number(d) + 1) % 10)));
    const learner = createFakeLearner({ poolSize: POOL });
    const events = await collect(resumeRun(dir, spec({ learner })));
    const warnings = events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message);
    expect(warnings).toEqual([
      `checkpoint ${join(dir, 'checkpoints', 'cycle-2')} is damaged (fake.json does not match its SHA-256 in checkpoint.json); cycle 2 is trained again from the journal`,
    ]);
    expect(events.filter((e) => e.type === 'epochTrained').map((e) => (e as { cycle: number }).cycle)).toEqual([2, 3]);
    expect(learner.fits.map((f) => f.length)).toEqual([20, 30]);
    const results = readResults(join(dir, 'results.json'))!;
    expect(results.resumes).toEqual([expect.objectContaining({ cycle: 2, labels: 20, checkpoint: 'damaged', warnings })]);
    expect(results.cycles.map((r) => r.labeled)).toEqual([10, 20, 30]);
  });

  it('should load a whole checkpoint of the resumed cycle instead of training it', async () => {
    const dir = tempDir();
    const first = runInDirectory(dir, spec());
    await new Promise<void>((resolve, reject) => {
      const sub = first.subscribe({
        next: (e) => {
          if (e.type === 'evaluated' && e.cycle === 2) {
            sub.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    const learner = createFakeLearner({ poolSize: POOL });
    const events = await collect(resumeRun(dir, spec({ learner })));
    expect(events.filter((e) => e.type === 'epochTrained').map((e) => (e as { cycle: number }).cycle)).toEqual([3]);
    expect(learner.fits.map((f) => f.length)).toEqual([30]);
    expect(readResults(join(dir, 'results.json'))!.resumes).toEqual([expect.objectContaining({ cycle: 2, checkpoint: 'loaded', warnings: [] })]);
  });
});
