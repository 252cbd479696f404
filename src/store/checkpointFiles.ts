/**
 * A run's checkpoints (DIR/checkpoints/cycle-N/): the learner's weights after the training of
 * cycle N, written so that a crash leaves a whole checkpoint or none, and checked before use.
 *
 * Writing: the learner saves into a temporary folder beside the final one; every file is
 * hashed into `checkpoint.json` (written durably), every file and the folder are fsynced, the
 * folder is renamed to `cycle-N`, and checkpoints/ is fsynced. Reading: `checkpoint.json` must
 * exist and every file must have its size and SHA-256; only then does the learner load it. A
 * checkpoint that fails either check is *damaged*: the caller warns, naming it, and trains the
 * cycle again from the journal.
 */
import { createHash } from 'node:crypto';
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { join, relative } from 'node:path';
import { describeFsError, fsyncDirectory, removeTemporaries, StorageError, syncTree, temporaryPath, writeFileDurably, type DurableFs } from './durableFs.ts';
import { checkpointDir, type RunPaths } from './runDirectory.ts';

/** The manifest's file name inside a checkpoint folder. */
export const CHECKPOINT_MANIFEST = 'checkpoint.json';

const Manifest = t.type({
  cycle: t.number,
  files: t.array(t.type({ path: t.string, bytes: t.number, sha256: t.string })),
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const listFiles = (fs: DurableFs, dir: string): string[] =>
  fs
    .readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return fs.statSync(path).isDirectory() ? listFiles(fs, path) : [path];
    });

/**
 * Writes the checkpoint of `cycle`: `save` fills a temporary folder, which becomes
 * checkpoints/cycle-N only once it is whole and on disk.
 * @param fs the file-system layer
 * @param paths the run directory
 * @param cycle the cycle whose training just ended
 * @param save writes the learner's files into the folder it is given
 * @throws StorageError naming the checkpoint when the disk refuses
 */
export const saveCheckpoint = async (fs: DurableFs, paths: RunPaths, cycle: number, save: (dir: string) => Promise<void>): Promise<void> => {
  const final = checkpointDir(paths, cycle);
  const temporary = temporaryPath(final);
  try {
    if (!fs.existsSync(paths.checkpoints)) {
      fs.mkdirSync(paths.checkpoints, { recursive: true });
      fsyncDirectory(fs, paths.dir);
    }
    removeTemporaries(fs, paths.checkpoints);
    fs.mkdirSync(temporary);
    await save(temporary);
    const files = listFiles(fs, temporary).map((path) => {
      const bytes = fs.readFileSync(path);
      return { path: relative(temporary, path), bytes: bytes.length, sha256: sha256(bytes) };
    });
    writeFileDurably(fs, join(temporary, CHECKPOINT_MANIFEST), `${JSON.stringify({ cycle, files }, null, 2)}\n`);
    syncTree(fs, temporary);
    // A checkpoint of this cycle can exist only when it was damaged: it is replaced.
    if (fs.existsSync(final)) fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(temporary, final);
    fsyncDirectory(fs, paths.checkpoints);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    try {
      fs.rmSync(temporary, { recursive: true, force: true });
    } catch {
      // left for the next save's removeTemporaries
    }
    throw new StorageError(`cannot write the checkpoint ${final} (${describeFsError(error)}): the run stopped and resumes from the journal`, final, code);
  }
};

/** What loading a checkpoint found. */
export type CheckpointOutcome =
  | { readonly kind: 'loaded'; readonly dir: string }
  | { readonly kind: 'missing'; readonly dir: string }
  | { readonly kind: 'damaged'; readonly dir: string; readonly reason: string };

/**
 * Checks the checkpoint of `cycle` against its manifest and, when whole, loads it.
 * @param fs the file-system layer
 * @param paths the run directory
 * @param cycle the cycle
 * @param load loads the learner from the folder it is given
 * @returns loaded, missing, or damaged with the reason
 */
export const loadCheckpoint = async (fs: DurableFs, paths: RunPaths, cycle: number, load: (dir: string) => Promise<void>): Promise<CheckpointOutcome> => {
  const dir = checkpointDir(paths, cycle);
  if (!fs.existsSync(dir)) return { kind: 'missing', dir };
  const damaged = (reason: string): CheckpointOutcome => ({ kind: 'damaged', dir, reason });
  const manifestPath = join(dir, CHECKPOINT_MANIFEST);
  if (!fs.existsSync(manifestPath)) return damaged(`${CHECKPOINT_MANIFEST} is missing`);
  let manifest: t.TypeOf<typeof Manifest>;
  try {
    const decoded = Manifest.decode(JSON.parse(fs.readFileSync(manifestPath).toString('utf8')));
    if (!isRight(decoded)) return damaged(`${CHECKPOINT_MANIFEST} is not a checkpoint manifest`);
    manifest = decoded.right;
  } catch {
    return damaged(`${CHECKPOINT_MANIFEST} is not valid JSON`);
  }
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    if (!fs.existsSync(path)) return damaged(`${file.path} is missing`);
    const bytes = fs.readFileSync(path);
    if (bytes.length !== file.bytes) return damaged(`${file.path} has ${bytes.length} bytes, the manifest says ${file.bytes}`);
    if (sha256(bytes) !== file.sha256) return damaged(`${file.path} does not match its SHA-256 in ${CHECKPOINT_MANIFEST}`);
  }
  try {
    await load(dir);
  } catch (error) {
    return damaged(`the learner could not load it: ${String((error as Error).message ?? error).split('\n')[0]}`);
  }
  return { kind: 'loaded', dir };
};
