/**
 * A file-system layer for crash tests: it passes every call to another layer, counting them,
 * and kills its own process (SIGKILL, as `kill -9` or a power cut would stop it) just before
 * call number `killAt`. Counting the calls of an uninterrupted run (`onCall`) gives the kill
 * points to try: every write, fsync and rename of the journal, results.json, the checkpoints
 * and the lock. `ll4al run`/`resume` build one from `LL4AL_CRASH_AT_FS_CALL=N` (and report
 * the calls to `LL4AL_FS_TRACE=FILE`); bench/crash.ts and test/cli/killAnywhere.test.ts use
 * them.
 */
import { appendFileSync } from 'node:fs';
import type { DurableFs } from './durableFs.ts';

/** Options of {@link crashPointFs}. */
export interface CrashPointOptions {
  /** 1-based number of the call before which the process kills itself (none when undefined). */
  readonly killAt?: number;
  /** Called with each call's number, name and first argument (a path or descriptor). */
  readonly onCall?: (n: number, name: string, target: unknown) => void;
}

/**
 * Wraps `fs` so that the process dies before its `killAt`-th call.
 * @param fs the layer to pass calls to
 * @param options where to kill, and a call observer
 * @returns the counting layer
 */
export const crashPointFs = (fs: DurableFs, options: CrashPointOptions): DurableFs => {
  let calls = 0;
  const wrapped: Record<string, unknown> = {};
  for (const name of Object.keys(fs) as Array<keyof DurableFs>) {
    const call = fs[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      calls++;
      options.onCall?.(calls, name, args[0]);
      if (calls === options.killAt) process.kill(process.pid, 'SIGKILL');
      return call.apply(fs, args);
    };
  }
  return wrapped as unknown as DurableFs;
};

/**
 * The crash-test layer the environment asks for, or `fs` itself: `LL4AL_CRASH_AT_FS_CALL=N`
 * kills before the N-th call, `LL4AL_FS_TRACE=FILE` appends one line per call to FILE.
 * @param fs the real layer
 * @param env the environment (default: process.env)
 * @returns the layer to write the run directory with
 */
export const crashPointFsFromEnv = (fs: DurableFs, env: NodeJS.ProcessEnv = process.env): DurableFs => {
  const killAt = env['LL4AL_CRASH_AT_FS_CALL'] === undefined ? undefined : Number(env['LL4AL_CRASH_AT_FS_CALL']);
  const trace = env['LL4AL_FS_TRACE'];
  if (killAt === undefined && trace === undefined) return fs;
  return crashPointFs(fs, {
    killAt,
    onCall: trace === undefined ? undefined : (n, name, target) => appendFileSync(trace, `${n} ${name} ${typeof target === 'string' ? target : ''}\n`),
  });
};
