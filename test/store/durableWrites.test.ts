/**
 * What reaches the disk, and in which order: every file-system call of the journal,
 * results.json and the checkpoints goes through an injected layer that records it, so that
 * removing an fsync (or moving it after the rename, or merging a label before its fsync) fails
 * here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as t from 'io-ts';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { simulatedOracle } from '../../src/oracles/simulatedOracle.ts';
import { saveCheckpoint } from '../../src/store/checkpointFiles.ts';
import { crashPointFs } from '../../src/store/crashPointFs.ts';
import type { DurableFs } from '../../src/store/durableFs.ts';
import { openFileJournal } from '../../src/store/labelJournal.ts';
import { writeResults } from '../../src/store/resultsFile.ts';
import { runPaths } from '../../src/store/runDirectory.ts';
import { activeLearning } from '../../src/streams/activeLearning.ts';
import { createFakeLearner, fakeTruth } from '../support/fakeLearner.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'll4al-durable-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A layer that records `name path` for every call, descriptors named by the path they opened. */
const tracingFs = (): { fs: DurableFs; trace: string[] } => {
  const trace: string[] = [];
  const fs = crashPointFs(nodeFs, { onCall: (_n, name, path) => trace.push(`${name.replace(/Sync$/, '')} ${path}`) });
  return { fs, trace };
};

const row = {
  cycle: 1,
  labeled: 10,
  metricName: 'testAccuracy',
  metric: 0.5,
  testAccuracy: 0.5,
  rankingAccuracy: Number.NaN,
  meanTargetLoss: 1,
  seconds: 1,
  stageSeconds: { score: 0, select: 0, oracle: 0, merge: 0, train: 1, evaluate: 0 },
  queried: 10,
  answered: 10,
  failedQueries: 0,
  rejectedAnswers: 0,
};

describe('durable writes', () => {
  it('should write results.json to a temporary file, fsync it, rename it, then fsync the directory', () => {
    const dir = tempDir();
    const { fs, trace } = tracingFs();
    writeResults(join(dir, 'results.json'), { task: 't', strategy: 's', backend: 'b', seed: 1, metricName: 'testAccuracy', cycles: [row], config: {}, finished: false }, fs);
    const temporary = trace[0]!.split(' ')[1]!;
    expect(temporary).toMatch(new RegExp(`^${dir}/\\.results\\.json\\.tmp-\\d+-\\d+$`));
    expect(trace).toEqual([
      `open ${temporary}`,
      `write ${temporary}`,
      `fsync ${temporary}`,
      `close ${temporary}`,
      `rename ${temporary}`,
      `open ${dir}`,
      `fsync ${dir}`,
      `close ${dir}`,
    ]);
    // The NaN policy: null on disk.
    expect(JSON.parse(nodeFs.readFileSync(join(dir, 'results.json'), 'utf8')).cycles[0].rankingAccuracy).toBeNull();
  });

  it('should fsync each journal line before its label is merged, and the directory on the first append', async () => {
    const dir = tempDir();
    const labels = join(dir, 'labels.jsonl');
    const { fs, trace } = tracingFs();
    const journal = openFileJournal(labels, t.number, fs);
    const events = activeLearning<number>({
      learner: createFakeLearner({ poolSize: 100 }),
      strategy: 'random',
      oracle: simulatedOracle(fakeTruth(), { seed: 1 }),
      journal,
      cycles: 2,
      initial: 5,
      budget: 5,
      subset: 20,
      epochs: 1,
      seed: 2,
    });
    await lastValueFrom(
      events.pipe(
        tap((e) => {
          if (e.type === 'labelAccepted') trace.push(`merged ${e.id}`);
        }),
        toArray(),
      ),
    );
    journal.close();
    const journalCalls = trace.filter((c) => c.endsWith(labels) || c === `fsync ${dir}` || c.startsWith('merged') || c === `open ${dir}` || c === `close ${dir}`);
    const ids = nodeFs
      .readFileSync(labels, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: number }).id);
    expect(ids).toHaveLength(10);
    const first = [`write ${labels}`, `fsync ${labels}`, `open ${dir}`, `fsync ${dir}`, `close ${dir}`, `merged ${ids[0]}`];
    const later = ids.slice(1).flatMap((id) => [`write ${labels}`, `fsync ${labels}`, `merged ${id}`]);
    expect(journalCalls).toEqual([`open ${labels}`, `fstat ${labels}`, ...first, ...later, `close ${labels}`]);
  });

  it('should fsync every file of a checkpoint and its folder before renaming it into place, then fsync checkpoints/', async () => {
    const root = tempDir();
    const paths = runPaths(root);
    nodeFs.mkdirSync(paths.checkpoints);
    const { fs, trace } = tracingFs();
    await saveCheckpoint(fs, paths, 2, async (dir) => {
      writeFileSync(join(dir, 'model.json'), '{}');
      writeFileSync(join(dir, 'weights.bin'), 'abc');
    });
    const rename = trace.findIndex((c) => c.startsWith('rename ') && !c.includes('checkpoint.json'));
    const temporary = trace[rename]!.split(' ')[1]!;
    expect(temporary).toMatch(/\/checkpoints\/\.cycle-2\.tmp-\d+-\d+$/);
    const before = trace.slice(0, rename);
    for (const file of ['model.json', 'weights.bin', 'checkpoint.json']) {
      expect(before).toContain(`fsync ${join(temporary, file)}`);
    }
    // The manifest itself was written durably: its own temporary, fsync, rename.
    const manifestRename = before.findIndex((c) => c.startsWith('rename ') && c.includes('checkpoint.json.tmp'));
    expect(manifestRename).toBeGreaterThan(before.findIndex((c) => c.startsWith('fsync ') && c.includes('.checkpoint.json.tmp')));
    // The folder is fsynced after its files, before the rename; checkpoints/ after it.
    expect(before.lastIndexOf(`fsync ${temporary}`)).toBeGreaterThan(before.lastIndexOf(`fsync ${join(temporary, 'weights.bin')}`));
    expect(trace.slice(rename + 1)).toEqual([`open ${paths.checkpoints}`, `fsync ${paths.checkpoints}`, `close ${paths.checkpoints}`]);
    expect(nodeFs.readdirSync(paths.checkpoints)).toEqual(['cycle-2']);
  });
});
