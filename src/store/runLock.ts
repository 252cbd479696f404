/**
 * The lock that keeps two processes from writing one run directory at once (DIR/run.lock).
 *
 * Why not a library: `proper-lockfile` (the well-kept choice) decides staleness by an mtime
 * that a timer refreshes, and a tfjs kernel can block the event loop for longer than any
 * sensible stale time, so a live run would lose its lock; and its stale takeover (stat, rmdir,
 * mkdir) lets a delayed process remove a lock another process has just re-created, so both
 * hold it (moxystudio/node-proper-lockfile#121). This lock is tied to the holder's process
 * instead, and every step is an atomic file-system operation:
 *
 * 1. **Create with content, atomically.** The holder record (pid, the process's start time and
 *    boot, a random token) is written to a temporary file and fsynced, then `link`ed to
 *    run.lock: `link` fails with EEXIST when the lock exists, and a lock that exists is never
 *    empty or half written (the race of `open(O_EXCL)` then `write`).
 * 2. **Take over a dead holder's lock, one process at a time.** A lock whose process is gone
 *    (`kill -9`, a crash, a reboot; pid reuse is told apart by the start time) may be removed
 *    only by the process that first creates `run.lock.break-<hash of that lock's content>`
 *    (again by `link`). That process re-reads run.lock and removes it only when it is still the
 *    same dead holder's; then everyone races step 1 again, which exactly one wins. A breaker
 *    that died while breaking is broken the same way, one level down.
 * 3. **Release** removes run.lock only when it is still this holder's, on `release()` and at
 *    process exit (the CLI turns SIGINT/SIGTERM into an exit).
 *
 * The multi-process race test (test/store/runLockRace.test.ts) starts N processes at once on
 * one directory, with and without a dead holder's lock, and checks that exactly one wins.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../inputError.ts';
import { fsyncDirectory, realFs, writeAll, type DurableFs } from './durableFs.ts';

/** A held lock; `release` removes the file (idempotent). */
export interface RunLock {
  readonly path: string;
  release(): void;
}

/** Who holds a lock, as its file says. */
interface Holder {
  readonly pid: number;
  /** The holder process's start time (Linux clock ticks since boot), when known. */
  readonly startTime?: string;
  readonly bootId?: string;
  /** The file's whole content: what identifies this holding. */
  readonly raw: string;
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const bootId = (): string | undefined => readText('/proc/sys/kernel/random/boot_id')?.trim();

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. */
const startTimeOf = (pid: number): string | undefined => {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count after its end.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

const isAlive = (holder: Holder): boolean => {
  if (holder.bootId !== undefined && bootId() !== undefined && holder.bootId !== bootId()) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = holder.startTime === undefined ? undefined : startTimeOf(holder.pid);
  // The pid is alive; it is the holder unless it started at another time (a reused pid).
  return now === undefined || now === holder.startTime;
};

const parseHolder = (raw: string): Holder | undefined => {
  // The older format: the pid alone.
  if (/^\d+\s*$/.test(raw)) {
    const pid = Number.parseInt(raw, 10);
    return pid > 0 ? { pid, raw } : undefined;
  }
  try {
    const json = JSON.parse(raw) as { pid?: unknown; startTime?: unknown; bootId?: unknown } | null;
    if (typeof json?.pid !== 'number' || !Number.isInteger(json.pid) || json.pid <= 0) return undefined;
    return {
      pid: json.pid,
      ...(typeof json.startTime === 'string' ? { startTime: json.startTime } : {}),
      ...(typeof json.bootId === 'string' ? { bootId: json.bootId } : {}),
      raw,
    };
  } catch {
    return undefined;
  }
};

/** The lock file's holder; undefined when it is gone; an unreadable content is a dead holder. */
const readHolder = (fs: DurableFs, path: string): Holder | undefined => {
  let raw: string;
  try {
    raw = fs.readFileSync(path).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Content is linked in whole, so garbage means someone wrote the file by hand: take it as dead.
  return parseHolder(raw) ?? { pid: Number.MAX_SAFE_INTEGER, raw };
};

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const isCode = (error: unknown, code: string): boolean => (error as NodeJS.ErrnoException).code === code;

const unlinkIfPresent = (fs: DurableFs, path: string): void => {
  try {
    fs.unlinkSync(path);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
};

/**
 * Removes `target` if it still holds the dead `holder`'s record, as the only process doing so
 * (step 2 above). Returns once that is done or someone else is on it.
 */
const breakStale = (fs: DurableFs, target: string, holder: Holder, mine: string, depth: number): void => {
  const breaker = `${target}.break-${createHash('sha256').update(holder.raw).digest('hex').slice(0, 16)}`;
  try {
    fs.linkSync(mine, breaker);
  } catch (error) {
    if (!isCode(error, 'EEXIST')) throw error;
    const other = readHolder(fs, breaker);
    if (other === undefined) return;
    if (isAlive(other) || depth >= 3) {
      sleep(5 + Math.floor(Math.random() * 20));
      return;
    }
    breakStale(fs, breaker, other, mine, depth + 1);
    return;
  }
  try {
    if (readHolder(fs, target)?.raw === holder.raw) {
      unlinkIfPresent(fs, target);
      fsyncDirectory(fs, dirname(target));
    }
  } finally {
    unlinkIfPresent(fs, breaker);
  }
};

/** Removes leftovers of dead processes: temporary records and breakers. */
const removeDeadLeftovers = (fs: DurableFs, path: string): void => {
  const dir = dirname(path);
  const prefix = basename(path);
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(`${prefix}.break-`) && !name.startsWith(`.${prefix}.`)) continue;
    // A record still being written by a live competitor reads as garbage (its temp file is
    // written in place, not linked whole): only a record that parses and names a dead process goes.
    const holder = readHolder(fs, join(dir, name));
    if (holder !== undefined && holder.pid !== Number.MAX_SAFE_INTEGER && !isAlive(holder)) unlinkIfPresent(fs, join(dir, name));
  }
};

/**
 * Takes the lock file `path` for this process (see the steps above).
 *
 * Use it before writing a run directory. A lock held by a live process (this one included) is
 * an InputError ("run directory DIR is in use by process PID"); a lock left by a process that
 * no longer exists is taken over.
 * @param path the lock file
 * @param dir the run directory, for the message
 * @param fs the file-system layer (default: node:fs)
 * @returns the held lock
 */
export const acquireRunLock = (path: string, dir: string, fs: DurableFs = realFs): RunLock => {
  const token = randomBytes(8).toString('hex');
  const record = `${JSON.stringify({ pid: process.pid, startTime: startTimeOf(process.pid), bootId: bootId(), token, since: new Date().toISOString() })}\n`;
  const mine = join(dirname(path), `.${basename(path)}.${process.pid}-${token}`);
  const writeMine = (): void => {
    const fd = fs.openSync(mine, 'wx');
    try {
      writeAll(fs, fd, Buffer.from(record, 'utf8'));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  writeMine();
  try {
    for (let attempt = 0; attempt < 200; attempt++) {
      try {
        fs.linkSync(mine, path);
      } catch (error) {
        // Our record was removed under us (a competitor's clean-up): write it again and retry.
        if (isCode(error, 'ENOENT') && !fs.existsSync(mine)) {
          writeMine();
          continue;
        }
        if (!isCode(error, 'EEXIST')) throw error;
        const holder = readHolder(fs, path);
        if (holder === undefined) continue;
        if (isAlive(holder)) throw new InputError(`run directory ${dir} is in use by process ${holder.pid}`);
        breakStale(fs, path, holder, mine, 0);
        continue;
      }
      fsyncDirectory(fs, dirname(path));
      let held = true;
      const release = (): void => {
        if (!held) return;
        held = false;
        process.removeListener('exit', release);
        if (readHolder(fs, path)?.raw === record) {
          unlinkIfPresent(fs, path);
          fsyncDirectory(fs, dirname(path));
        }
      };
      // Released on process.exit too (the CLI exits on SIGINT/SIGTERM); only kill -9 leaves a stale lock.
      process.once('exit', release);
      unlinkIfPresent(fs, mine);
      removeDeadLeftovers(fs, path);
      return { path, release };
    }
    throw new InputError(`run directory ${dir}: could not take the lock ${path} (it keeps changing hands)`);
  } finally {
    unlinkIfPresent(fs, mine);
  }
};

/**
 * Refuses early when a live process holds the lock (a check before slow work; the lock itself
 * is taken later with {@link acquireRunLock}, which decides).
 * @param path the lock file
 * @param dir the run directory, for the message
 * @param fs the file-system layer (default: node:fs)
 * @throws InputError "run directory DIR is in use by process PID"
 */
export const checkRunLockFree = (path: string, dir: string, fs: DurableFs = realFs): void => {
  const holder = readHolder(fs, path);
  if (holder !== undefined && isAlive(holder)) throw new InputError(`run directory ${dir} is in use by process ${holder.pid}`);
};
