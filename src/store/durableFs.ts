/**
 * The file-system calls a run directory is written with, as one injectable layer, and the
 * durable writes built on it: every byte the run promises to keep goes through here.
 *
 * - {@link writeFileDurably}: temporary file → write → fsync → close → rename over the target →
 *   fsync of the directory (so the rename itself survives power loss). A crash leaves the old
 *   file or the new one, never a torn one. results.json, config.json and checkpoint manifests.
 * - {@link fsyncDirectory}: makes a created, renamed or removed name durable.
 * - {@link syncTree}: fsyncs every file and folder under a directory (a checkpoint written by a
 *   learner's `save`, before it is renamed into place).
 *
 * Tests pass a tracing or failing layer (tests/store/durableWrites.test.ts) so that removing an
 * fsync, or writing in another order, fails a test; `LL4AL_CRASH_AT_FS_CALL` (crashPointFs.ts)
 * kills the process at a chosen call for the crash tests.
 */
import * as nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The synchronous node:fs calls the run directory uses; `node:fs` itself is one. */
export type DurableFs = Pick<
  typeof nodeFs,
  | 'openSync'
  | 'writeSync'
  | 'fsyncSync'
  | 'closeSync'
  | 'fstatSync'
  | 'ftruncateSync'
  | 'renameSync'
  | 'linkSync'
  | 'unlinkSync'
  | 'mkdirSync'
  | 'rmSync'
  | 'readFileSync'
  | 'readdirSync'
  | 'statSync'
  | 'existsSync'
>;

/** The real file system. */
export const realFs: DurableFs = nodeFs;

/**
 * Writes all of `bytes` at the descriptor's position, looping over short writes (a write that
 * the kernel cuts short, as near a full disk, returns fewer bytes; the rest must follow).
 * @param fs the file-system layer
 * @param fd an open descriptor
 * @param bytes what to write
 */
export const writeAll = (fs: DurableFs, fd: number, bytes: Uint8Array): void => {
  let offset = 0;
  while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
};

/**
 * fsyncs a directory, so that the names created, renamed or removed in it are on disk.
 * @param fs the file-system layer
 * @param dir the directory
 */
export const fsyncDirectory = (fs: DurableFs, dir: string): void => {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
};

let temporaryCount = 0;
/** A temporary name beside `path`, unique to this process and call. */
export const temporaryPath = (path: string): string => join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${temporaryCount++}`);

/**
 * Replaces `path` with `content` atomically and durably: temporary file, write, fsync, close,
 * rename, fsync of the directory.
 *
 * Use it for every whole-file write of a run directory. After a crash the file holds either the
 * old or the new content; a leftover `.NAME.tmp-*` beside it is garbage (removed by the next
 * write's owner, see {@link removeTemporaries}).
 * @param fs the file-system layer
 * @param path the file
 * @param content its new content
 */
export const writeFileDurably = (fs: DurableFs, path: string, content: string | Uint8Array): void => {
  const temporary = temporaryPath(path);
  const fd = fs.openSync(temporary, 'w');
  try {
    writeAll(fs, fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temporary, path);
  fsyncDirectory(fs, dirname(path));
};

/**
 * Removes the leftovers of interrupted durable writes (`.NAME.tmp-*`) in `dir`.
 * @param fs the file-system layer
 * @param dir the directory (missing is fine)
 */
export const removeTemporaries = (fs: DurableFs, dir: string): void => {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) if (/^\..+\.tmp-\d+-\d+$/.test(name)) fs.rmSync(join(dir, name), { recursive: true, force: true });
};

/**
 * fsyncs every file under `dir` (depth first), then each folder, then `dir` itself.
 * @param fs the file-system layer
 * @param dir a directory
 */
export const syncTree = (fs: DurableFs, dir: string): void => {
  for (const name of fs.readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (fs.statSync(path).isDirectory()) syncTree(fs, path);
    else {
      const fd = fs.openSync(path, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
  }
  fsyncDirectory(fs, dir);
};

/** The one-line name of a file-system error code, for messages ("no space left on device"). */
export const describeFsError = (error: unknown): string => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EIO: 'input/output error',
  };
  return code === undefined ? String((error as Error)?.message ?? error).split('\n')[0]! : `${code}: ${known[code] ?? (error as Error).message.split('\n')[0]}`;
};

/**
 * A write the run promised to make durable failed (a full disk, a read-only directory): the run
 * stops, and what was not written was not used (a label that could not be journaled is not
 * merged). The message is one line naming the file and the cause.
 */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    message: string,
    /** The file that could not be written. */
    readonly path: string,
    /** The file-system error code (ENOSPC, EROFS, …) when there is one. */
    readonly code: string | undefined,
  ) {
    super(message);
  }
}
