/**
 * A file-system layer for crash tests: it passes every call to another layer, counting them,
 * and kills its own process (SIGKILL, as `kill -9` or a power cut would stop it) just before
 * the chosen call. Counting the calls of an uninterrupted run (`onCall`) gives the kill points
 * to try: every write, fsync and rename of the journal, results.json, the checkpoints and the
 * lock. `ll4al run`/`resume` build one from the environment (see {@link crashPointFsFromEnv});
 * bench/crash.ts and test/cli/killAnywhere.test.ts use it.
 */
import { appendFileSync } from 'node:fs';
import type { DurableFs } from './durableFs.ts';

/** Options of {@link crashPointFs}. */
export interface CrashPointOptions {
  /** 1-based number of the (matching) call before which the process kills itself; none when undefined. */
  readonly killAt?: number;
  /** Count only calls whose path (a descriptor's path, for calls on descriptors) contains this. */
  readonly pathContains?: string;
  /**
   * Instead of killing: from the `killAt`-th matching call on, every matching call throws an
   * error with this code (`ENOSPC`: the disk is full and stays full; `EROFS`, `EIO`).
   */
  readonly failWith?: string;
  /** Called with each call's number, name and path (or '' when it has none). */
  readonly onCall?: (n: number, name: string, path: string) => void;
}

/**
 * Wraps `fs` so that the process dies before its `killAt`-th call (among those matching).
 * @param fs the layer to pass calls to
 * @param options where to kill, and a call observer
 * @returns the counting layer
 */
export const crashPointFs = (fs: DurableFs, options: CrashPointOptions): DurableFs => {
  let calls = 0;
  let matching = 0;
  const paths = new Map<number, string>();
  const wrapped: Record<string, unknown> = {};
  for (const name of Object.keys(fs) as Array<keyof DurableFs>) {
    const call = fs[name] as (...args: unknown[]) => unknown;
    if (typeof call !== 'function') continue;
    wrapped[name] = (...args: unknown[]) => {
      calls++;
      const first = args[0];
      const path = typeof first === 'string' ? first : typeof first === 'number' ? (paths.get(first) ?? '') : '';
      options.onCall?.(calls, name, path);
      if (options.pathContains === undefined || path.includes(options.pathContains)) {
        matching++;
        if (options.killAt !== undefined && matching >= options.killAt && options.failWith !== undefined) {
          throw Object.assign(new Error(`${options.failWith}: injected by LL4AL_FAIL_AT_FS_CALL, ${name} '${path}'`), { code: options.failWith });
        }
        if (matching === options.killAt) process.kill(process.pid, 'SIGKILL');
      }
      const result = call.apply(fs, args);
      if (name === 'openSync' && typeof result === 'number') paths.set(result, path);
      if (name === 'closeSync' && typeof first === 'number') paths.delete(first);
      return result;
    };
  }
  return wrapped as unknown as DurableFs;
};

/**
 * The crash-test layer the environment asks for, or `fs` itself:
 * - `LL4AL_CRASH_AT_FS_CALL=N` kills before the N-th call; `N:TEXT` before the N-th call on a
 *   path containing TEXT (`3:checkpoints/`, `25:labels.jsonl`, `2:results.json`);
 * - `LL4AL_FAIL_AT_FS_CALL=N:CODE[:TEXT]` makes the N-th call (on a path containing TEXT) and
 *   every later one fail with CODE (`40:ENOSPC:labels.jsonl`: the disk fills up);
 * - `LL4AL_FS_TRACE=FILE` appends `n name path` to FILE for each call.
 * @param fs the real layer
 * @param env the environment (default: process.env)
 * @returns the layer to write the run directory with
 */
export const crashPointFsFromEnv = (fs: DurableFs, env: NodeJS.ProcessEnv = process.env): DurableFs => {
  const crash = env['LL4AL_CRASH_AT_FS_CALL'];
  const fail = env['LL4AL_FAIL_AT_FS_CALL'];
  const trace = env['LL4AL_FS_TRACE'];
  if (crash === undefined && fail === undefined && trace === undefined) return fs;
  const onCall = trace === undefined ? {} : { onCall: (n: number, name: string, path: string) => appendFileSync(trace, `${n} ${name} ${path}\n`) };
  if (fail !== undefined) {
    const [count, code, ...rest] = fail.split(':');
    return crashPointFs(fs, { killAt: Number(count), failWith: code, ...(rest.length > 0 ? { pathContains: rest.join(':') } : {}), ...onCall });
  }
  const [count, ...rest] = (crash ?? '').split(':');
  return crashPointFs(fs, {
    ...(crash === undefined ? {} : { killAt: Number(count) }),
    ...(rest.length > 0 ? { pathContains: rest.join(':') } : {}),
    ...onCall,
  });
};
