import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_PER_CLASS, embeddedIds } from '../../src/data/embeddedSubset.ts';
import { readIdxPair, writeIdx } from '../../src/data/idx.ts';
import type { ImageSet } from '../../src/data/imageSet.ts';
import { EMBEDDED_DATA_DIR, FASHION_MNIST_CLASS_NAMES, labelsOf, loadDataset } from '../../src/data/load.ts';
import { toBatch } from '../../src/data/normalize.ts';
import { InputError } from '../../src/inputError.ts';

const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
const haveDebianData = existsSync(join(DEBIAN_DIR, 'train-images-idx3-ubyte.gz'));

const perClass = (set: ImageSet): number[] => {
  const counts = new Array<number>(set.classes).fill(0);
  set.labels.forEach((l) => counts[l]!++);
  return counts;
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll4al-load-'));
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

describe('embedded Fashion-MNIST', () => {
  it('holds 10,000 training and 2,000 test items, exactly 1,000 and 200 of each class', async () => {
    const { name, train, test } = await loadDataset({ kind: 'embedded' });
    expect(name).toBe('fashion-mnist-embedded');
    expect([train.count, test.count]).toEqual([10_000, 2_000]);
    expect(perClass(train)).toEqual(new Array(10).fill(1000));
    expect(perClass(test)).toEqual(new Array(10).fill(200));
    expect([train.height, train.width, train.channels, train.classes]).toEqual([28, 28, 1, 10]);
    expect(train.pixels.length).toBe(10_000 * 784);
    expect(train.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
    expect(train.augmentation).toEqual({ padding: 2, flip: true });
    // Fashion-MNIST's mean and std of pixel/255 are about 0.286 and 0.353.
    expect(train.mean[0]).toBeGreaterThan(0.27);
    expect(train.mean[0]).toBeLessThan(0.3);
    expect(train.std[0]).toBeGreaterThan(0.34);
    expect(train.std[0]).toBeLessThan(0.37);
    // The test split is normalised with the training statistics.
    expect(test.mean).toEqual(train.mean);
    expect(test.std).toEqual(train.std);
    const batch = toBatch(train, Array.from({ length: train.count }, (_, i) => i));
    let sum = 0;
    let sq = 0;
    for (const v of batch) {
      sum += v;
      sq += v * v;
    }
    expect(Math.abs(sum / batch.length)).toBeLessThan(1e-4);
    expect(Math.sqrt(sq / batch.length)).toBeCloseTo(1, 3);
  });

  it('is found from any working directory', async () => {
    expect(isAbsolute(EMBEDDED_DATA_DIR)).toBe(true);
    expect(EMBEDDED_DATA_DIR).toMatch(/data[\\/]fashion-mnist-embedded[\\/]?$/);
    const cwd = process.cwd();
    try {
      process.chdir(tmpdir());
      for (const file of ['README.md', 'train-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
        expect(existsSync(join(EMBEDDED_DATA_DIR, file))).toBe(true);
      }
    } finally {
      process.chdir(cwd);
    }
  });

  it('is read once per process', async () => {
    expect(await loadDataset({ kind: 'embedded' })).toBe(await loadDataset({ kind: 'embedded' }));
  });

  it.skipIf(!haveDebianData)('is exactly the seeded stratified draw from the Debian package files', async () => {
    const embedded = await loadDataset({ kind: 'embedded' });
    for (const split of ['train', 'test'] as const) {
      const prefix = split === 'train' ? 'train' : 't10k';
      const source = await readIdxPair(
        join(DEBIAN_DIR, `${prefix}-images-idx3-ubyte.gz`),
        join(DEBIAN_DIR, `${prefix}-labels-idx1-ubyte.gz`),
      );
      const ids = embeddedIds(source.labels, split);
      const set = embedded[split];
      expect(ids.length).toBe(10 * EMBEDDED_PER_CLASS[split]);
      let wrong = 0;
      ids.forEach((id, k) => {
        if (set.labels[k] !== source.labels[id]) wrong++;
        const a = set.pixels.subarray(k * 784, (k + 1) * 784);
        const b = source.images.pixels.subarray(id * 784, (id + 1) * 784);
        if (Buffer.compare(a, b) !== 0) wrong++;
      });
      expect(wrong).toBe(0);
    }
  });
});

describe('loadDataset from a folder', () => {
  it.skipIf(!haveDebianData)('reads the full Fashion-MNIST from the Debian package', async () => {
    const started = performance.now();
    const { train, test } = await loadDataset({ kind: 'fashion-mnist', dir: DEBIAN_DIR });
    const ms = performance.now() - started;
    console.log(`full Fashion-MNIST loaded in ${ms.toFixed(0)} ms`);
    expect([train.count, test.count]).toEqual([60_000, 10_000]);
    expect(perClass(train)).toEqual(new Array(10).fill(6000));
    expect(train.mean[0]).toBeCloseTo(0.2860406, 6);
    expect(train.std[0]).toBeCloseTo(0.3530242, 6);
  });

  it('reads MNIST-named IDX files, raw or .gz, with digit class names', async () => {
    const folder = join(dir, 'mnist');
    await mkdir(folder);
    const pixels = new Uint8Array(3 * 784).map((_, i) => i % 256);
    await writeIdx(join(folder, 'train-images-idx3-ubyte.gz'), { kind: 'images', count: 3, height: 28, width: 28, pixels });
    await writeIdx(join(folder, 'train-labels-idx1-ubyte'), { kind: 'labels', labels: Uint8Array.of(7, 1, 7) });
    await writeIdx(join(folder, 't10k-images-idx3-ubyte'), { kind: 'images', count: 1, height: 28, width: 28, pixels: new Uint8Array(784) });
    await writeIdx(join(folder, 't10k-labels-idx1-ubyte.gz'), { kind: 'labels', labels: Uint8Array.of(4) });
    const { name, train, test } = await loadDataset({ kind: 'mnist', dir: folder });
    expect(name).toBe('mnist');
    expect([train.count, test.count]).toEqual([3, 1]);
    expect(labelsOf(train)).toEqual(['7', '1', '7']);
    expect(train.augmentation).toEqual({ padding: 2, flip: false });
    expect(train.pixels[784 + 5]).toBe((784 + 5) % 256);
  });

  it('names a missing folder, a file given as folder, and a missing file', async () => {
    const nowhere = join(dir, 'nowhere');
    expect(await inputErrorOf(loadDataset({ kind: 'fashion-mnist', dir: nowhere }))).toBe(
      `${nowhere}: fashion-mnist data directory not found`,
    );
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    expect(await inputErrorOf(loadDataset({ kind: 'mnist', dir: file }))).toContain(`${file}: expected a directory`);
    const partial = join(dir, 'partial');
    await mkdir(partial);
    await writeIdx(join(partial, 'train-images-idx3-ubyte.gz'), { kind: 'images', count: 0, height: 28, width: 28, pixels: new Uint8Array(0) });
    expect(await inputErrorOf(loadDataset({ kind: 'fashion-mnist', dir: partial }))).toContain(
      `${join(partial, 'train-labels-idx1-ubyte')}.gz: file not found (nor train-labels-idx1-ubyte without .gz)`,
    );
  });

  it('rejects images that are not 28x28, naming the file', async () => {
    const folder = join(dir, 'wrong-size');
    await mkdir(folder);
    for (const prefix of ['train', 't10k']) {
      await writeIdx(join(folder, `${prefix}-images-idx3-ubyte.gz`), { kind: 'images', count: 1, height: 32, width: 32, pixels: new Uint8Array(1024) });
      await writeIdx(join(folder, `${prefix}-labels-idx1-ubyte.gz`), { kind: 'labels', labels: Uint8Array.of(0) });
    }
    expect(await inputErrorOf(loadDataset({ kind: 'fashion-mnist', dir: folder }))).toMatch(
      /-images-idx3-ubyte\.gz: unexpected dimensions 32x32, expected 28x28$/,
    );
  });
});

describe('labelsOf', () => {
  it('names the classes of chosen items', async () => {
    const { test } = await loadDataset({ kind: 'embedded' });
    const names = labelsOf(test, [0, 1]);
    expect(names).toEqual([FASHION_MNIST_CLASS_NAMES[test.labels[0]!], FASHION_MNIST_CLASS_NAMES[test.labels[1]!]]);
  });
});
