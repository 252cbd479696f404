/**
 * Reading a folder of images by torchvision's ImageFolder convention:
 *
 *     DIR/train/<class>/*.png|jpg|jpeg|webp   labeled pool (optional)
 *     DIR/test/<class>/*                      test set (optional)
 *     DIR/unlabeled/**                        pool without labels (optional, any depth)
 *
 * A folder with none of the three sub-folders is one unlabeled pool (every image under it, at
 * any depth). Class names are the class folders' names. Files that are not images by their
 * extension are left out; folders and files whose names start with a dot (the cache among them)
 * are not read. Files are listed in sorted order, so pool ids are the same on every run.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError } from '../inputError.ts';
import { isImageFile, type ImageEntry } from './imageList.ts';

/** Every image file under `dir`, at any depth, sorted by path. */
const imagesUnder = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string): void => {
    const names = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of names) {
      if (entry.name.startsWith('.')) continue;
      const path = join(d, entry.name);
      // A link is followed; a dangling one is listed as a file, so decoding names it.
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isDirectory() === true);
      if (isDir) walk(path);
      else if (isImageFile(entry.name)) out.push(path);
    }
  };
  walk(dir);
  return out;
};

/** The class folders of `DIR/<split>`, each with its images; a file beside them or an empty class is an error. */
const classFolders = (root: string, split: 'train' | 'test'): ImageEntry[] => {
  const dir = join(root, split);
  const entries: ImageEntry[] = [];
  const children = readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    const path = join(dir, child.name);
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory() !== true) {
      if (isImageFile(child.name)) {
        throw new InputError(`${path}: an image directly in ${split}/; a labeled image goes in a class folder ${split}/<class>/`);
      }
      continue;
    }
    const images = imagesUnder(path);
    if (images.length === 0) throw new InputError(`${path}: empty class folder (no PNG, JPEG or WebP file in it)`);
    for (const image of images) {
      entries.push({ path: image, name: relative(root, image), split, className: child.name, where: path });
    }
  }
  if (entries.length === 0) throw new InputError(`${dir}: no class folders with images (expected ${split}/<class>/*.png)`);
  return entries;
};

/**
 * Lists the images of a folder by the ImageFolder convention (see the module comment).
 * @param root the folder (`--data DIR`)
 * @returns the entries: training items, then unlabeled items, then test items
 * @throws InputError for a missing folder, an empty class folder, an image outside a class folder, or no images at all
 */
export const readImageFolder = (root: string): ImageEntry[] => {
  if (!existsSync(root)) throw new InputError(`${root}: data folder not found (--data)`);
  if (!statSync(root).isDirectory()) throw new InputError(`${root}: expected a folder of images (--data)`);
  const has = (name: string): boolean => existsSync(join(root, name)) && statSync(join(root, name)).isDirectory();
  if (!has('train') && !has('test') && !has('unlabeled')) {
    const images = imagesUnder(root);
    if (images.length === 0) throw new InputError(`${root}: no PNG, JPEG or WebP images in this folder (--data)`);
    return images.map((path) => ({ path, name: relative(root, path), split: 'unlabeled', where: root }));
  }
  const train = has('train') ? classFolders(root, 'train') : [];
  const test = has('test') ? classFolders(root, 'test') : [];
  const unlabeledDir = join(root, 'unlabeled');
  const unlabeled: ImageEntry[] = has('unlabeled')
    ? imagesUnder(unlabeledDir).map((path) => ({ path, name: relative(root, path), split: 'unlabeled' as const, where: unlabeledDir }))
    : [];
  if (has('unlabeled') && unlabeled.length === 0) throw new InputError(`${unlabeledDir}: no PNG, JPEG or WebP images in it`);
  if (train.length + unlabeled.length === 0) throw new InputError(`${root}: no pool: add train/<class>/ or unlabeled/ images`);
  return [...train, ...unlabeled, ...test];
};
