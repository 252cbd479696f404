/**
 * `ll4al run --score-workers` with an `ll4al worker`, killed (SIGKILL) while its shards are out,
 * then `ll4al resume`: the cycle is scored again through the worker and no label is lost or
 * asked twice. Both are child processes from the sources, against a redis-server of the test's own.
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

describe.skipIf(skipWithoutRedis())('ll4al run --score-workers, killed and resumed', () => {
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
});
