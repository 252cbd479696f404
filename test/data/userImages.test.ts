/**
 * The user's images for classification, on real files: Fashion-MNIST items written as PNG and
 * JPEG into the ImageFolder convention and into manifests, decoded once into the cache and read
 * back a batch at a time.
 */
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadDataset } from '../../src/data/load.ts';
import { NO_LABEL, type ImageSet } from '../../src/data/imageSet.ts';
import { toAugmentedBatch, toBatch } from '../../src/data/normalize.ts';
import { loadUserImages } from '../../src/data/userImages.ts';
import { decodeImage } from '../../src/data/imageDecode.ts';
import { tempDir, writeImageFolder, writeItemImage } from '../support/imageFiles.ts';

let train: ImageSet;
let test: ImageSet;
const work = tempDir('user-images');
const folder = join(work, 'folder');
const names = (label: number): string => `c${label}`;
let trainFiles: string[];
let unlabeledFiles: string[];
const trainIds = Array.from({ length: 30 }, (_, k) => k);
const unlabeledIds = Array.from({ length: 12 }, (_, k) => 1000 + k);
const testIds = Array.from({ length: 16 }, (_, k) => k);
const size = { size: 28, channels: 1 as const };

beforeAll(async () => {
  ({ train, test } = await loadDataset({ kind: 'embedded' }));
  trainFiles = await writeImageFolder(train, trainIds, folder, 'train', names);
  unlabeledFiles = await writeImageFolder(train, unlabeledIds, folder, 'unlabeled');
  await writeImageFolder(test, testIds, folder, 'test', names);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('an image folder (train/<class>/, unlabeled/, test/<class>/)', () => {
  it('should give a pool of the training then the unlabeled images, with the class folders as sorted classes', async () => {
    const data = await loadUserImages(folder, { ...size, cacheDir: join(work, 'cache-a') });
    try {
      const present = [...new Set(trainIds.map((id) => train.labels[id]!))].sort((a, b) => a - b).map(names);
      expect(data.classNames).toEqual(present);
      expect(data.split.train.count).toBe(trainIds.length + unlabeledIds.length);
      expect(data.split.test.count).toBe(testIds.length);
      expect(data.unlabeled).toBe(unlabeledIds.length);
      expect(data.given).toHaveLength(trainIds.length);
      // Every given label is the class folder the file was written into.
      for (const [id, label] of data.given) {
        const k = trainFiles.indexOf(data.poolNames[id]!);
        expect(data.classNames[label]).toBe(names(train.labels[trainIds[k]!]!));
      }
      for (let id = trainIds.length; id < data.split.train.count; id++) {
        expect(data.split.train.labels[id]).toBe(NO_LABEL);
        expect(unlabeledFiles).toContain(data.poolNames[id]);
      }
    } finally {
      data.close();
    }
  });

  it('should read back the exact bytes of a PNG written at its own size, and bytes within JPEG error of the others', async () => {
    const data = await loadUserImages(folder, { ...size, cacheDir: join(work, 'cache-a') });
    try {
      const set = data.split.train;
      const inMemory = { ...train, mean: set.mean, std: set.std };
      let exact = 0;
      for (let k = 0; k < trainIds.length; k++) {
        const id = data.poolNames.indexOf(trainFiles[k]!);
        const got = toBatch(set, [id]);
        const want = toBatch(inMemory, [trainIds[k]!]);
        const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0) * set.std[0]! * 255;
        // item-00000.png, item-00006.png, …: PNG at scale 1 (see writeImageFolder) → lossless.
        if (k % 6 === 0) {
          expect(worst).toBeLessThan(1e-3);
          exact++;
        } else expect(worst).toBeLessThan(120);
      }
      expect(exact).toBe(5);
    } finally {
      data.close();
    }
  });

  it('should decode once: a second load of the same files decodes nothing, a changed file decodes again', async () => {
    const cacheDir = join(work, 'cache-b');
    const progress: number[] = [];
    const first = await loadUserImages(folder, { ...size, cacheDir, onProgress: (done, total) => progress.push(done / total) });
    first.close();
    const total = trainIds.length + unlabeledIds.length + testIds.length;
    expect(first.cache.decoded).toBe(total);
    // Progress counts every file once, up to the whole list.
    expect(progress).toHaveLength(total);
    expect(progress[progress.length - 1]).toBe(1);
    const second = await loadUserImages(folder, { ...size, cacheDir, onProgress: () => progress.push(-1) });
    second.close();
    expect(second.cache.decoded).toBe(0);
    expect(progress).not.toContain(-1);
    expect(second.cache.file).toBe(first.cache.file);
    // Another size is another cache.
    const bigger = await loadUserImages(folder, { size: 32, channels: 1, cacheDir });
    bigger.close();
    expect(bigger.cache.decoded).toBeGreaterThan(0);
    const touched = join(folder, unlabeledFiles[0]!);
    const later = new Date(Date.now() + 5000);
    utimesSync(touched, later, later);
    const third = await loadUserImages(folder, { ...size, cacheDir });
    third.close();
    expect(third.cache.decoded).toBe(first.cache.decoded);
  });

  it('should batch a set on disk exactly as the same bytes in memory, augmented or not', async () => {
    const data = await loadUserImages(folder, { ...size, cacheDir: join(work, 'cache-a') });
    try {
      const set = data.split.train;
      const per = 28 * 28;
      const pixels = new Uint8Array(set.count * per);
      for (let id = 0; id < set.count; id++) set.reader.read(id, pixels, id * per);
      const { reader: _reader, ...shape } = set;
      const memory: ImageSet = { ...shape, pixels };
      const ids = [5, 0, 41, 17, 17];
      expect(toBatch(set, ids)).toEqual(toBatch(memory, ids));
      const rng = (): (() => number) => {
        let s = 7;
        return () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
      };
      expect(toAugmentedBatch(set, ids, { padding: 3, flip: true }, rng())).toEqual(toAugmentedBatch(memory, ids, { padding: 3, flip: true }, rng()));
    } finally {
      data.close();
    }
  });
});

describe('a manifest', () => {
  it('should read a CSV and a JSONL manifest of the same files to the same pool, labels and test set', async () => {
    const firstTest = names(test.labels[testIds[0]!]!);
    const rows = [
      ...trainFiles.map((f, k) => ({ path: `folder/${f}`, label: names(train.labels[trainIds[k]!]!), split: 'train' })),
      ...unlabeledFiles.map((f) => ({ path: `folder/${f}`, label: '', split: '' })),
      { path: `folder/test/${firstTest}/item-00000.png`, label: firstTest, split: 'test' },
    ];
    const csv = join(work, 'labels.csv');
    writeFileSync(csv, ['path,label,split', ...rows.map((r) => `${r.path},${r.label},${r.split}`)].join('\n'));
    const jsonl = join(work, 'labels.jsonl');
    writeFileSync(jsonl, rows.map((r) => JSON.stringify(r.label === '' ? { path: r.path } : r)).join('\n'));
    const a = await loadUserImages(csv, { ...size, cacheDir: join(work, 'cache-m') });
    const b = await loadUserImages(jsonl, { ...size, cacheDir: join(work, 'cache-m') });
    a.close();
    b.close();
    for (const data of [a, b]) {
      expect(data.split.train.count).toBe(trainFiles.length + unlabeledFiles.length);
      expect(data.split.test.count).toBe(1);
      expect(data.unlabeled).toBe(unlabeledFiles.length);
    }
    expect(b.given).toEqual(a.given);
    expect(b.poolNames).toEqual(a.poolNames);
    // The same files as the folder: the second manifest found the first one's cache.
    expect(b.cache.decoded).toBe(0);
  });
});

describe('decoding', () => {
  it('should give any channel count and size the channels and size asked for', async () => {
    const rgba = join(work, 'rgba.png');
    writeFileSync(rgba, await sharp({ create: { width: 50, height: 30, channels: 4, background: { r: 250, g: 10, b: 10, alpha: 0.5 } } }).png().toBuffer());
    const grey = join(work, 'grey.webp');
    await writeItemImage(train, 3, grey, 2);
    for (const path of [rgba, grey]) {
      for (const channels of [1, 3] as const) {
        const image = await decodeImage(path, 20, channels);
        expect(image.bytes.length).toBe(20 * 20 * channels);
      }
    }
    // The alpha channel is dropped (within a level of rounding through premultiplied resizing).
    const red = await decodeImage(rgba, 4, 3);
    Array.from(red.bytes.subarray(0, 3)).forEach((v, c) => expect(Math.abs(v - [250, 10, 10][c]!)).toBeLessThanOrEqual(2));
    expect([red.width, red.height]).toEqual([50, 30]);
    // The original size is the file's (the item was written at twice its 28 pixels).
    expect((await decodeImage(grey, 20, 1)).width).toBe(56);
    expect(readFileSync(grey).subarray(8, 12).toString()).toBe('WEBP');
  });
});
