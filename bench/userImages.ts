/**
 * The user's images at scale: decoding speed, cache size, the second run that decodes nothing,
 * and peak memory while scoring a pool read from the cache on disk. Each step is its own
 * process, so its peak RSS is its own:
 *
 *     tsx bench/userImages.ts write DIR N     # N PNG files from Fashion-MNIST (repeated past 70,000) in DIR/train/<class>/
 *     tsx bench/userImages.ts decode DIR      # decode once into the cache (cold), then again (warm)
 *     tsx bench/userImages.ts score DIR       # a fresh process: open the cache, score every pool item in calls of 2,000
 *
 * Keep DIR under /tmp and delete it afterwards; the figures go to stdout as one JSON line each.
 */
import { readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { initBackend } from '../src/backend/initBackend.ts';
import { readIdxPair } from '../src/data/idx.ts';
import { FASHION_MNIST_CLASS_NAMES } from '../src/data/load.ts';
import { loadUserImages } from '../src/data/userImages.ts';
import { createClassificationLearner } from '../src/tasks/classification.ts';

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const peakRssMB = (): number => mb(process.resourceUsage().maxRSS * 1024);
const [step, dir, countText] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: tsx bench/userImages.ts write|decode|score DIR [N]');

const fashion = '/usr/share/datasets/fashion-mnist';

if (step === 'write') {
  const n = Number(countText);
  const train = await readIdxPair(join(fashion, 'train-images-idx3-ubyte.gz'), join(fashion, 'train-labels-idx1-ubyte.gz'), { classes: 10, height: 28, width: 28 });
  const test = await readIdxPair(join(fashion, 't10k-images-idx3-ubyte.gz'), join(fashion, 't10k-labels-idx1-ubyte.gz'), { classes: 10, height: 28, width: 28 });
  const source = [train, test];
  const total = train.images.count + test.images.count;
  const folders = FASHION_MNIST_CLASS_NAMES.map((c) => c.replace('/', '-'));
  for (const f of folders) await mkdir(join(dir, 'train', f), { recursive: true });
  const limit = pLimit(8);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: n }, (_, k) =>
      limit(async () => {
        const j = k % total;
        const part = j < train.images.count ? source[0]! : source[1]!;
        const i = j < train.images.count ? j : j - train.images.count;
        const png = await sharp(Buffer.from(part.images.pixels.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
        await writeFile(join(dir, 'train', folders[part.labels[i]!]!, `${String(k).padStart(6, '0')}.png`), png);
      }),
    ),
  );
  console.log(JSON.stringify({ step, images: n, seconds: (performance.now() - start) / 1000 }));
} else if (step === 'decode') {
  const cacheDir = join(dir, '.ll4al-cache');
  let start = performance.now();
  const cold = await loadUserImages(dir, { size: 28, channels: 1, cacheDir });
  const coldSeconds = (performance.now() - start) / 1000;
  cold.close();
  start = performance.now();
  const warm = await loadUserImages(dir, { size: 28, channels: 1, cacheDir });
  const warmSeconds = (performance.now() - start) / 1000;
  warm.close();
  const cacheBytes = readdirSync(cacheDir).reduce((sum, f) => sum + statSync(join(cacheDir, f)).size, 0);
  console.log(
    JSON.stringify({
      step,
      images: cold.split.train.count,
      coldDecoded: cold.cache.decoded,
      coldSeconds,
      imagesPerSecond: Math.round(cold.cache.decoded / coldSeconds),
      warmDecoded: warm.cache.decoded,
      warmSeconds,
      cacheMB: mb(cacheBytes),
      peakRssMB: peakRssMB(),
    }),
  );
} else if (step === 'score') {
  const backend = await initBackend('wasm');
  const rssBefore = peakRssMB();
  const data = await loadUserImages(dir, { size: 28, channels: 1, cacheDir: join(dir, '.ll4al-cache') });
  // Run with --expose-gc to see what the loaded data keeps (heap) apart from what loading passed through (peak).
  (globalThis as { gc?: () => void }).gc?.();
  const rssLoaded = mb(process.memoryUsage().rss);
  const heapLoaded = mb(process.memoryUsage().heapUsed);
  const learner = createClassificationLearner({ data: data.split, model: 'small-cnn', seed: 1, scoreThreads: 1 });
  const n = data.split.train.count;
  const start = performance.now();
  let sum = 0;
  for (let from = 0; from < n; from += 2000) {
    const ids = Int32Array.from({ length: Math.min(2000, n - from) }, (_, k) => from + k);
    const scored = await learner.score(ids);
    sum += scored.predictedLoss[0]!;
  }
  const seconds = (performance.now() - start) / 1000;
  learner.dispose();
  data.close();
  console.log(JSON.stringify({ step, backend: backend.name, pool: n, seconds, imagesPerSecond: Math.round(n / seconds), peakRssBeforeDataMB: rssBefore, rssAfterLoadMB: rssLoaded, heapAfterLoadMB: heapLoaded, peakRssMB: peakRssMB(), check: Number.isFinite(sum) }));
} else throw new Error(`unknown step ${step}`);
