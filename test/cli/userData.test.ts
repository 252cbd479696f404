/**
 * `ll4al run` and `ll4al export` on the user's own data, as a user runs them (child processes of
 * the CLI from source): Fashion-MNIST items written as PNG and JPEG into an image folder, and
 * detection and keypoint canvases written with COCO files, at a tiny size.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCocoFile } from '../../src/data/cocoFile.ts';
import { detectionSplit } from '../../src/data/detectionCanvas.ts';
import { keypointSplit } from '../../src/data/keypointCanvas.ts';
import { loadDataset } from '../../src/data/load.ts';
import type { DataSplit } from '../../src/data/imageSet.ts';
import { loadUserImages } from '../../src/data/userImages.ts';
import { cliArgs, repoRoot } from '../support/cli.ts';
import { tempDir, writeCocoDetection, writeCocoKeypoints, writeImageFolder } from '../support/imageFiles.ts';

const root = repoRoot;
const args = (rest: string[]): string[] => [...cliArgs, ...rest];
const ll4al = (rest: string[]) => spawnSync(process.execPath, args(rest), { cwd: root, encoding: 'utf8', env: { ...process.env, LL4AL_DEBUG: '' } });
const work = tempDir('cli-user');
const tiny = ['--channels', '1', '--image-size', '28', '--epochs', '1', '--backend', 'wasm'];
let split: DataSplit;
const className = (label: number): string => split.train.classNames![label]!.replace('/', '-');

const journal = (dir: string): Array<{ id: number; label: unknown; source: string; cycle: number }> =>
  readFileSync(join(dir, 'labels.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
const lastRow = (dir: string): Record<string, number> => {
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { cycles: Array<Record<string, number>> };
  return results.cycles[results.cycles.length - 1]!;
};

beforeAll(async () => {
  split = await loadDataset({ kind: 'embedded' });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('an image folder with labels (simulated oracle)', () => {
  it('should run to the expected labeled counts with a test accuracy in [0, 1], decode once, and export labels that read back the same', async () => {
    const data = join(work, 'labeled');
    await writeImageFolder(split.train, Array.from({ length: 60 }, (_, k) => k), data, 'train', className);
    await writeImageFolder(split.test, Array.from({ length: 30 }, (_, k) => k), data, 'test', className);
    const out = join(work, 'run-labeled');
    const run = ll4al(['run', '--data', data, ...tiny, '--cycles', '2', '--initial', '20', '--budget', '20', '--subset', '30', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('pool of 60 images (60 labeled, 0 unlabeled), test set of 30; 28x28x1');
    expect(run.stdout).toMatch(/decoded 90 images into the cache /);
    const labels = journal(out);
    expect(labels).toHaveLength(40);
    expect(new Set(labels.map((l) => l.id)).size).toBe(40);
    const row = lastRow(out);
    expect(row.labeled).toBe(40);
    expect(row.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(row.testAccuracy).toBeLessThanOrEqual(1);

    const again = ll4al(['run', '--data', data, ...tiny, '--cycles', '1', '--initial', '10', '--budget', '10', '--subset', '10', '--out', join(work, 'run-labeled-2')]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/read the cache .* \(nothing decoded\)/);

    // Export → read back as a manifest → the same label for every image.
    const csv = join(data, 'exported.csv');
    const exported = ll4al(['export', out, '--format', 'csv', '--out', csv]);
    expect(exported.status).toBe(0);
    const pool = JSON.parse(readFileSync(join(out, 'pool.json'), 'utf8')) as { names: string[]; classNames: string[] };
    const back = await loadUserImages(csv, { size: 28, channels: 1, classes: pool.classNames, cacheDir: join(work, 'cache-back') });
    back.close();
    const readBack = new Map(back.given.map(([id, label]) => [back.poolNames[id]!, back.classNames[label]!]));
    expect(readBack.size).toBe(40);
    for (const entry of labels) expect(readBack.get(pool.names[entry.id]!)).toBe(pool.classNames[entry.label as number]);
    const jsonl = ll4al(['export', out, '--format', 'jsonl']);
    expect(jsonl.stdout.trim().split('\n')).toHaveLength(40);
  });
});

describe('ll4al compare on a labeled image folder', () => {
  it('should run every strategy on the folder, decoding it once, and report both', async () => {
    const data = join(work, 'compare-folder');
    await writeImageFolder(split.train, Array.from({ length: 40 }, (_, k) => 600 + k), data, 'train', className);
    await writeImageFolder(split.test, Array.from({ length: 20 }, (_, k) => 100 + k), data, 'test', className);
    const out = join(work, 'compare');
    // 40 training images need not show every class the test images do: name them all.
    const classes = Array.from({ length: 10 }, (_, c) => className(c)).join(',');
    const run = ll4al(['compare', '--data', data, ...tiny, '--classes', classes, '--strategies', 'random,learning-loss', '--trials', '1', '--cycles', '2', '--initial', '10', '--budget', '10', '--subset', '20', '--parallel', '1', '--quiet', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { runs?: unknown[]; strategies?: unknown };
    expect(JSON.stringify(results)).toContain('learning-loss');
    for (const strategy of ['random', 'learning-loss']) {
      expect(journal(join(out, strategy, 'trial-1'))).toHaveLength(20);
      // Each run found the cache the comparison decoded before it started.
      expect(existsSync(join(out, strategy, 'trial-1', 'pool.json'))).toBe(true);
    }
    expect(readdirSync(join(data, '.ll4al-cache')).filter((f) => f.endsWith('.u8'))).toHaveLength(1);
  });
});

describe('an image folder without labels', () => {
  it('should refuse the simulated oracle in one line, before making a run directory', async () => {
    const data = join(work, 'photos');
    await writeImageFolder(split.train, Array.from({ length: 20 }, (_, k) => 200 + k), data, 'unlabeled');
    const out = join(work, 'run-refused');
    const run = ll4al(['run', '--data', data, ...tiny, '--classes', 'a,b', '--out', out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      'll4al: --oracle simulated answers from labels the data has, and 20 of the 20 pool images have none: label them by hand with --oracle file (DIR/queries.jsonl, answers in DIR/answers.jsonl)\n',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('should run with the file oracle: the labels the folder has start the labeled set, a person answers the rest, metrics off said once', async () => {
    const data = join(work, 'mixed');
    const labeledIds = Array.from({ length: 8 }, (_, k) => 300 + k);
    const unlabeledIds = Array.from({ length: 30 }, (_, k) => 400 + k);
    await writeImageFolder(split.train, labeledIds, data, 'train', (label) => `c${label}`);
    const files = await writeImageFolder(split.train, unlabeledIds, data, 'unlabeled');
    const classes = Array.from({ length: 10 }, (_, c) => `c${c}`);
    const out = join(work, 'run-file');
    const child = spawn(process.execPath, args(['run', '--data', data, ...tiny, '--classes', classes.join(','), '--oracle', 'file', '--cycles', '2', '--initial', '12', '--budget', '6', '--subset', '10', '--out', out]), {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // The person: answers each query with the item's true class, found from its file name.
    const answered = new Set<number>();
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    const start = Date.now();
    while (code === undefined && Date.now() - start < 150_000) {
      const queries = join(out, 'queries.jsonl');
      const pool = join(out, 'pool.json');
      if (existsSync(queries) && existsSync(pool)) {
        const names = (JSON.parse(readFileSync(pool, 'utf8')) as { names: string[] }).names;
        for (const line of readFileSync(queries, 'utf8').split('\n').filter((l) => l.endsWith('}'))) {
          const { id } = JSON.parse(line) as { id: number };
          if (answered.has(id)) continue;
          answered.add(id);
          const k = files.indexOf(names[id]!);
          expect(k).toBeGreaterThanOrEqual(0); // only unlabeled images are asked for
          // Half the answers give the class's index, half its name.
          const label = split.train.labels[unlabeledIds[k]!]!;
          appendFileSync(join(out, 'answers.jsonl'), `${JSON.stringify({ id, label: answered.size % 2 === 0 ? label : classes[label] })}\n`);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n').filter((l) => l.startsWith('no test set: metrics are off'))).toHaveLength(1);
    expect(stdout).toContain('pool of 38 items, 2 cycles; 8 labels came with the data (they count toward --initial)');
    expect(stdout).not.toContain('resuming');
    const labels = journal(out);
    expect(labels.filter((l) => l.source === 'given')).toHaveLength(8);
    expect(labels.filter((l) => l.source === 'file')).toHaveLength(4 + 6);
    // Names and indices alike are journaled as indices.
    expect(labels.every((l) => Number.isInteger(l.label))).toBe(true);
    expect(answered.size).toBe(10);
    const exported = ll4al(['export', out, '--format', 'jsonl']).stdout.trim().split('\n').map((l) => JSON.parse(l) as { path: string; label: string; source: string });
    expect(exported).toHaveLength(18);
    expect(exported.filter((e) => e.source === 'given').every((e) => e.path.startsWith('train/') && e.path.includes(`/${e.label}/`))).toBe(true);
  });
});

describe('COCO files', () => {
  it('should run detection on a COCO file with a test COCO file, and export COCO boxes at the original sizes', async () => {
    const dir = join(work, 'coco');
    const canvases = detectionSplit(split, { seed: 5, trainCount: 16, testCount: 8 });
    const { coco } = await writeCocoDetection(canvases.train, dir, 'train.json', 2);
    await writeCocoDetection(canvases.test, dir, 'test.json', 2);
    const out = join(work, 'run-coco');
    const run = ll4al(['run', '--task', 'detection', '--data', join(dir, 'train.json'), '--test-data', join(dir, 'test.json'), '--channels', '1', '--epochs', '1', '--backend', 'wasm', '--cycles', '2', '--initial', '6', '--budget', '4', '--subset', '8', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('pool of 16 images (16 labeled, 0 unlabeled), test set of 8; 64x64x1');
    const row = lastRow(out);
    expect(row.labeled).toBe(10);
    expect(row.mAP).toBeGreaterThanOrEqual(0);
    expect(row.mAP).toBeLessThanOrEqual(1);
    const file = join(work, 'exported-coco.json');
    expect(ll4al(['export', out, '--format', 'coco', '--out', file]).status).toBe(0);
    const back = readCocoFile(file, 'detection', dir);
    expect(back.images).toHaveLength(10);
    for (const image of back.images) {
      const original = coco.images.find((i) => i.file_name === image.fileName)!;
      expect([image.width, image.height]).toEqual([original.width, original.height]);
      const boxes = (coco.annotations as Array<{ image_id: number; bbox: number[] }>).filter((a) => a.image_id === original.id).map((a) => a.bbox);
      expect(image.objects).toHaveLength(boxes.length);
      image.objects.forEach((o, k) => {
        const [x, y, w, h] = boxes[k]!;
        [x, y, x + w, y + h].forEach((v, i) => expect(Math.abs(o.box[i]! - v!)).toBeLessThan(0.02));
      });
    }
  });

  it('should run keypoints on a person_keypoints-style COCO file to a PCK in [0, 1]', async () => {
    const dir = join(work, 'coco-kp');
    const canvases = keypointSplit(split, { seed: 5, trainCount: 12, testCount: 6 });
    const train = await writeCocoKeypoints(canvases.train, dir, 'train.json', 2, new Set(), new Set([0, 1]));
    const test = await writeCocoKeypoints(canvases.test, dir, 'test.json', 2, new Set(), new Set([0]));
    const out = join(work, 'run-kp');
    const run = ll4al(['run', '--task', 'keypoints', '--data', train, '--test-data', test, '--channels', '1', '--epochs', '1', '--backend', 'wasm', '--cycles', '1', '--initial', '8', '--budget', '4', '--subset', '4', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('keypoints: top-left, top-right, bottom-right, bottom-left, centre');
    const row = lastRow(out);
    expect(row.labeled).toBe(8);
    expect(row.pck).toBeGreaterThanOrEqual(0);
    expect(row.pck).toBeLessThanOrEqual(1);
  });
});
