/**
 * A lock file that keeps two processes from writing one run directory at once.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { InputError } from '../inputError.ts';

/** A held lock; `release` removes the file (idempotent). */
export interface RunLock {
  readonly path: string;
  release(): void;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readHolder = (path: string): number | undefined => {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Takes the lock file `path` for this process: created with O_EXCL and holding the pid.
 *
 * Use it before writing a run directory. A lock held by a live process is an InputError
 * ("run directory DIR is in use by process PID"); a stale lock, left by a process that no
 * longer exists (a crash, `kill -9`), is taken over.
 * @param path the lock file
 * @param dir the run directory, for the message
 * @returns the held lock
 */
export const acquireRunLock = (path: string, dir: string): RunLock => {
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
        throw new InputError(`run directory ${dir} is in use by process ${holder}`);
      }
      // Stale (dead holder, empty or unreadable file): remove it and try again.
      try {
        unlinkSync(path);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      process.removeListener('exit', release);
      if (readHolder(path) === process.pid) unlinkSync(path);
    };
    // Released on process.exit too (a stop by SIGINT); only kill -9 leaves a stale lock.
    process.once('exit', release);
    return { path, release };
  }
  throw new InputError(`run directory ${dir}: could not take the lock ${path}`);
};
