/**
 * Every bad-data case of the user's images and COCO files: one InputError line naming the file
 * and the field, and nothing half-imported (no cache left behind by a failed decode); with
 * skipBad, undecodable files are listed and left out.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectionSplit, type DetectionSet } from '../../src/data/detectionCanvas.ts';
import { keypointSplit, type KeypointSet } from '../../src/data/keypointCanvas.ts';
import { loadDataset } from '../../src/data/load.ts';
import type { ImageSet } from '../../src/data/imageSet.ts';
import { loadCocoDetection, loadCocoKeypoints } from '../../src/data/userCoco.ts';
import { loadUserImages } from '../../src/data/userImages.ts';
import { readCocoFile } from '../../src/data/cocoFile.ts';
import { InputError } from '../../src/inputError.ts';
import { tempDir, writeCocoDetection, writeCocoKeypoints, writeImageFolder } from '../support/imageFiles.ts';

const work = tempDir('bad-data');
let train: ImageSet;
let canvases: DetectionSet;
let people: KeypointSet;
const opts = (cacheDir: string) => ({ size: 28, channels: 1 as const, cacheDir });

beforeAll(async () => {
  const split = await loadDataset({ kind: 'embedded' });
  train = split.train;
  canvases = detectionSplit(split, { seed: 3, trainCount: 6, testCount: 1 }).train;
  people = keypointSplit(split, { seed: 3, trainCount: 4, testCount: 1 }).train;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The InputError a promise rejects with (failing when it resolves or throws something else). */
const inputError = async (promise: Promise<unknown> | (() => unknown)): Promise<string> => {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('expected an InputError, got none');
};

/** A folder of 6 labeled items in two classes; returns its path. */
const smallFolder = async (name: string): Promise<string> => {
  const dir = join(work, name);
  await writeImageFolder(train, [0, 1, 2, 3, 4, 5], dir, 'train', (label) => (label % 2 === 0 ? 'even' : 'odd'));
  return dir;
};

describe('image folders and manifests', () => {
  it('should name a corrupt image and leave no cache behind; with skipBad list it and go on', async () => {
    const dir = await smallFolder('corrupt');
    const bad = join(dir, 'train', 'even', 'broken.png');
    writeFileSync(bad, Buffer.from('this is not a PNG file at all'));
    const cacheDir = join(work, 'corrupt-cache');
    const message = await inputError(loadUserImages(dir, opts(cacheDir)));
    expect(message).toMatch(new RegExp(`^${bad}: not a readable image \\(.+\\); fix or remove it, or pass --skip-bad-images to leave it out$`));
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
    const data = await loadUserImages(dir, { ...opts(cacheDir), skipBad: true });
    data.close();
    expect(data.skipped.map((b) => b.path)).toEqual([bad]);
    expect(data.split.train.count).toBe(6);
    expect(data.poolFiles).not.toContain(bad);
    // The cache remembers the bad file: without skipBad the next run stops at it again.
    expect(await inputError(loadUserImages(dir, opts(cacheDir)))).toContain(bad);
  });

  it('should name a truncated image and a dangling link', async () => {
    const dir = await smallFolder('truncated');
    const whole = join(dir, 'train', 'odd', readdirSync(join(dir, 'train', 'odd')).find((f) => f.endsWith('.png'))!);
    const cut = join(dir, 'train', 'odd', 'cut.png');
    copyFileSync(whole, cut);
    writeFileSync(cut, (await import('node:fs')).readFileSync(whole).subarray(0, 40));
    expect(await inputError(loadUserImages(dir, opts(join(work, 'truncated-cache'))))).toMatch(new RegExp(`^${cut}: not a readable image`));
    rmSync(cut);
    const link = join(dir, 'train', 'odd', 'gone.png');
    symlinkSync(join(dir, 'nowhere.png'), link);
    expect(await inputError(loadUserImages(dir, opts(join(work, 'truncated-cache'))))).toMatch(new RegExp(`^${link}: cannot read the file \\(ENOENT\\)`));
  });

  it('should name an empty class folder, an image outside a class folder, and a folder without images', async () => {
    const dir = await smallFolder('empty-class');
    mkdirSync(join(dir, 'train', 'nothing'));
    expect(await inputError(loadUserImages(dir, opts(join(work, 'c1'))))).toBe(`${join(dir, 'train', 'nothing')}: empty class folder (no PNG, JPEG or WebP file in it)`);
    rmSync(join(dir, 'train', 'nothing'), { recursive: true });
    const loose = join(dir, 'train', 'loose.png');
    copyFileSync(join(dir, 'train', 'even', readdirSync(join(dir, 'train', 'even'))[0]!), loose);
    expect(await inputError(loadUserImages(dir, opts(join(work, 'c1'))))).toMatch(new RegExp(`^${loose}: an image directly in train/`));
    const none = join(work, 'no-images');
    mkdirSync(none);
    writeFileSync(join(none, 'readme.txt'), 'hello');
    expect(await inputError(loadUserImages(none, opts(join(work, 'c1'))))).toBe(`${none}: no PNG, JPEG or WebP images in this folder (--data)`);
  });

  it('should need the class names when no image has a label, and refuse a folder class outside them', async () => {
    const dir = join(work, 'unlabeled-only');
    await writeImageFolder(train, [0, 1, 2], dir, 'unlabeled');
    expect(await inputError(loadUserImages(dir, opts(join(work, 'c2'))))).toMatch(/no image has a label, so the classes are unknown: name them with --classes/);
    const data = await loadUserImages(dir, { ...opts(join(work, 'c2')), classes: ['a', 'b'] });
    data.close();
    expect(data.classNames).toEqual(['a', 'b']);
    const labeled = await smallFolder('classes-given');
    expect(await inputError(loadUserImages(labeled, { ...opts(join(work, 'c2')), classes: ['even', 'other'] }))).toMatch(/unknown class "odd" \(field label\)/);
  });

  it('should name the line and field of each bad manifest row', async () => {
    const dir = await smallFolder('manifest');
    const file = readdirSync(join(dir, 'train', 'even'))[0]!;
    const path = `manifest/train/even/${file}`;
    const cases: Array<[string, string, RegExp]> = [
      ['a.csv', `path,label,split\n${path},cat,train\n${path},dog,train\n`, new RegExp(`^a.csv line 3: duplicate path "${path}" \\(field path\\), already listed at a.csv line 2$`)],
      ['b.csv', `path,label\n,cat\n`, /^b.csv line 2: field "path" is missing or empty$/],
      ['c.csv', `path,label,split\n${path},cat,validation\n`, /^c.csv line 2: field "split" is "validation", expected train, test or unlabeled$/],
      ['d.csv', `path,label,split\n${path},,test\n`, /^d.csv line 2: field "label" is missing for a test item$/],
      ['e.csv', `path,label\nmissing.png,cat\n`, /^e.csv line 2: field "path": file missing.png not found/],
      ['f.jsonl', `{"path":"${path}","label":"cat"}\n{"path":"manifest/train/odd/x.png", \n`, /^f.jsonl line 2: not JSON/],
      ['g.jsonl', `{"path":"${path}","label":"cat","split":"test"}\n`, /unknown class "cat" \(field label\)/],
    ];
    for (const [name, text, expected] of cases) {
      writeFileSync(join(work, name), text);
      const classes = name === 'g.jsonl' ? ['dog'] : undefined;
      expect(await inputError(loadUserImages(join(work, name), { ...opts(join(work, 'c3')), ...(classes === undefined ? {} : { classes }) }))).toMatch(expected);
    }
    // A test row whose class the training rows never show.
    writeFileSync(join(work, 'h.csv'), `path,label,split\n${path},cat,train\nmanifest/train/odd/${readdirSync(join(dir, 'train', 'odd'))[0]},dog,test\n`);
    expect(await inputError(loadUserImages(join(work, 'h.csv'), opts(join(work, 'c3'))))).toMatch(/^h.csv line 3: unknown class "dog" \(field label\).*the classes \(from the training items\) are cat$/);
  });
});

describe('COCO files', () => {
  const write = (name: string, content: unknown): string => {
    const path = join(work, 'coco', name);
    mkdirSync(join(work, 'coco'), { recursive: true });
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('should name the field of a file that is not COCO', async () => {
    const { coco } = await writeCocoDetection(canvases, join(work, 'coco'), 'good.json');
    expect(await inputError(() => readCocoFile(write('a.json', '[1, 2'), 'detection'))).toMatch(/^a.json: not a COCO file: not JSON/);
    expect(await inputError(() => readCocoFile(write('b.json', { images: 3, annotations: [], categories: [] }), 'detection'))).toBe('b.json: not a COCO file: field images is 3, expected Array<image>');
    const noWidth = { ...coco, images: coco.images.map((i, k) => (k === 2 ? { id: i.id, file_name: i.file_name, height: i.height } : i)) };
    expect(await inputError(() => readCocoFile(write('c.json', noWidth), 'detection'))).toBe('c.json: not a COCO file: field images[2].width is undefined, expected number');
    const badBox = { ...coco, annotations: coco.annotations.map((a, k) => (k === 1 ? { ...a, bbox: 'wide' } : a)) };
    expect(await inputError(() => readCocoFile(write('d.json', badBox), 'detection'))).toBe('d.json: not a COCO file: field annotations[1].bbox is "wide", expected Array<number>');
  });

  it('should name a box outside its image, a duplicate path, a missing file and an unknown category', async () => {
    const { coco } = await writeCocoDetection(canvases, join(work, 'coco'), 'boxes.json');
    const outside = { ...coco, annotations: coco.annotations.map((a, k) => (k === 0 ? { ...a, bbox: [100, 100, 40, 40] } : a)) };
    const first = coco.annotations[0] as { id: number; image_id: number };
    const image = coco.images.find((i) => i.id === first.image_id)!;
    expect(await inputError(() => readCocoFile(write('e.json', outside), 'detection'))).toBe(
      `e.json: annotations[0] (id ${first.id}): field bbox [100,100,40,40] lies outside its 128x128 image ${image.file_name}`,
    );
    const dup = { ...coco, images: [...coco.images, { ...coco.images[0]!, id: 9999 }] };
    expect(await inputError(() => readCocoFile(write('f.json', dup), 'detection'))).toBe(
      `f.json: images[${coco.images.length}] (id 9999, ${coco.images[0]!.file_name}): duplicate path (field file_name), already images[0]`,
    );
    const missing = { ...coco, images: coco.images.map((i, k) => (k === 1 ? { ...i, file_name: 'images/none.png' } : i)) };
    expect(await inputError(() => readCocoFile(write('g.json', missing), 'detection'))).toMatch(/^g.json: images\[1\] \(id \d+, images\/none.png\): field file_name: file .*none.png not found$/);
    const category = { ...coco, annotations: coco.annotations.map((a, k) => (k === 2 ? { ...a, category_id: 77 } : a)) };
    expect(await inputError(() => readCocoFile(write('h.json', category), 'detection'))).toMatch(/^h.json: annotations\[2\] \(id \d+\): field category_id 77 is not a category of the file$/);
  });

  it('should name a keypoint count that differs from the category, and a second person in an image', async () => {
    const path = await writeCocoKeypoints(people, join(work, 'coco'), 'people.json');
    const coco = JSON.parse((await import('node:fs')).readFileSync(path, 'utf8')) as { annotations: Array<{ keypoints: number[]; image_id: number }> };
    const short = { ...coco, annotations: coco.annotations.map((a, k) => (k === 1 ? { ...a, keypoints: a.keypoints.slice(0, 12) } : a)) };
    expect(await inputError(() => readCocoFile(write('i.json', short), 'keypoints'))).toBe(
      'i.json: annotations[1] (id 2): field keypoints has 12 values (4 points); category garment names 5 keypoints (15 values)',
    );
    const twice = { ...coco, annotations: [...coco.annotations, { ...coco.annotations[0]!, id: 99 }] };
    expect(await inputError(() => readCocoFile(write('j.json', twice), 'keypoints'))).toMatch(/^j.json: annotations\[4\] \(id 99\): image .* has a second person/);
    expect(readCocoFile(path, 'keypoints').keypointNames).toHaveLength(5);
    const noKeypoints = { ...coco, categories: [{ id: 1, name: 'garment' }] };
    expect(await inputError(() => readCocoFile(write('k.json', noKeypoints), 'keypoints'))).toBe('k.json: field categories[0].keypoints is missing: not a person_keypoints-style file');
  });

  it('should refuse sizes that are not the files\', and load images without annotations as the unlabeled pool', async () => {
    const { coco } = await writeCocoDetection(canvases, join(work, 'coco'), 'sizes.json', 2, new Set([0, 1]));
    const wrong = write('l.json', { ...coco, images: coco.images.map((i, k) => (k === 3 ? { ...i, width: 64 } : i)) });
    expect(await inputError(loadCocoDetection(wrong, { size: 64, channels: 1, cacheDir: join(work, 'c4') }))).toBe(
      `l.json: image ${coco.images[3]!.id} (${coco.images[3]!.file_name}): fields width and height say 64x128, the file is 128x128`,
    );
    const data = await loadCocoDetection(join(work, 'coco', 'sizes.json'), { size: 64, channels: 1, cacheDir: join(work, 'c4') });
    data.close();
    expect(data.unlabeled).toBe(2);
    expect(data.given.map(([id]) => id)).toEqual([2, 3, 4, 5]);
    // Boxes come back at the input size: the canvases' own boxes (written at twice the size).
    const [id, label] = data.given[0]!;
    const b = canvases.boxStart[id]!;
    expect(label[0]!.box.map((v) => Math.round(v * 1000) / 1000)).toEqual(Array.from(canvases.boxes.subarray(4 * b, 4 * b + 4)));
    const kp = await loadCocoKeypoints(await writeCocoKeypoints(people, join(work, 'coco'), 'kp.json', 2, new Set([3]), new Set([0])), { size: 48, channels: 1, cacheDir: join(work, 'c4') });
    kp.close();
    expect(kp.unlabeled).toBe(1);
    expect(kp.given[0]![1][4]).toBeNull();
    expect(kp.given[0]![1][0]![0]).toBeCloseTo(people.keypoints[0]!, 3);
  });
});
