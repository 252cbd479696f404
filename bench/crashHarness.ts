/**
 * Kill anywhere, then check: runs `ll4al run` (from source) in a fresh run directory, SIGKILLs
 * it at a chosen point, resumes it (and possibly kills the resume too), and after every process
 * checks the promises of the run directory (docs/reliability.md):
 *
 * - every label journaled before a kill is still there, byte for byte (a torn last line, never
 *   acknowledged, may be cut off);
 * - no id is journaled twice;
 * - results.json parses (the library's decoder) and each row trained on exactly the journal's
 *   labels of the cycles before it;
 * - a resume whose cycle's training had finished (its checkpoint whole on disk) loaded it rather
 *   than training again (no `epochTrained` of that cycle, `resumes[-1].checkpoint` 'loaded');
 * - the last process ends the run with initial + budget × (cycles − 1) distinct labels, the
 *   rows of an uninterrupted run and no lock left.
 *
 * Kill points are either the N-th file-system call of the process (optionally among those on a
 * path containing some text: the journal, a checkpoint, results.json; see
 * src/store/crashPointFs.ts) or a moment after an event of its `--json` output (a training
 * epoch, a scored batch, a selection) plus a delay. bench/crash.ts draws many;
 * test/cli/killAnywhere.test.ts runs a handful.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { childLoaderArgs } from '../src/backend/spawnWorker.ts';
import { readResults } from '../src/store/resultsFile.ts';

const root = join(import.meta.dirname, '..');
const main = join(root, 'src', 'cli', 'main.ts');

/** The protocol of a crash round: small, with a slow simulated oracle. */
export interface CrashProtocol {
  readonly cycles: number;
  readonly initial: number;
  readonly budget: number;
  readonly subset: number;
  readonly epochs: number;
  readonly seed: number;
  readonly oracleDelayMs: number;
  readonly strategy?: string;
}

/** Where to kill a process. */
export type KillPoint =
  | { readonly kind: 'fs'; readonly call: number; readonly pathContains?: string }
  | { readonly kind: 'event'; readonly type: string; readonly cycle?: number; readonly nth?: number; readonly delayMs: number };

/** What one process of a round did. */
export interface ProcessReport {
  readonly command: 'run' | 'resume';
  readonly kill: KillPoint | undefined;
  /** True when the kill landed (the process died by SIGKILL). */
  readonly killed: boolean;
  /** Where it died: the stage of its last event, and the file of the call it died before. */
  readonly stage: string;
  readonly labelsAfter: number;
  /** For a resume: the cycle it continued and whether that cycle's checkpoint was whole before it. */
  readonly resumedCycle?: number;
  readonly checkpointExpected?: boolean;
  readonly checkpointLoaded?: boolean;
}

interface Event {
  readonly type: string;
  readonly cycle?: number;
}

const completeLines = (path: string): string[] => {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.pop(); // empty, or a torn last line
  return lines;
};

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Whether checkpoints/cycle-N is whole: its manifest lists files of the right size and hash. */
export const checkpointIsWhole = (dir: string, cycle: number): boolean => {
  const folder = join(dir, 'checkpoints', `cycle-${cycle}`);
  const manifest = join(folder, 'checkpoint.json');
  if (!existsSync(manifest)) return false;
  try {
    const { files } = JSON.parse(readFileSync(manifest, 'utf8')) as { files: { path: string; bytes: number; sha256: string }[] };
    return files.every((f) => {
      const path = join(folder, f.path);
      if (!existsSync(path)) return false;
      const bytes = readFileSync(path);
      return bytes.length === f.bytes && sha256(bytes) === f.sha256;
    });
  } catch {
    return false;
  }
};

const stageOf = (event: Event | undefined): string => {
  if (event === undefined) return 'start-up';
  const c = event.cycle;
  switch (event.type) {
    case 'runStarted':
    case 'warning':
      return 'start-up';
    case 'selected':
      return c === 0 ? 'initial set' : `cycle ${c}: selection → oracle`;
    case 'queryReturned':
    case 'labelAccepted':
    case 'queryFailed':
    case 'labelRejected':
      return c === 0 ? 'initial set' : `cycle ${c}: oracle and merge`;
    case 'cycleStarted':
    case 'epochTrained':
      return `cycle ${c}: training`;
    case 'evaluated':
      return `cycle ${c}: evaluation → scoring`;
    case 'batchScored':
      return `cycle ${c}: scoring`;
    case 'cycleFinished':
      return `cycle ${c}: results write`;
    default:
      return event.type;
  }
};

const fileOf = (path: string): string =>
  path.includes('labels.jsonl')
    ? 'journal'
    : path.includes('checkpoints')
      ? 'checkpoint'
      : path.includes('results.json')
        ? 'results.json'
        : path.includes('run.lock')
          ? 'lock'
          : path.includes('config.json')
            ? 'config.json'
            : 'directory';

/** An invariant that failed, with what the round did up to then. */
export class CrashCheckFailure extends Error {}

/**
 * Runs one round: `ll4al run` killed at `kills[0]`, a resume killed at each further point, then
 * a last resume to the end (a run killed before it wrote config.json is run again instead);
 * checks after every process (see the file's comment).
 * @param dir a run directory that does not exist yet
 * @param protocol the run's protocol
 * @param kills one kill point per killed process
 * @returns what every process did
 * @throws CrashCheckFailure naming the broken promise
 */
export const runCrashRound = async (dir: string, protocol: CrashProtocol, kills: ReadonlyArray<KillPoint>): Promise<ReadonlyArray<ProcessReport>> => {
  const labels = join(dir, 'labels.jsonl');
  const results = join(dir, 'results.json');
  const reports: ProcessReport[] = [];
  let kept: string[] = [];
  const fail = (message: string): never => {
    throw new CrashCheckFailure(`${message} (${dir}; processes so far: ${JSON.stringify(reports)})`);
  };
  for (let i = 0; i <= kills.length; i++) {
    const kill = kills[i];
    // A run killed before its config.json was written has not started: it is run again.
    const command = existsSync(join(dir, 'config.json')) ? 'resume' : 'run';
    const before = readResults(results);
    const resumedCycle = command === 'resume' ? (before?.cycles.length ?? 0) + 1 : undefined;
    const checkpointExpected = resumedCycle !== undefined && resumedCycle <= protocol.cycles && checkpointIsWhole(dir, resumedCycle);
    const trace = `${dir}.trace-${i}`;
    const args =
      command === 'run'
        ? [
            'run', '--strategy', protocol.strategy ?? 'learning-loss', '--cycles', String(protocol.cycles), '--initial', String(protocol.initial),
            '--budget', String(protocol.budget), '--subset', String(protocol.subset), '--epochs', String(protocol.epochs), '--seed', String(protocol.seed),
            '--oracle-delay-ms', String(protocol.oracleDelayMs), '--out', dir, '--json',
          ]
        : ['resume', dir, '--json'];
    const env: NodeJS.ProcessEnv = { ...process.env, LL4AL_DEBUG: '' };
    if (kill?.kind === 'fs') {
      env['LL4AL_CRASH_AT_FS_CALL'] = kill.pathContains === undefined ? String(kill.call) : `${kill.call}:${kill.pathContains}`;
      env['LL4AL_FS_TRACE'] = trace;
    } else {
      delete env['LL4AL_CRASH_AT_FS_CALL'];
      delete env['LL4AL_FS_TRACE'];
    }
    const child = spawn(process.execPath, [...childLoaderArgs(import.meta.url), main, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const events: Event[] = [];
    let matched = 0;
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let event: Event;
      try {
        event = JSON.parse(line) as Event;
      } catch {
        return; // a line cut by the kill
      }
      events.push(event);
      if (kill?.kind === 'event' && event.type === kill.type && (kill.cycle === undefined || event.cycle === kill.cycle)) {
        matched++;
        if (matched === (kill.nth ?? 1)) setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
      }
    });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    const killed = exit.signal === 'SIGKILL';
    if (!killed && exit.code !== 0) fail(`${command} exited ${exit.code}: ${stderr.trim().split('\n')[0]}`);
    if (!killed && stderr !== '') fail(`${command} wrote to stderr: ${stderr.trim().split('\n')[0]}`);
    let stage = stageOf(events.at(-1));
    if (kill?.kind === 'fs' && killed && existsSync(trace)) {
      const last = readFileSync(trace, 'utf8').trim().split('\n').at(-1)!.split(' ');
      stage = `${stage}; ${fileOf(last.slice(2).join(' '))} ${last[1]}`;
    }

    // Every label journaled before this process ended is kept, byte for byte, and none twice.
    const now = completeLines(labels);
    if (now.slice(0, kept.length).join('\n') !== kept.join('\n')) fail(`${command}: a label journaled before the kill changed or went missing`);
    kept = now;
    const entries = now.map((line, n) => {
      try {
        return JSON.parse(line) as { id: number; cycle: number };
      } catch {
        return fail(`labels.jsonl:${n + 1} is not JSON: ${line.slice(0, 60)}`);
      }
    });
    const ids = entries.map((e) => e.id);
    if (new Set(ids).size !== ids.length) fail(`${command}: an id is journaled twice`);
    // results.json parses, and its rows agree with the journal.
    const stored = readResults(results);
    stored?.cycles.forEach((row, index) => {
      if (row.cycle !== index + 1) fail(`results.json: row ${index} is cycle ${row.cycle}`);
      const trainedOn = entries.filter((e) => e.cycle < row.cycle).length;
      if (row.labeled !== trainedOn) fail(`results.json: cycle ${row.cycle} says ${row.labeled} labels, the journal holds ${trainedOn} before it`);
    });
    // A resume past its cycle's checkpoint loaded it when it was whole, and trained otherwise.
    let checkpointLoaded: boolean | undefined;
    if (resumedCycle !== undefined && resumedCycle <= protocol.cycles && entries.length > 0) {
      const evaluated = events.findIndex((e) => e.type === 'evaluated' && e.cycle === resumedCycle);
      if (evaluated >= 0) {
        const trained = events.slice(0, evaluated).some((e) => e.type === 'epochTrained' && e.cycle === resumedCycle);
        checkpointLoaded = !trained;
        if (checkpointExpected && trained) fail(`resume: cycle ${resumedCycle}'s checkpoint was whole, but the cycle was trained again`);
        if (!checkpointExpected && !trained) fail(`resume: cycle ${resumedCycle} had no whole checkpoint, but was not trained`);
        const record = stored?.resumes?.at(-1);
        if (checkpointExpected && (record?.cycle !== resumedCycle || record.checkpoint !== 'loaded')) {
          fail(`resume: results.json's last resume record is ${JSON.stringify(record)}, expected cycle ${resumedCycle} loaded`);
        }
      }
    }
    reports.push({
      command,
      kill,
      killed,
      stage: killed ? stage : 'not killed (ran to the end)',
      labelsAfter: now.length,
      ...(resumedCycle === undefined ? {} : { resumedCycle, checkpointExpected }),
      ...(checkpointLoaded === undefined ? {} : { checkpointLoaded }),
    });
    if (i === kills.length) {
      const total = protocol.initial + protocol.budget * (protocol.cycles - 1);
      if (now.length !== total) fail(`the run ended with ${now.length} labels, expected ${total}`);
      if (!stored?.finished) fail('the run ended, but results.json is not finished');
      const expected = Array.from({ length: protocol.cycles }, (_, c) => protocol.initial + protocol.budget * c);
      if (stored!.cycles.map((r) => r.labeled).join() !== expected.join()) fail(`results.json rows trained on ${stored!.cycles.map((r) => r.labeled).join()}, expected ${expected.join()}`);
      if (existsSync(join(dir, 'run.lock'))) fail('the finished run left its lock');
    }
  }
  return reports;
};
