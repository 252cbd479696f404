/**
 * A list of the user's image files before decoding: each file with its split (the training
 * pool, the test set, or the unlabeled part of the pool) and, when it has one, its label. An
 * image folder (imageFolder.ts), a manifest (imageManifest.ts) and a COCO file (cocoFile.ts) are
 * read into one, checked whole (so nothing is half-imported), then decoded once into a cache.
 */
import { InputError } from '../inputError.ts';

/** Where an item belongs: labeled pool, test set, or the pool without labels. */
export type ImageSplit = 'train' | 'test' | 'unlabeled';

/** One image file of a list. */
export interface ImageEntry {
  /** The file, as the process opens it. */
  readonly path: string;
  /** The file as the user knows it (relative to the data folder or manifest): messages, exports. */
  readonly name: string;
  readonly split: ImageSplit;
  /** Its class name, when it has one (classification). */
  readonly className?: string;
  /** Where it was listed, for messages: `photos/train/cat` or `labels.csv line 4`. */
  readonly where: string;
}

/** The extensions read as images (case does not matter). */
export const IMAGE_EXTENSIONS: ReadonlyArray<string> = ['.png', '.jpg', '.jpeg', '.webp'];

/** Whether a file name is one of {@link IMAGE_EXTENSIONS}. */
export const isImageFile = (name: string): boolean => {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
};

/**
 * The class names of a list, in label order, and the label of each entry.
 *
 * The policy, stated once: `classes` (from `--classes`) when given, and then a class outside it
 * is an error; else the sorted names of the labeled training items; else (only a labeled test
 * set) the sorted names of the test items; a test item of a class the training items never show
 * is an error (the model could not learn it: list every class with --classes). A list with no
 * labels at all needs `classes`, since an oracle's answers are class indices.
 * @param entries the list
 * @param classes the class names given by the user, if any
 * @param source the data's name, for messages
 * @returns the class names and, per entry, its class index (-1 for none)
 * @throws InputError naming the entry's place and its class
 */
export const resolveClasses = (
  entries: ReadonlyArray<ImageEntry>,
  classes: ReadonlyArray<string> | undefined,
  source: string,
): { readonly classNames: ReadonlyArray<string>; readonly labels: Int32Array } => {
  let names: ReadonlyArray<string>;
  let from: string;
  if (classes !== undefined && classes.length > 0) {
    const seen = new Set<string>();
    for (const c of classes) {
      if (seen.has(c)) throw new InputError(`--classes: class "${c}" is listed twice`);
      seen.add(c);
    }
    names = classes;
    from = '--classes';
  } else {
    const train = new Set(entries.filter((e) => e.split === 'train' && e.className !== undefined).map((e) => e.className!));
    const test = new Set(entries.filter((e) => e.split === 'test' && e.className !== undefined).map((e) => e.className!));
    const pick = train.size > 0 ? train : test;
    from = train.size > 0 ? 'the training items' : 'the test items';
    names = [...pick].sort();
    if (names.length === 0) {
      throw new InputError(`${source}: no image has a label, so the classes are unknown: name them with --classes a,b,c (an oracle answers with their index)`);
    }
  }
  if (names.length > 255) throw new InputError(`${source}: ${names.length} classes, more than the 255 a label byte holds`);
  const index = new Map(names.map((n, k) => [n, k] as const));
  const labels = new Int32Array(entries.length).fill(-1);
  entries.forEach((e, k) => {
    if (e.className === undefined) return;
    const c = index.get(e.className);
    if (c === undefined) {
      throw new InputError(`${e.where}: unknown class "${e.className}" (field label) for ${e.name}; the classes (from ${from}) are ${names.join(', ')}`);
    }
    labels[k] = c;
  });
  return { classNames: names, labels };
};

/**
 * Refuses a list that names one file twice.
 * @param entries the list
 * @throws InputError naming both places
 */
export const checkNoDuplicates = (entries: ReadonlyArray<ImageEntry>): void => {
  const first = new Map<string, ImageEntry>();
  for (const e of entries) {
    const earlier = first.get(e.path);
    if (earlier !== undefined) throw new InputError(`${e.where}: duplicate path "${e.name}" (field path), already listed at ${earlier.where}`);
    first.set(e.path, e);
  }
};
