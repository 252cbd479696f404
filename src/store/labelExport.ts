/**
 * The accepted labels of a run, out in the conventions the next tool reads: CSV and JSONL
 * (one row per label, or per box for detection) and COCO (detection, with the original image
 * sizes and boxes rescaled back to them). Pure functions of the journal's entries and the run's
 * pool index; `ll4al export` writes their text.
 */
import { stringify } from 'csv-stringify/sync';
import type { JournalEntry } from './labelJournal.ts';
import type { PoolIndex } from './poolIndex.ts';

/** The formats of an export. */
export type ExportFormat = 'csv' | 'jsonl' | 'coco';

/** What an export needs to know of the run besides its labels. */
export interface ExportContext {
  readonly task: string;
  /** The pool's files, names, classes and sizes (absent for the built-in datasets: no paths then). */
  readonly pool?: PoolIndex;
  /** Class names when there is no pool index (the built-in datasets). */
  readonly classNames?: ReadonlyArray<string>;
}

type Box = readonly [number, number, number, number];
type Objects = ReadonlyArray<{ readonly box: Box; readonly class: number }>;

/** Back from the input square to the original image: [x1, y1, x2, y2] in the image's pixels. */
const toOriginal = (box: Box, id: number, pool: PoolIndex | undefined): Box => {
  if (pool === undefined) return box;
  const s = pool.imageSize;
  const w = pool.originalSizes[2 * id]!;
  const h = pool.originalSizes[2 * id + 1]!;
  const r = (v: number): number => Math.round(v * 100) / 100;
  return [r((box[0] * w) / s), r((box[1] * h) / s), r((box[2] * w) / s), r((box[3] * h) / s)];
};

type Points = ReadonlyArray<readonly [number, number] | null>;

/** Keypoints back from the input square to the original image's pixels (null stays null). */
const pointsToOriginal = (points: Points, id: number, pool: PoolIndex | undefined): Points => {
  if (pool === undefined) return points;
  const s = pool.imageSize;
  const w = pool.originalSizes[2 * id]!;
  const h = pool.originalSizes[2 * id + 1]!;
  const r = (v: number): number => Math.round(v * 100) / 100;
  return points.map((p) => (p === null ? null : ([r((p[0] * w) / s), r((p[1] * h) / s)] as const)));
};

const nameOf = (context: ExportContext, id: number): string => context.pool?.names[id] ?? '';
const classNameOf = (context: ExportContext, c: number): string => context.pool?.classNames[c] ?? context.classNames?.[c] ?? String(c);

/**
 * The labels as CSV. Classification: `path,label,id,class,source,cycle,time` (a manifest
 * ll4al reads back: path and label). Detection: one row per box,
 * `path,label,x1,y1,x2,y2,id,class,source,cycle,time`, boxes in the original image's pixels.
 * @param entries the journal's entries
 * @param context task, pool index, class names
 * @returns the CSV text
 */
export const labelsAsCsv = (entries: ReadonlyArray<JournalEntry<unknown>>, context: ExportContext): string => {
  if (context.task === 'detection') {
    const rows: unknown[][] = [['path', 'label', 'x1', 'y1', 'x2', 'y2', 'id', 'class', 'source', 'cycle', 'time']];
    for (const e of entries) {
      for (const o of e.label as Objects) rows.push([nameOf(context, e.id), classNameOf(context, o.class), ...toOriginal(o.box, e.id, context.pool), e.id, o.class, e.source, e.cycle, e.time]);
    }
    return stringify(rows);
  }
  if (context.task === 'keypoints') {
    const rows: unknown[][] = [['path', 'keypoints', 'id', 'source', 'cycle', 'time']];
    for (const e of entries) rows.push([nameOf(context, e.id), JSON.stringify(pointsToOriginal(e.label as Points, e.id, context.pool)), e.id, e.source, e.cycle, e.time]);
    return stringify(rows);
  }
  const rows: unknown[][] = [['path', 'label', 'id', 'class', 'source', 'cycle', 'time']];
  for (const e of entries) rows.push([nameOf(context, e.id), classNameOf(context, e.label as number), e.id, e.label, e.source, e.cycle, e.time]);
  return stringify(rows);
};

/**
 * The labels as JSON lines: `{"path", "label", "id", "class", "source", "cycle", "time"}`
 * (classification; a manifest ll4al reads back), `{"path", "objects": [{"label", "box"}], …}`
 * (detection, boxes in the original image's pixels) or `{"path", "keypoints", …}`.
 * @param entries the journal's entries
 * @param context task, pool index, class names
 * @returns the text, one line per label
 */
export const labelsAsJsonl = (entries: ReadonlyArray<JournalEntry<unknown>>, context: ExportContext): string =>
  entries
    .map((e) => {
      const common = { id: e.id, source: e.source, cycle: e.cycle, time: e.time };
      if (context.task === 'detection') {
        const objects = (e.label as Objects).map((o) => ({ label: classNameOf(context, o.class), class: o.class, box: toOriginal(o.box, e.id, context.pool) }));
        return JSON.stringify({ path: nameOf(context, e.id), objects, ...common });
      }
      if (context.task === 'keypoints') return JSON.stringify({ path: nameOf(context, e.id), keypoints: pointsToOriginal(e.label as Points, e.id, context.pool), ...common });
      return JSON.stringify({ path: nameOf(context, e.id), label: classNameOf(context, e.label as number), class: e.label, ...common });
    })
    .map((line) => `${line}\n`)
    .join('');

/**
 * The labels as a COCO file: the labeled images with their original sizes and the categories of
 * the input file (or one per class). Detection (`instances`): one annotation per box (`bbox`
 * [x, y, width, height] in the original pixels). Keypoints (`person_keypoints`): one annotation
 * per image, `keypoints` [x, y, v]·K with v = 2 for a labeled point and 0, 0, 0 for one that is
 * not, `num_keypoints`, and `bbox` the extent of the labeled points.
 * @param entries the journal's entries (detection or keypoints labels)
 * @param pool the run's pool index (COCO needs the image files and sizes)
 * @returns the COCO object
 */
export const labelsAsCoco = (entries: ReadonlyArray<JournalEntry<unknown>>, pool: PoolIndex): object => {
  const categories = pool.categories ?? pool.classNames.map((name, k) => ({ id: k + 1, name }));
  const images: object[] = [];
  const annotations: object[] = [];
  for (const e of entries) {
    const imageId = pool.cocoImageIds?.[e.id] ?? e.id + 1;
    images.push({ id: imageId, file_name: pool.names[e.id], width: pool.originalSizes[2 * e.id], height: pool.originalSizes[2 * e.id + 1] });
    if (pool.task === 'keypoints') {
      const points = pointsToOriginal(e.label as Points, e.id, pool);
      const labeled = points.filter((p): p is readonly [number, number] => p !== null);
      const xs = labeled.map((p) => p[0]);
      const ys = labeled.map((p) => p[1]);
      const [x1, y1] = [Math.min(...xs), Math.min(...ys)];
      const [w, h] = [Math.max(...xs) - x1, Math.max(...ys) - y1];
      annotations.push({
        id: annotations.length + 1,
        image_id: imageId,
        category_id: categories[0]!.id,
        keypoints: points.flatMap((p) => (p === null ? [0, 0, 0] : [p[0], p[1], 2])),
        num_keypoints: labeled.length,
        bbox: [x1, y1, w, h],
        area: Math.round(w * h * 100) / 100,
        iscrowd: 0,
      });
      continue;
    }
    for (const o of e.label as Objects) {
      const [x1, y1, x2, y2] = toOriginal(o.box, e.id, pool);
      const w = Math.round((x2 - x1) * 100) / 100;
      const h = Math.round((y2 - y1) * 100) / 100;
      annotations.push({ id: annotations.length + 1, image_id: imageId, category_id: categories[o.class]!.id, bbox: [x1, y1, w, h], area: Math.round(w * h * 100) / 100, iscrowd: 0 });
    }
  }
  const withKeypoints = pool.task === 'keypoints' ? categories.map((c) => ({ ...c, keypoints: pool.keypointNames ?? [] })) : categories;
  return { info: { description: 'labels exported by ll4al' }, images, annotations, categories: withKeypoints };
};
