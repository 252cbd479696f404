/**
 * `ll4al worker` (and other ll4al commands) as child processes from the sources (tsx), with
 * their output lines kept for the test to wait on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cliArgs, repoRoot } from './cli.ts';

/** tsx's loader flags (cliArgs without the entry). */
const loader = cliArgs.slice(0, -1);

export interface CliProcess {
  readonly child: ChildProcess;
  /** stdout and stderr lines so far. */
  readonly lines: string[];
  /** Resolves with the first line (so far or to come) matching `pattern`; rejects when the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/**
 * Starts `ll4al ARGS` from the sources (or another script of the checkout, through tsx).
 * @param args the command and its flags
 * @param env extra environment
 * @param script the script and its arguments instead of `src/cli/main.ts ARGS`
 */
export const startCli = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}, script?: ReadonlyArray<string>): CliProcess => {
  const child = spawn(process.execPath, script === undefined ? [...cliArgs, ...args] : [...loader, ...script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LL4AL_DEBUG: '', ...env } });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onLine = (line: string): void => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    lines,
    exited,
    waitFor: (pattern, timeoutMs = 120_000) =>
      new Promise<string>((resolve, reject) => {
        const seen = lines.find((l) => pattern.test(l));
        if (seen !== undefined) return resolve(seen);
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in: ${lines.slice(-5).join(' | ')}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`ll4al ${args[0]} exited (${code}) before ${pattern}: ${lines.slice(-5).join(' | ')}`));
        });
      }),
  };
};

/**
 * Starts a scoring worker with short lock timings (a killed worker's job is back in the queue
 * within about 2 s), one scoring thread, and waits until it takes jobs.
 * @param url the Redis URL
 * @param name the worker's name
 * @param extra more flags
 */
export const startWorkerProcess = async (url: string, name: string, extra: ReadonlyArray<string> = [], env: NodeJS.ProcessEnv = {}): Promise<CliProcess> => {
  const worker = startCli(['worker', '--redis', url, '--name', name, '--score-threads', '1', '--lock-duration-ms', '1500', '--stalled-interval-ms', '500', ...extra], env);
  await worker.waitFor(/scoring jobs of/);
  return worker;
};

/** Stops a process (SIGTERM, then SIGKILL after 5 s) and waits for its exit. */
export const stopProcess = async (p: CliProcess): Promise<void> => {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  await p.exited;
  clearTimeout(timer);
};
