/**
 * Labels out: CSV, JSONL and COCO from journal entries and a pool index, with boxes and
 * keypoints back in the original image's pixels.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { labelsAsCoco, labelsAsCsv, labelsAsJsonl } from '../../src/store/labelExport.ts';
import type { JournalEntry } from '../../src/store/labelJournal.ts';
import type { PoolIndex } from '../../src/store/poolIndex.ts';

const entry = <L>(id: number, label: L, source = 'file'): JournalEntry<L> => ({ id, label, cycle: 1, source, time: '2026-12-01T00:00:00.000Z' });

// Two images: 640x480 and 100x200, decoded to 64x64.
const pool = (task: string, extra: Partial<PoolIndex> = {}): PoolIndex => ({
  task,
  source: '/data/x.json',
  imageSize: 64,
  classNames: ['cat', 'dog'],
  files: ['/data/a.jpg', '/data/b.jpg'],
  names: ['a.jpg', 'b.jpg'],
  originalSizes: [640, 480, 100, 200],
  ...extra,
});

describe('labelsAsCsv and labelsAsJsonl', () => {
  it('should write one classification row per label with the class name and the image path', () => {
    const csv = parse(labelsAsCsv([entry(1, 1), entry(0, 0, 'given')], { task: 'classification', pool: pool('classification') }), { columns: true }) as Array<Record<string, string>>;
    expect(csv.map((r) => [r['path'], r['label'], r['class'], r['source']])).toEqual([
      ['b.jpg', 'dog', '1', 'file'],
      ['a.jpg', 'cat', '0', 'given'],
    ]);
    const lines = labelsAsJsonl([entry(1, 1)], { task: 'classification', pool: pool('classification') }).trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ path: 'b.jpg', label: 'dog', class: 1, id: 1 });
  });

  it('should write one detection row per box, in the original pixels', () => {
    const label = [
      { box: [0, 0, 32, 32], class: 0 },
      { box: [16, 8, 64, 64], class: 1 },
    ];
    const rows = parse(labelsAsCsv([entry(0, label)], { task: 'detection', pool: pool('detection') }), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r['label'], r['x1'], r['y1'], r['x2'], r['y2']])).toEqual([
      ['cat', '0', '0', '320', '240'],
      ['dog', '160', '60', '640', '480'],
    ]);
  });
});

describe('labelsAsCoco', () => {
  it('should write detection boxes as [x, y, w, h] at the original size with the input file\'s image ids and categories', () => {
    const coco = labelsAsCoco([entry(1, [{ box: [32, 16, 64, 48], class: 1 }])], pool('detection', { categories: [{ id: 3, name: 'cat' }, { id: 7, name: 'dog' }], cocoImageIds: [11, 12] })) as {
      images: unknown[];
      annotations: Array<{ image_id: number; category_id: number; bbox: number[] }>;
    };
    expect(coco.images).toEqual([{ id: 12, file_name: 'b.jpg', width: 100, height: 200 }]);
    expect(coco.annotations).toEqual([expect.objectContaining({ image_id: 12, category_id: 7, bbox: [50, 50, 50, 100], iscrowd: 0 })]);
  });

  it('should write keypoints as [x, y, 2] at the original size, [0, 0, 0] for a point not labeled, with num_keypoints', () => {
    const coco = labelsAsCoco(
      [entry(0, [[32, 32], null, [64, 16]])],
      pool('keypoints', { classNames: ['person'], categories: [{ id: 1, name: 'person' }], cocoImageIds: [5, 6], keypointNames: ['nose', 'eye', 'ear'] }),
    ) as { annotations: Array<{ keypoints: number[]; num_keypoints: number; bbox: number[] }>; categories: Array<{ keypoints: string[] }> };
    expect(coco.annotations[0]!.keypoints).toEqual([320, 240, 2, 0, 0, 0, 640, 120, 2]);
    expect(coco.annotations[0]!.num_keypoints).toBe(2);
    expect(coco.annotations[0]!.bbox).toEqual([320, 120, 320, 120]);
    expect(coco.categories[0]!.keypoints).toEqual(['nose', 'eye', 'ear']);
  });
});
