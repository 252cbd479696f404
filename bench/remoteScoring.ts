/**
 * Scoring a big pool on this machine alone vs on 1 and 2 `ll4al worker` processes through a
 * local redis-server: images per second, the queue-and-transfer overhead as a fraction of the
 * workers' scoring time, and the main process's peak RSS as the pool grows.
 *
 *     npx tsx bench/remoteScoring.ts [--pool 200000] [--sizes 50000,100000,200000] [--shard 2048] [--workers 1,2]
 *
 * The pool is the embedded Fashion-MNIST training images tiled to `--pool` items, written as IDX
 * files to a temporary folder that the workers load too (the "same data folder" of a real
 * setup). The learner is the CLI's (small CNN + loss module, seed 1, untrained: scoring cost
 * does not depend on the weights). The strategy is learning-loss, so a worker sends back 4
 * bytes of l̂ (plus the 4-byte id) per image. Local scoring uses the learner's default threads
 * (the machine's cores on wasm); k workers get cores/k threads each, so both use every core.
 *
 * Each mode runs in a process of its own (the main process of that mode: data, learner, the
 * scores it gathers), so its RSS before the passes and its peak are its own.
 *
 * Overhead = (wall time of the pass − Σ workers' scoring seconds / k) / (Σ scoring seconds / k):
 * publishing the weights, queueing, Redis round trips, encoding and decoding, idle workers.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, of, toArray } from 'rxjs';
import { initBackend } from '../src/backend/initBackend.ts';
import { setupTask } from '../src/cli/taskSetup.ts';
import { decodeRunConfig } from '../src/config/runConfig.ts';
import { EMBEDDED_DATA_DIR, loadDataset } from '../src/data/load.ts';
import { parseRedisUrl } from '../src/remote/redisUrl.ts';
import { scoringArithmetic, type LearnerSpec } from '../src/remote/scoreJob.ts';
import { connectShardQueue } from '../src/remote/shardQueue.ts';
import { concatBatches, gatherScores, inIdOrder } from '../src/streams/gatherScores.ts';
import { scoreInBatches } from '../src/streams/scoreInBatches.ts';
import { scoreOnWorkers } from '../src/streams/scoreOnWorkers.ts';
// the tests' own redis-server and CLI child processes: the same helpers, not a second copy
import { startTestRedis } from '../test/support/redisServer.ts';
import { startCli, stopProcess, type CliProcess } from '../test/support/workerProcess.ts';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const pool = Number(arg('pool', '200000'));
const sizes = arg('sizes', [pool / 4, pool / 2, pool].map(Math.round).join(',')).split(',').map(Number);
const shardSize = Number(arg('shard', '2048'));
const workerCounts = arg('workers', '1,2').split(',').map(Number);
const cores = os.cpus().length;

/** Writes an IDX pool of `count` images tiled from the embedded training set (and its test set). */
const writePool = async (dir: string, count: number): Promise<void> => {
  const embedded = await loadDataset({ kind: 'embedded' });
  const src = embedded.train;
  const per = src.height * src.width;
  const header = (magic: number, dims: number[]): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };
  const pixels = Buffer.alloc(count * per);
  const labels = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    const j = i % src.count;
    pixels.set(src.pixels.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = src.labels[j]!;
  }
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.concat([header(0x803, [count, src.height, src.width]), pixels]));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), Buffer.concat([header(0x801, [count]), labels]));
  for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(join(EMBEDDED_DATA_DIR, f), join(dir, f));
};

/** The highest RSS seen while `work` runs (sampled every 20 ms, and at the end), MB. */
const peakRss = async <T>(work: () => Promise<T>): Promise<{ value: T; peakMB: number; seconds: number }> => {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const start = performance.now();
  try {
    const value = await work();
    const seconds = (performance.now() - start) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMB: Math.round(peak / 2 ** 20), seconds };
  } finally {
    clearInterval(timer);
  }
};

/** Σ scoring seconds of the jobs a worker finished for `run` (from its job lines). */
const scoringSeconds = (workers: ReadonlyArray<CliProcess>, run: string): { seconds: number; jobs: number } => {
  let seconds = 0;
  let jobs = 0;
  for (const w of workers) {
    for (const line of w.lines) {
      const m = /^job (\S+) finished \(.*scoring ([\d.]+) s\)/.exec(line);
      if (m && m[1]!.startsWith(`${run}.`)) {
        seconds += Number(m[2]);
        jobs++;
      }
    }
  }
  return { seconds, jobs };
};

/** One mode's figures, in a process of its own (so each peak RSS is that mode's alone). */
const child = async (mode: string, dir: string, redisUrl: string): Promise<void> => {
  const backend = await initBackend('wasm');
  const config = decodeRunConfig({ data: dir, dataKind: 'fashion-mnist', seed: 1, scoreBatchSize: 256 });
  const data = await loadDataset({ kind: 'fashion-mnist', dir });
  const learner = setupTask(config, data, 'ranking').learner;
  const spec = { config, lossObjective: 'ranking', poolSize: data.train.count, dataName: data.name, arithmetic: scoringArithmetic() } as LearnerSpec;
  const idsOf = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
  const report = (row: Record<string, string | number>): void => void process.stdout.write(`${JSON.stringify(row)}\n`);
  const startMB = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);
  if (mode === 'local') {
    // warm the scoring threads
    await lastValueFrom(of(idsOf(2048)).pipe(scoreInBatches(learner, 256), gatherScores()));
    const baseline = startMB();
    for (const n of sizes) {
      const r = await peakRss(() => lastValueFrom(of(idsOf(n)).pipe(scoreInBatches(learner, 256), gatherScores())));
      report({ mode: `local × ${cores} threads (${backend.name})`, pool: n, seconds: +r.seconds.toFixed(2), imgPerSec: Math.round(n / r.seconds), overhead: '-', baselineRssMB: baseline, peakRssMB: r.peakMB });
    }
  } else {
    const k = Number(mode);
    const threads = Math.max(1, Math.floor(cores / k));
    const queue = await connectShardQueue({ redis: parseRedisUrl(redisUrl, 'bench') });
    const workers = Array.from({ length: k }, (_, w) =>
      startCli(['worker', '--redis', redisUrl, '--name', `bench-${k}-${w}`, '--score-threads', String(threads), '--backend', 'wasm']),
    );
    try {
      await Promise.all(workers.map((w) => w.waitFor(/scoring jobs of/)));
      const pass = async (n: number, run: string) =>
        lastValueFrom(
          of(idsOf(n)).pipe(
            scoreOnWorkers(
              { queue, learner, spec, run, outputs: ['predictedLoss'], shardSize, localBatchSize: 256, fallback: 'fail', workerWaitMs: 60_000 },
              { cycle: 1, part: 'subset' },
            ),
            toArray(),
          ),
        );
      // warm-up: every worker loads the data, builds the learner and fetches the weights
      await pass(shardSize * k * 2, `warm-${k}`);
      const baseline = startMB();
      for (const n of sizes) {
        const run = `bench-${k}-${n}`;
        const r = await peakRss(async () => inIdOrder(idsOf(n))(concatBatches(await pass(n, run))));
        const scored = scoringSeconds(workers, run);
        const perWorker = scored.seconds / k;
        report({
          mode: `${k} worker${k > 1 ? 's' : ''} × ${threads} thread${threads > 1 ? 's' : ''}`,
          pool: n,
          seconds: +r.seconds.toFixed(2),
          imgPerSec: Math.round(n / r.seconds),
          overhead: +((r.seconds - perWorker) / perWorker).toFixed(3),
          baselineRssMB: baseline,
          peakRssMB: r.peakMB,
          jobs: scored.jobs,
        });
      }
    } finally {
      await Promise.all(workers.map(stopProcess));
      await queue.close();
    }
  }
  learner.dispose();
};

const main = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'll4al-bench-pool-'));
  const rows: Array<Record<string, string | number>> = [];
  const redis = await startTestRedis();
  try {
    await writePool(dir, pool);
    process.stderr.write(`pool of ${pool} in ${dir}; ${cores} cores; shards of ${shardSize}\n`);
    for (const mode of ['local', ...workerCounts.map(String)]) {
      const run = startCli([], {}, [fileURLToPath(import.meta.url), '--child', mode, '--dir', dir, '--redis', redis.url, '--pool', String(pool), '--sizes', sizes.join(','), '--shard', String(shardSize)]);
      const code = await run.exited;
      for (const line of run.lines) {
        if (line.startsWith('{')) {
          rows.push(JSON.parse(line) as Record<string, string | number>);
          process.stderr.write(`${line}\n`);
        }
      }
      if (code !== 0) throw new Error(`mode ${mode} exited with ${code}: ${run.lines.slice(-3).join(' | ')}`);
    }
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\nbench/remoteScoring.ts — ${os.cpus()[0]?.model ?? 'cpu'}, ${cores} cores, wasm, pool ${pool}, shards of ${shardSize}; each mode in its own process\n`);
  process.stdout.write('| mode | pool | seconds | img/s | overhead | main RSS before → peak, MB |\n|---|---|---|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.mode} | ${r.pool} | ${r.seconds} | ${r.imgPerSec} | ${r.overhead} | ${r.baselineRssMB} → ${r.peakRssMB} |\n`);
};

const childMode = arg('child', '');
(childMode === '' ? main() : child(childMode, arg('dir', ''), arg('redis', '')).then(() => process.exit(0))).catch((error: unknown) => {
  process.stderr.write(`bench/remoteScoring: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
