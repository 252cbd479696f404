import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { decodeHeatmaps, defaultHeatmapGeometry, encodeHeatmaps, heatmapSize, type HeatmapGeometry } from '../../src/tasks/keypoints/heatmaps.ts';
import { InputError } from '../../src/inputError.ts';
import { checkHeatmapGeometry } from '../../src/tasks/keypoints/index.ts';

const coordinate = fc.double({ min: 0, max: 48, noNaN: true, noDefaultInfinity: true });
const point = fc.tuple(coordinate, coordinate);
const item = fc.array(point, { minLength: 5, maxLength: 5 });

describe('heatmaps', () => {
  test.prop([fc.array(item, { minLength: 1, maxLength: 3 }), fc.constantFrom(1, 1.5, 2), fc.constantFrom(12, 24)])(
    'should decode to within 0.01 px any keypoints inside the canvas that it encoded',
    (items, sigma, gridSize) => {
      const g: HeatmapGeometry = { ...defaultHeatmapGeometry, sigma, gridSize };
      const points = Float32Array.from(items.flat(2));
      const decoded = decodeHeatmaps(g, encodeHeatmaps(g, points));
      expect(decoded.length).toBe(points.length);
      for (let i = 0; i < points.length; i++) expect(Math.abs(decoded[i]! - points[i]!)).toBeLessThan(0.01);
    },
  );

  it('puts the peak 1 on a keypoint at a cell centre and lays out NHWC', () => {
    const g = defaultHeatmapGeometry;
    // keypoint 2 at the centre of cell (row 3, column 5): x = 5.5·4, y = 3.5·4
    const pts = new Float32Array(10).fill(24);
    pts[4] = 22;
    pts[5] = 14;
    const maps = encodeHeatmaps(g, pts);
    expect(maps.length).toBe(heatmapSize(g));
    expect(maps[(3 * 12 + 5) * 5 + 2]).toBeCloseTo(1, 6);
    // one cell to the right: exp(−1 / (2σ²)) with σ = 2
    expect(maps[(3 * 12 + 6) * 5 + 2]).toBeCloseTo(Math.exp(-1 / 8), 6);
  });

  it('decodes a flat or negative map to a cell centre inside the canvas', () => {
    const g = defaultHeatmapGeometry;
    const flat = decodeHeatmaps(g, new Float32Array(heatmapSize(g)));
    expect(Array.from(flat.subarray(0, 2))).toEqual([2, 2]); // first cell's centre
    const negative = decodeHeatmaps(g, new Float32Array(heatmapSize(g)).fill(-3));
    for (const v of negative) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('rejects a bad geometry with an InputError naming the field', () => {
    expect(() => checkHeatmapGeometry({ ...defaultHeatmapGeometry, sigma: 0 })).toThrow(InputError);
    expect(() => checkHeatmapGeometry({ ...defaultHeatmapGeometry, gridSize: 1.5 })).toThrow(/gridSize/);
  });
});
