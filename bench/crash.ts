/**
 * `npm run bench:crash [-- --rounds R --kills K --seed S]`: the long kill-anywhere test. Each
 * round starts a fresh run directory, kills `ll4al run` and then K − 1 of its resumes at points
 * drawn from the seed — a file-system call of the journal, a checkpoint, results.json, the lock
 * or anything (src/store/crashPointFs.ts), or a moment after a training epoch, a scored batch,
 * a selection, an accepted label or the last cycle's start — and checks every promise of
 * docs/reliability.md after every process (bench/crashHarness.ts). Prints one line per kill
 * and a summary of the stages hit; exits 1 on the first broken promise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deriveSeed, Rng } from '../src/ops/random.ts';
import { runCrashRound, type CrashProtocol, type KillPoint } from './crashHarness.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '15' }, kills: { type: 'string', default: '2' }, seed: { type: 'string', default: '1' } },
});
const rounds = Number(values.rounds);
const killsPerRound = Number(values.kills);
const seed = Number(values.seed);

const protocol = (round: number): CrashProtocol => ({ cycles: 3, initial: 20, budget: 20, subset: 100, epochs: 1, seed: deriveSeed(seed, 'round', round) % 1000, oracleDelayMs: 15 });

/** A kill point drawn from `rng`: half file-system calls (by file), half moments after events. */
const drawKill = (rng: Rng, cycles: number): KillPoint => {
  const pick = rng.nextInt(10);
  switch (pick) {
    case 0:
      return { kind: 'fs', call: 1 + rng.nextInt(60), pathContains: 'labels.jsonl' };
    case 1:
      return { kind: 'fs', call: 1 + rng.nextInt(30), pathContains: 'checkpoints' };
    case 2:
      return { kind: 'fs', call: 1 + rng.nextInt(8), pathContains: 'results.json' };
    case 3:
      return { kind: 'fs', call: 1 + rng.nextInt(250) };
    case 4:
      return { kind: 'fs', call: 1 + rng.nextInt(6), pathContains: 'run.lock' };
    case 5:
      return { kind: 'event', type: 'epochTrained', cycle: 1 + rng.nextInt(cycles), delayMs: rng.nextInt(400) };
    case 6:
      return { kind: 'event', type: 'batchScored', delayMs: rng.nextInt(30) };
    case 7:
      return { kind: 'event', type: 'selected', delayMs: rng.nextInt(300) };
    case 8:
      return { kind: 'event', type: 'labelAccepted', nth: 1 + rng.nextInt(40), delayMs: rng.nextInt(20) };
    default:
      return { kind: 'event', type: 'cycleStarted', cycle: cycles, delayMs: rng.nextInt(1500) };
  }
};

const work = mkdtempSync(join(tmpdir(), 'll4al-crash-'));
const rng = new Rng(deriveSeed(seed, 'kills'));
const stages = new Map<string, number>();
let landed = 0;
let missed = 0;
const started = performance.now();
try {
  for (let round = 1; round <= rounds; round++) {
    const kills = Array.from({ length: killsPerRound }, () => drawKill(rng, 3));
    const reports = await runCrashRound(join(work, `round-${round}`), protocol(round), kills);
    for (const r of reports) {
      if (r.kill === undefined) continue;
      if (r.killed) {
        landed++;
        const stage = r.stage.replace(/^cycle \d+: /, 'cycle N: ');
        stages.set(stage, (stages.get(stage) ?? 0) + 1);
      } else missed++;
      const loaded = r.checkpointLoaded === undefined ? '' : `; resume of cycle ${r.resumedCycle} ${r.checkpointLoaded ? 'loaded its checkpoint' : 'trained'}`;
      process.stdout.write(`round ${round} ${r.command}: ${JSON.stringify(r.kill)} → ${r.killed ? `killed at ${r.stage}` : 'ran to the end'}, ${r.labelsAfter} labels${loaded}\n`);
    }
    const last = reports.at(-1)!;
    process.stdout.write(`round ${round}: finished with ${last.labelsAfter} labels, every check passed\n`);
    rmSync(join(work, `round-${round}`), { recursive: true, force: true });
  }
} catch (error) {
  process.stdout.write(`FAILED: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
process.stdout.write(`\n${landed} kills landed (${missed} kill points not reached: the process finished first) in ${rounds} rounds, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
for (const [stage, n] of [...stages].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${n} × ${stage}\n`);
if (process.exitCode !== 1) rmSync(work, { recursive: true, force: true });
