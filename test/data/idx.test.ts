import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeIdx,
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
  readIdxPair,
  writeIdx,
} from '../../src/data/idx.ts';
import { InputError } from '../../src/inputError.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll4al-idx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A header of the given magic number and dimensions followed by `dataBytes` bytes. */
function rawIdx(magic: number, dims: number[], dataBytes: number): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + dataBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < dataBytes; i++) out[4 + 4 * dims.length + i] = (i * 31) % 256;
  return out;
}

/** The InputError a promise rejects with; fails the test when it resolves or throws something else. */
async function inputErrorOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  const message = (e as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('IDX round trip', () => {
  test.prop([
    fc.integer({ min: 0, max: 6 }),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  ])('should read back exactly the images and labels it encoded', (count, height, width, seed) => {
    const pixels = new Uint8Array(count * height * width).map((_, i) => (i * 131 + seed) % 256);
    const labels = new Uint8Array(count).map((_, i) => (i + seed) % 10);
    const images = parseIdxImages(encodeIdx({ kind: 'images', count, height, width, pixels }), 'mem');
    expect([images.count, images.height, images.width]).toEqual([count, height, width]);
    expect(Array.from(images.pixels)).toEqual(Array.from(pixels));
    expect(Array.from(parseIdxLabels(encodeIdx({ kind: 'labels', labels }), 'mem', 10))).toEqual(Array.from(labels));
  });

  for (const name of ['images-idx3-ubyte', 'images-idx3-ubyte.gz']) {
    it(`writes and reads a ${name.endsWith('.gz') ? 'gzip-compressed' : 'raw'} file`, async () => {
      const pixels = new Uint8Array(3 * 4 * 5).map((_, i) => (i * 7) % 256);
      const labels = Uint8Array.of(9, 0, 4);
      const imagesPath = join(dir, name);
      const labelsPath = join(dir, name.replace('images-idx3', 'labels-idx1'));
      await writeIdx(imagesPath, { kind: 'images', count: 3, height: 4, width: 5, pixels });
      await writeIdx(labelsPath, { kind: 'labels', labels });
      const { images, labels: read } = await readIdxPair(imagesPath, labelsPath);
      expect([images.count, images.height, images.width]).toEqual([3, 4, 5]);
      expect(Array.from(images.pixels)).toEqual(Array.from(pixels));
      expect(Array.from(read)).toEqual([9, 0, 4]);
    });
  }

  it('writes gzip only when the name ends in .gz', async () => {
    const { readFile } = await import('node:fs/promises');
    await writeIdx(join(dir, 'a.gz'), { kind: 'labels', labels: Uint8Array.of(1) });
    await writeIdx(join(dir, 'a'), { kind: 'labels', labels: Uint8Array.of(1) });
    expect(Array.from((await readFile(join(dir, 'a.gz'))).subarray(0, 2))).toEqual([0x1f, 0x8b]);
    expect(Array.from(await readFile(join(dir, 'a')))).toEqual([0, 0, 8, 1, 0, 0, 0, 1, 1]);
  });
});

describe('IDX bad files', () => {
  it('names the file and the sizes when the image data is truncated', async () => {
    const path = join(dir, 'train-images-idx3-ubyte.gz');
    await writeFile(path, gzipSync(rawIdx(0x803, [60000, 28, 28], 1000)));
    const message = await inputErrorOf(readIdxImages(path));
    expect(message).toContain('train-images-idx3-ubyte.gz: truncated: header says 60000 images of 28x28 (47040000 bytes)');
    expect(message).toContain('holds 1000 bytes');
  });

  it('names a label file given where images are expected by its magic number', async () => {
    const path = join(dir, 'swapped-idx3-ubyte');
    await writeFile(path, rawIdx(0x801, [4], 4));
    const message = await inputErrorOf(readIdxImages(path));
    expect(message).toMatch(/swapped-idx3-ubyte: wrong magic number 0x00000801 .*label.* expected 0x00000803/);
  });

  it('rejects an unknown magic number in a label file', async () => {
    const path = join(dir, 'junk-labels');
    await writeFile(path, Buffer.from('PK\x03\x04 this is a zip file'));
    const message = await inputErrorOf(readIdxLabels(path));
    expect(message).toContain('junk-labels: wrong magic number 0x504b0304');
    expect(message).toContain('expected 0x00000801');
  });

  it('rejects a file too short for its header', async () => {
    const tiny = join(dir, 'tiny');
    await writeFile(tiny, Uint8Array.of(0, 0));
    expect(await inputErrorOf(readIdxImages(tiny))).toContain('tiny: truncated: 2 bytes, too short for an IDX header');
    const cut = join(dir, 'cut-header');
    await writeFile(cut, rawIdx(0x803, [10, 28, 28], 0).subarray(0, 10));
    expect(await inputErrorOf(readIdxImages(cut))).toContain('cut-header: truncated: the header needs 16 bytes but the file holds 10 bytes');
  });

  it('rejects data longer than the header says', async () => {
    const path = join(dir, 'long-labels');
    await writeFile(path, rawIdx(0x801, [3], 5));
    const message = await inputErrorOf(readIdxLabels(path, 256));
    expect(message).toContain('long-labels: unexpected trailing data: header says 3 labels (3 bytes) but the file holds 5 bytes');
  });

  it('rejects images of unexpected or empty dimensions', async () => {
    const path = join(dir, 'cifar-sized');
    await writeFile(path, rawIdx(0x803, [2, 32, 32], 2 * 32 * 32));
    expect(await inputErrorOf(readIdxImages(path, { height: 28, width: 28 }))).toContain(
      'cifar-sized: unexpected dimensions 32x32, expected 28x28',
    );
    const empty = join(dir, 'zero-width');
    await writeFile(empty, rawIdx(0x803, [2, 28, 0], 0));
    expect(await inputErrorOf(readIdxImages(empty))).toContain('zero-width: unexpected dimensions 28x0');
  });

  it('rejects a label outside the classes, naming label and index', async () => {
    const path = join(dir, 'labels-out-of-range');
    await writeIdx(path, { kind: 'labels', labels: Uint8Array.of(0, 9, 10, 3) });
    expect(await inputErrorOf(readIdxLabels(path, 10))).toContain(
      'labels-out-of-range: label 10 at index 2 is out of range 0..9',
    );
  });

  it('rejects image and label files of different counts, naming both', async () => {
    const images = join(dir, 'five-images');
    const labels = join(dir, 'four-labels');
    await writeIdx(images, { kind: 'images', count: 5, height: 2, width: 2, pixels: new Uint8Array(20) });
    await writeIdx(labels, { kind: 'labels', labels: new Uint8Array(4) });
    const message = await inputErrorOf(readIdxPair(images, labels));
    expect(message).toContain('four-labels: count mismatch: it holds 4 labels but');
    expect(message).toContain('five-images holds 5 images');
  });

  it('rejects corrupt gzip data', async () => {
    const path = join(dir, 'cut.gz');
    const gz = gzipSync(rawIdx(0x803, [100, 28, 28], 100 * 784));
    await writeFile(path, gz.subarray(0, gz.length >> 1));
    expect(await inputErrorOf(readIdxImages(path))).toMatch(/cut\.gz: corrupt gzip data \(.+\)/);
  });

  it('names a missing file and a directory given as a file', async () => {
    expect(await inputErrorOf(readIdxImages(join(dir, 'nowhere.gz')))).toBe(`${join(dir, 'nowhere.gz')}: file not found`);
    expect(await inputErrorOf(readIdxLabels(dir))).toBe(`${dir}: is a directory, expected a file`);
  });
});
