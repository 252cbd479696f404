/**
 * Reading a COCO annotation file: `instances` (boxes and categories) for detection, or
 * `person_keypoints`-style (K named keypoints per category, each [x, y, visibility]) for
 * keypoints, with the folder its `file_name`s are relative to. Decoded with io-ts at the edge;
 * every problem is one line naming the file and the field (`annotations[3].bbox`).
 *
 * Policies, stated once: categories get class indices in the order of their ids; `iscrowd`
 * annotations are left out (COCO's own evaluation ignores them); an image without annotations
 * belongs to the unlabeled pool; a box may overhang its image by half a pixel (rounding in
 * exports) and is clipped to it, more is an error; a keypoint with visibility 0 is "not
 * labeled" and is kept as absent.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { InputError } from '../inputError.ts';

const CocoImage = t.type({ id: t.number, file_name: t.string, width: t.number, height: t.number }, 'image');
const CocoAnnotation = t.intersection(
  [t.type({ id: t.number, image_id: t.number, category_id: t.number }), t.partial({ bbox: t.array(t.number), keypoints: t.array(t.number), iscrowd: t.number })],
  'annotation',
);
const CocoCategory = t.intersection([t.type({ id: t.number, name: t.string }), t.partial({ keypoints: t.array(t.string) })], 'category');
/** The part of a COCO file ll4al reads (other fields are kept by nobody and ignored). */
export const CocoFileCodec = t.type({ images: t.array(CocoImage), annotations: t.array(CocoAnnotation), categories: t.array(CocoCategory) }, 'COCO');
export type CocoFileContents = t.TypeOf<typeof CocoFileCodec>;

/** One object of an image, in the image's own pixels. */
export interface CocoObject {
  /** [x1, y1, x2, y2] in the original image's pixels. */
  readonly box: readonly [number, number, number, number];
  /** Class index (categories in id order). */
  readonly class: number;
  /** K × (x, y) in the original pixels, NaN for a keypoint not labeled (keypoints files only). */
  readonly keypoints?: Float32Array;
}

/** One image of a COCO file. */
export interface CocoImageEntry {
  readonly id: number;
  /** The file as the process opens it. */
  readonly path: string;
  /** `file_name` as the COCO file has it. */
  readonly fileName: string;
  readonly width: number;
  readonly height: number;
  /** Its objects (none: the image is unlabeled). */
  readonly objects: ReadonlyArray<CocoObject>;
}

/** A COCO file, checked. */
export interface CocoData {
  readonly file: string;
  readonly images: ReadonlyArray<CocoImageEntry>;
  /** Category ids and names, in class-index order. */
  readonly categories: ReadonlyArray<{ readonly id: number; readonly name: string }>;
  /** The keypoint names (keypoints files: the one category's `keypoints`). */
  readonly keypointNames?: ReadonlyArray<string>;
}

/** The path of an io-ts error as COCO people write it: `annotations[3].bbox`. */
const pathOf = (context: t.Context): string => {
  let out = '';
  for (let k = 1; k < context.length; k++) {
    const parent = context[k - 1]!.type;
    const key = context[k]!.key;
    if (parent instanceof t.IntersectionType || key === '') continue;
    out += parent instanceof t.ArrayType ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out;
};

const show = (u: unknown): string => {
  const s = JSON.stringify(u);
  return s === undefined ? String(u) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** How far a box or keypoint may overhang its image (then it is clipped). */
const OVERHANG = 0.5;

/**
 * Reads and checks a COCO file for detection or keypoints.
 * @param file the JSON file (`--data FILE.json` or `--test-data FILE.json`)
 * @param task 'detection' (boxes) or 'keypoints' (one annotated person per image)
 * @param images the folder `file_name`s are relative to (default: the JSON file's folder)
 * @returns the images with their objects, and the categories
 * @throws InputError naming the file and field of the first problem
 */
export const readCocoFile = (file: string, task: 'detection' | 'keypoints', images?: string): CocoData => {
  const name = basename(file);
  if (!existsSync(file)) throw new InputError(`${file}: COCO file not found`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`${name}: not a COCO file: not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const decoded = CocoFileCodec.decode(json);
  if (isLeft(decoded)) {
    const error = decoded.left[0]!;
    const path = pathOf(error.context);
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
    throw new InputError(`${name}: not a COCO file: field ${path === '' ? '(top level)' : path} is ${show(error.value)}, expected ${expected}`);
  }
  const coco = decoded.right;
  const base = images ?? dirname(resolve(file));
  if (coco.categories.length === 0) throw new InputError(`${name}: field categories is empty`);
  const categories = [...coco.categories].sort((a, b) => a.id - b.id);
  const classOf = new Map<number, number>();
  categories.forEach((c, k) => {
    if (classOf.has(c.id)) throw new InputError(`${name}: categories: id ${c.id} is used twice`);
    classOf.set(c.id, k);
  });
  let keypointNames: ReadonlyArray<string> | undefined;
  if (task === 'keypoints') {
    if (categories.length !== 1) throw new InputError(`${name}: field categories has ${categories.length} categories; the keypoints task takes one (e.g. person) with its keypoints`);
    keypointNames = categories[0]!.keypoints;
    if (keypointNames === undefined || keypointNames.length === 0) throw new InputError(`${name}: field categories[0].keypoints is missing: not a person_keypoints-style file`);
  }
  const byId = new Map<number, { entry: CocoImageEntry; objects: CocoObject[]; index: number }>();
  const byFile = new Map<string, number>();
  coco.images.forEach((image, k) => {
    const where = `${name}: images[${k}] (id ${image.id}, ${image.file_name})`;
    if (byId.has(image.id)) throw new InputError(`${where}: field id ${image.id} is used twice`);
    const earlier = byFile.get(image.file_name);
    if (earlier !== undefined) throw new InputError(`${where}: duplicate path (field file_name), already images[${earlier}]`);
    byFile.set(image.file_name, k);
    if (!(Number.isInteger(image.width) && image.width > 0 && Number.isInteger(image.height) && image.height > 0)) {
      throw new InputError(`${where}: fields width and height must be positive integers, got ${image.width} and ${image.height}`);
    }
    const path = isAbsolute(image.file_name) ? image.file_name : resolve(base, image.file_name);
    if (!existsSync(path) || !statSync(path).isFile()) throw new InputError(`${where}: field file_name: file ${path} not found`);
    const objects: CocoObject[] = [];
    byId.set(image.id, { entry: { id: image.id, path, fileName: image.file_name, width: image.width, height: image.height, objects }, objects, index: k });
  });
  const K = keypointNames?.length ?? 0;
  coco.annotations.forEach((a, k) => {
    const where = `${name}: annotations[${k}] (id ${a.id})`;
    const image = byId.get(a.image_id);
    if (image === undefined) throw new InputError(`${where}: field image_id ${a.image_id} is not an image of the file`);
    const c = classOf.get(a.category_id);
    if (c === undefined) throw new InputError(`${where}: field category_id ${a.category_id} is not a category of the file`);
    if (a.iscrowd === 1) return;
    const { width: w, height: h } = image.entry;
    if (a.bbox === undefined) throw new InputError(`${where}: field bbox is missing`);
    if (a.bbox.length !== 4 || !a.bbox.every(Number.isFinite)) throw new InputError(`${where}: field bbox must be [x, y, width, height], got ${show(a.bbox)}`);
    const [x, y, bw, bh] = a.bbox as [number, number, number, number];
    if (!(bw > 0 && bh > 0)) throw new InputError(`${where}: field bbox ${show(a.bbox)} has no area`);
    if (x < -OVERHANG || y < -OVERHANG || x + bw > w + OVERHANG || y + bh > h + OVERHANG) {
      throw new InputError(`${where}: field bbox ${show(a.bbox)} lies outside its ${w}x${h} image ${image.entry.fileName}`);
    }
    const box = [Math.max(0, x), Math.max(0, y), Math.min(w, x + bw), Math.min(h, y + bh)] as const;
    let keypoints: Float32Array | undefined;
    if (task === 'keypoints') {
      if (a.keypoints === undefined) throw new InputError(`${where}: field keypoints is missing`);
      if (a.keypoints.length !== 3 * K) {
        throw new InputError(`${where}: field keypoints has ${a.keypoints.length} values (${a.keypoints.length / 3} points); category ${categories[c]!.name} names ${K} keypoints (${3 * K} values)`);
      }
      keypoints = new Float32Array(2 * K);
      for (let p = 0; p < K; p++) {
        const [px, py, v] = [a.keypoints[3 * p]!, a.keypoints[3 * p + 1]!, a.keypoints[3 * p + 2]!];
        if (![0, 1, 2].includes(v)) throw new InputError(`${where}: field keypoints[${3 * p + 2}]: visibility of ${keypointNames![p]} must be 0, 1 or 2, got ${v}`);
        if (v === 0) {
          keypoints[2 * p] = Number.NaN;
          keypoints[2 * p + 1] = Number.NaN;
          continue;
        }
        if (!(px >= -OVERHANG && px <= w + OVERHANG && py >= -OVERHANG && py <= h + OVERHANG)) {
          throw new InputError(`${where}: field keypoints: ${keypointNames![p]} at (${px}, ${py}) lies outside its ${w}x${h} image ${image.entry.fileName}`);
        }
        keypoints[2 * p] = Math.min(w, Math.max(0, px));
        keypoints[2 * p + 1] = Math.min(h, Math.max(0, py));
      }
      if (image.objects.length > 0) {
        throw new InputError(`${where}: image ${image.entry.fileName} has a second person; the keypoints task takes one per image (crop each person to its own image)`);
      }
    }
    image.objects.push({ box, class: c, ...(keypoints === undefined ? {} : { keypoints }) });
  });
  if (coco.images.length === 0) throw new InputError(`${name}: field images is empty`);
  return {
    file,
    images: [...byId.values()].sort((a, b) => a.index - b.index).map((i) => i.entry),
    categories: categories.map((c) => ({ id: c.id, name: c.name })),
    ...(keypointNames === undefined ? {} : { keypointNames }),
  };
};
