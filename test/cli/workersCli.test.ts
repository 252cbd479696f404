/**
 * The CLI with scoring workers, as child processes from the sources against a redis-server of
 * the test's own: `ll4al run --score-workers` killed (SIGKILL) while its shards are out, then
 * `ll4al resume` (the cycle is scored again through the worker, no label is lost or asked
 * twice); `ll4al compare --score-workers` (every run of the comparison scores on the worker).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRedisServer, skipWithoutRedis, startTestRedis, type TestRedis } from '../support/redisServer.ts';
import { startCli, startWorkerProcess, stopProcess } from '../support/workerProcess.ts';

const work = mkdtempSync(join(tmpdir(), 'll4al-workers-cli-'));
const journalIds = (dir: string): number[] =>
  existsSync(join(dir, 'labels.jsonl'))
    ? readFileSync(join(dir, 'labels.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .flatMap((l) => {
          try {
            return [(JSON.parse(l) as { id: number }).id];
          } catch {
            return []; // a torn last line
          }
        })
    : [];

describe.skipIf(skipWithoutRedis())('the CLI with scoring workers', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    requireRedisServer();
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('should score the cycle again on resume and end with every label once', async () => {
    const worker = await startWorkerProcess(redis.url, 'w1');
    const dir = join(work, 'run');
    try {
      const args = ['--cycles', '2', '--initial', '30', '--budget', '30', '--subset', '3000', '--epochs', '1', '--seed', '3'];
      const run = startCli(['run', ...args, '--out', dir, '--json', '--score-workers', redis.url, '--score-shard-size', '250', '--score-batch-size', '125']);
      // the first of twelve shards is back: the others are out (queued or on the worker)
      await run.waitFor(/"type":"batchScored","cycle":1,"scored":250,/);
      run.child.kill('SIGKILL');
      await run.exited;
      const labelsAtKill = journalIds(dir);
      expect(labelsAtKill).toHaveLength(30); // the initial set only: cycle 1 had not queried
      const finishedAtKill = worker.lines.filter((l) => /^job \S+\.c1\.subset\.\S+ finished/.test(l)).length;
      expect(finishedAtKill).toBeLessThan(12);

      const resume = startCli(['resume', dir]);
      await resume.waitFor(/^finished: 60 labels/, 150_000);
      expect(await resume.exited).toBe(0);
      expect(resume.lines.some((l) => l.startsWith(`scoring on the workers of ${redis.url}`))).toBe(true);
      expect(resume.lines.some((l) => l.startsWith('warning:'))).toBe(false); // no fallback: the worker scored it
      const ids = journalIds(dir);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
      expect(ids.slice(0, 30)).toEqual(labelsAtKill);
      const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { finished: boolean; cycles: Array<{ labeled: number }> };
      expect(results.finished).toBe(true);
      expect(results.cycles.map((c) => c.labeled)).toEqual([30, 60]);
      // every shard of cycle 1 was finished by the worker (some for the killed run, the rest for the resumed one)
      const shards = new Set(worker.lines.filter((l) => /^job \S+\.c1\.subset\.\S+ finished/.test(l)).map((l) => l.split(' ')[1]!.replace(/^.*\.s/, '')));
      expect(shards.size).toBe(12);
    } finally {
      await stopProcess(worker);
    }
  });

  it('should score every run of a comparison on the workers (ll4al compare --score-workers)', async () => {
    const worker = await startWorkerProcess(redis.url, 'w2');
    const out = join(work, 'compare');
    try {
      const compare = startCli([
        'compare', '--strategies', 'random,learning-loss', '--trials', '1', '--parallel', '1', '--cycles', '2', '--initial', '20', '--budget', '20',
        '--subset', '600', '--epochs', '1', '--out', out, '--quiet', '--score-workers', redis.url, '--score-shard-size', '300', '--score-fallback', 'fail',
      ]);
      expect(await compare.exited).toBe(0);
      const runs = new Set(worker.lines.filter((l) => /^job \S+ finished/.test(l)).map((l) => l.split(' ')[1]!.split('.')[0]!));
      // trial-1 of each strategy: two run ids, two shards each
      expect(runs.size).toBe(2);
      expect(worker.lines.filter((l) => /^job \S+\.c1\.subset\.\S+ finished/.test(l))).toHaveLength(4);
      for (const strategy of ['random', 'learning-loss']) {
        const results = JSON.parse(readFileSync(join(out, strategy, 'trial-1', 'results.json'), 'utf8')) as { finished: boolean; config: { scoreWorkers: string } };
        expect(results.finished).toBe(true);
        expect(results.config.scoreWorkers).toBe(redis.url);
      }
    } finally {
      await stopProcess(worker);
    }
  });
});
