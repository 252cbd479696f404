import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CIFAR10_CLASS_NAMES,
  CIFAR10_TRAIN_FILES,
  encodeCifarBatch,
  parseCifarBatch,
  readCifar10,
  readCifarBatch,
  writeCifarBatch,
} from '../../src/data/cifar.ts';
import { loadDataset } from '../../src/data/load.ts';
import { InputError } from '../../src/inputError.ts';

/** The value the tests give to channel c of pixel (y, x) of record r. */
const valueAt = (r: number, y: number, x: number, c: number): number => (r * 13 + y * 7 + x * 3 + c * 50) % 256;

/** CIFAR-10 records built by hand, planar CHW as the format says, without the module's encoder. */
function handMadeRecords(labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, r) => {
    out[r * 3073] = label;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) out[r * 3073 + 1 + c * 1024 + y * 32 + x] = valueAt(r, y, x, c);
  });
  return out;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll4al-cifar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function inputErrorOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  expect((e as Error).message).not.toContain('\n');
  return (e as Error).message;
}

/** Writes a full CIFAR-10 folder of tiny batches: batch i holds i + 1 records. */
async function writeCifarFolder(folder: string, meta?: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (let i = 0; i < 5; i++) {
    await writeFile(join(folder, CIFAR10_TRAIN_FILES[i]!), handMadeRecords(Array.from({ length: i + 1 }, (_, r) => (i + r) % 10)));
  }
  await writeFile(join(folder, 'test_batch.bin'), handMadeRecords([3, 8]));
  if (meta !== undefined) await writeFile(join(folder, 'batches.meta.txt'), meta);
}

describe('CIFAR-10 batch reader', () => {
  it('converts planar CHW records to interleaved HWC', async () => {
    const path = join(dir, 'known.bin');
    await writeFile(path, handMadeRecords([6, 9]));
    const batch = await readCifarBatch(path);
    expect(batch.count).toBe(2);
    expect(Array.from(batch.labels)).toEqual([6, 9]);
    // A known pixel: record 1, row 5, column 17, each channel.
    for (let c = 0; c < 3; c++) expect(batch.pixels[3072 + (5 * 32 + 17) * 3 + c]).toBe(valueAt(1, 5, 17, c));
    // And every pixel.
    let wrong = 0;
    for (let r = 0; r < 2; r++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          for (let c = 0; c < 3; c++) if (batch.pixels[r * 3072 + (y * 32 + x) * 3 + c] !== valueAt(r, y, x, c)) wrong++;
    expect(wrong).toBe(0);
  });

  it('writes what it reads', async () => {
    const bytes = handMadeRecords([0, 1, 2]);
    expect(encodeCifarBatch(parseCifarBatch(bytes, 'mem'))).toEqual(bytes);
    const path = join(dir, 'written.bin');
    await writeCifarBatch(path, parseCifarBatch(bytes, 'mem'));
    expect((await readCifarBatch(path)).pixels).toEqual(parseCifarBatch(bytes, 'mem').pixels);
  });

  it('rejects a size that is not a whole number of records', async () => {
    const path = join(dir, 'data_batch_cut.bin');
    await writeFile(path, handMadeRecords([1, 2]).subarray(0, 3073 + 100));
    expect(await inputErrorOf(readCifarBatch(path))).toContain(
      'data_batch_cut.bin: truncated or not CIFAR-10: 3173 bytes is not a multiple of the 3073-byte record (1 whole records and 100 bytes left over)',
    );
    const empty = join(dir, 'empty.bin');
    await writeFile(empty, new Uint8Array(0));
    expect(await inputErrorOf(readCifarBatch(empty))).toContain('empty.bin: empty file');
  });

  it('rejects a label above 9, naming the record', async () => {
    const path = join(dir, 'bad_label.bin');
    await writeFile(path, handMadeRecords([4, 10, 2]));
    expect(await inputErrorOf(readCifarBatch(path))).toContain('bad_label.bin: label 10 in record 1 is out of range 0..9');
  });
});

describe('CIFAR-10 folder', () => {
  it('joins the five training batches in order and reads the test batch and class names', async () => {
    const folder = join(dir, 'full');
    await writeCifarFolder(folder, 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n');
    const { train, test, classNames } = await readCifar10(folder);
    expect(train.count).toBe(1 + 2 + 3 + 4 + 5);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 2, 3, 4, 3, 4, 5, 6, 4, 5, 6, 7, 8]);
    // Record 0 of data_batch_3 is item 1 + 2 = 3 of the joined set.
    expect(train.pixels[3 * 3072 + (31 * 32 + 31) * 3 + 2]).toBe(valueAt(0, 31, 31, 2));
    expect(Array.from(test.labels)).toEqual([3, 8]);
    expect(classNames).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
  });

  it("finds the archive's cifar-10-batches-bin folder and uses the standard names without a meta file", async () => {
    const top = join(dir, 'archive');
    await writeCifarFolder(join(top, 'cifar-10-batches-bin'));
    const { train, classNames } = await readCifar10(top);
    expect(train.count).toBe(15);
    expect(classNames).toEqual(CIFAR10_CLASS_NAMES);
  });

  it('names a missing batch file', async () => {
    const folder = join(dir, 'missing');
    await writeCifarFolder(folder);
    await unlink(join(folder, 'data_batch_3.bin'));
    expect(await inputErrorOf(readCifar10(folder))).toBe(`${join(folder, 'data_batch_3.bin')}: file not found`);
  });

  it('rejects a meta file without 10 class names', async () => {
    const folder = join(dir, 'badmeta');
    await writeCifarFolder(folder, 'cat\ndog\n');
    expect(await inputErrorOf(readCifar10(folder))).toContain('batches.meta.txt: expected 10 class names, one a line, found 2');
  });

  it('loads as a normalised split whose test set uses the training mean/std', async () => {
    const folder = join(dir, 'load');
    await writeCifarFolder(folder);
    const split = await loadDataset({ kind: 'cifar10', dir: folder });
    expect([split.train.count, split.test.count]).toEqual([15, 2]);
    expect([split.train.height, split.train.width, split.train.channels, split.train.classes]).toEqual([32, 32, 3, 10]);
    expect(split.test.mean).toEqual(split.train.mean);
    expect(split.test.std).toEqual(split.train.std);
    // Channel means from the pixels by hand.
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let i = c; i < split.train.pixels.length; i += 3) sum += split.train.pixels[i]! / 255;
      expect(split.train.mean[c]).toBeCloseTo(sum / (15 * 1024), 10);
    }
    expect(split.train.augmentation).toEqual({ padding: 4, flip: true });
    expect(await inputErrorOf(loadDataset({ kind: 'cifar10', dir: join(dir, 'no-such-dir') }))).toBe(
      `${join(dir, 'no-such-dir')}: cifar10 data directory not found`,
    );
  });
});
