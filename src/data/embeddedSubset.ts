/**
 * Which Fashion-MNIST items make the embedded default dataset: a stratified choice of 1,000
 * training and 200 test items per class, from one fixed seed. scripts/make-embedded-data.ts
 * writes them; a test checks the committed files against a fresh draw.
 */
import { deriveSeed, Rng } from '../ops/random.ts';
import { stratifiedIds } from './subset.ts';

/** The seed every draw of the embedded subset derives from. */
export const EMBEDDED_SEED = 20190601;

/** Items of each class in each split of the embedded subset. */
export const EMBEDDED_PER_CLASS = { train: 1000, test: 200 } as const;

/**
 * The ids (ascending) of the source split's items that make the embedded subset.
 * @param labels the labels of the full Fashion-MNIST split
 * @param split which split they are
 * @returns 10 × EMBEDDED_PER_CLASS[split] ids
 */
export function embeddedIds(labels: ArrayLike<number>, split: 'train' | 'test'): Uint32Array {
  const rng = new Rng(deriveSeed(EMBEDDED_SEED, 'embedded', split));
  return stratifiedIds(labels, 10, EMBEDDED_PER_CLASS[split], () => rng.nextFloat());
}
