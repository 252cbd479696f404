/**
 * A learner's saved weights as one binary value, named by the hash of its content: the run
 * publishes it to Redis once per cycle, a worker loads it once per hash. The files are whatever
 * `learner.save(dir)` wrote (model.json + weights.bin today), packed side by side:
 *
 *     "LLMD" | u32 header bytes | header JSON [{ name, bytes }] | file 0 | file 1 …
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Learner } from '../tasks/learner.ts';

const MAGIC = 'LLMD';

/** A packed model and its content hash (hex, 24 characters). */
export interface ModelBlob {
  readonly hash: string;
  readonly bytes: Buffer;
}

/**
 * Packs the files of a directory (not its subdirectories), sorted by name, and hashes them.
 * @param dir a directory written by `learner.save`
 * @returns the blob
 */
export const packModelDir = async (dir: string): Promise<ModelBlob> => {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  const files = await Promise.all(entries.map(async (name) => ({ name, data: await readFile(join(dir, name)) })));
  const header = Buffer.from(JSON.stringify(files.map((f) => ({ name: f.name, bytes: f.data.length }))), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.length, 4);
  const bytes = Buffer.concat([prefix, header, ...files.map((f) => f.data)]);
  return { hash: createHash('sha256').update(bytes).digest('hex').slice(0, 24), bytes };
};

/**
 * Writes the files of a blob into `dir`.
 * @param bytes a blob from {@link packModelDir}
 * @param dir the directory (created when missing)
 * @throws Error naming what is wrong when the bytes are not a packed model
 */
export const unpackModelBlob = async (bytes: Buffer, dir: string): Promise<void> => {
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a packed ll4al model (bad magic)');
  const headerLength = bytes.readUInt32LE(4);
  let files: Array<{ name: string; bytes: number }>;
  try {
    files = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength));
  } catch {
    throw new Error('packed model: header is not JSON');
  }
  await mkdir(dir, { recursive: true });
  let at = 8 + headerLength;
  for (const f of files) {
    if (typeof f.name !== 'string' || basename(f.name) !== f.name || !Number.isInteger(f.bytes) || at + f.bytes > bytes.length) {
      throw new Error(`packed model: bad file entry ${JSON.stringify(f)}`);
    }
    await writeFile(join(dir, f.name), bytes.subarray(at, at + f.bytes));
    at += f.bytes;
  }
};

/**
 * The learner's current weights as a blob (saved through a temporary directory).
 * @param learner the learner
 * @returns the blob
 */
export const learnerModelBlob = async (learner: Pick<Learner<unknown>, 'save'>): Promise<ModelBlob> => {
  const dir = await mkdtemp(join(tmpdir(), 'll4al-model-'));
  try {
    await learner.save(dir);
    return await packModelDir(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

/**
 * Loads a blob's weights into a learner (through a temporary directory).
 * @param learner the learner, of the architecture the blob was saved from
 * @param bytes the blob
 */
export const loadModelBlob = async (learner: Pick<Learner<unknown>, 'load'>, bytes: Buffer): Promise<void> => {
  const dir = await mkdtemp(join(tmpdir(), 'll4al-model-'));
  try {
    await unpackModelBlob(bytes, dir);
    await learner.load(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
