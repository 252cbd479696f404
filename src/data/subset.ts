/**
 * Picking items out of an image set: a stratified, seeded choice of ids, and the set of the
 * chosen items. The embedded dataset is made this way; a caller may use it to shrink any set.
 */
import { InputError } from '../inputError.ts';
import type { ImageSet } from './imageSet.ts';

/**
 * Chooses `perClass` ids of every class at random (a seeded partial Fisher–Yates shuffle per
 * class) and returns them in increasing order, so the subset keeps the source's order.
 * @param labels class index of each item
 * @param classes number of classes; every class 0..classes-1 must have at least perClass items
 * @param perClass how many items of each class to take
 * @param rng uniform numbers in [0, 1); the same sequence gives the same ids
 * @returns classes·perClass ids, ascending
 * @example stratifiedIds(labels, 10, 100, rng) // 1,000 ids, 100 of each class
 */
export function stratifiedIds(
  labels: ArrayLike<number>,
  classes: number,
  perClass: number,
  rng: () => number,
): Uint32Array {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]!]?.push(i);
  const chosen = new Uint32Array(classes * perClass);
  let at = 0;
  byClass.forEach((ids, c) => {
    if (ids.length < perClass) {
      throw new InputError(`class ${c} has ${ids.length} items, fewer than the ${perClass} per class asked for`);
    }
    for (let i = 0; i < perClass; i++) {
      const j = i + Math.floor(rng() * (ids.length - i));
      const t = ids[i]!;
      ids[i] = ids[j]!;
      ids[j] = t;
      chosen[at++] = ids[i]!;
    }
  });
  return chosen.sort();
}

/**
 * The set of the items `ids` of a set, in that order, with the same mean/std, classes and
 * augmentation (pixels and labels copied).
 * @param set the source
 * @param ids the items to keep
 * @param name the new set's name (default: the source's)
 * @returns the subset
 */
export function subsetOf(set: ImageSet, ids: ArrayLike<number>, name: string = set.name): ImageSet {
  const per = set.height * set.width * set.channels;
  const pixels = new Uint8Array(ids.length * per);
  const labels = new Uint8Array(ids.length);
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    if (!(id >= 0 && id < set.count && Number.isInteger(id))) {
      throw new RangeError(`subsetOf: id ${id} is not an item of ${set.name} (${set.count} items)`);
    }
    pixels.set(set.pixels.subarray(id * per, (id + 1) * per), k * per);
    labels[k] = set.labels[id]!;
  }
  const { itemImage } = set;
  const kept = Array.from(ids);
  return { ...set, name, count: ids.length, pixels, labels, ...(itemImage === undefined ? {} : { itemImage: (k: number) => itemImage(kept[k]!) }) };
}
