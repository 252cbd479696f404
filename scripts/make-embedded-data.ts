/**
 * Makes the embedded default dataset: a stratified, seeded subset of Fashion-MNIST — 1,000
 * training and 200 test items of each class — written as four gzip-compressed IDX files in
 * data/fashion-mnist-embedded/, from the Debian package's files
 * (`apt-get install -y dataset-fashion-mnist` → /usr/share/datasets/fashion-mnist).
 *
 *   npx tsx scripts/make-embedded-data.ts [SOURCE_DIR]
 *
 * The same source files and seed always give the same bytes.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readIdxPair, writeIdx } from '../src/data/idx.ts';
import { EMBEDDED_DATA_DIR, IDX_FILES } from '../src/data/load.ts';
import { EMBEDDED_PER_CLASS, embeddedIds } from '../src/data/embeddedSubset.ts';

const SOURCE_DIR = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';

async function writeSubset(split: 'train' | 'test'): Promise<void> {
  const imagesName = split === 'train' ? IDX_FILES.trainImages : IDX_FILES.testImages;
  const labelsName = split === 'train' ? IDX_FILES.trainLabels : IDX_FILES.testLabels;
  const { images, labels } = await readIdxPair(join(SOURCE_DIR, `${imagesName}.gz`), join(SOURCE_DIR, `${labelsName}.gz`), {
    classes: 10,
    height: 28,
    width: 28,
  });
  const ids = embeddedIds(labels, split);
  const per = images.height * images.width;
  const pixels = new Uint8Array(ids.length * per);
  const chosenLabels = new Uint8Array(ids.length);
  ids.forEach((id, k) => {
    pixels.set(images.pixels.subarray(id * per, (id + 1) * per), k * per);
    chosenLabels[k] = labels[id]!;
  });
  await writeIdx(join(EMBEDDED_DATA_DIR, `${imagesName}.gz`), {
    kind: 'images',
    count: ids.length,
    height: images.height,
    width: images.width,
    pixels,
  });
  await writeIdx(join(EMBEDDED_DATA_DIR, `${labelsName}.gz`), { kind: 'labels', labels: chosenLabels });
  console.log(`${split}: ${ids.length} items (${EMBEDDED_PER_CLASS[split]} per class) of ${images.count}`);
}

await mkdir(EMBEDDED_DATA_DIR, { recursive: true });
await writeSubset('train');
await writeSubset('test');
console.log(`written to ${EMBEDDED_DATA_DIR}`);
