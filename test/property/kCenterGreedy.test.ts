import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import { kCenterGreedy, type CoreSetInput } from '../../src/ops/index.ts';
import { expectRight } from './arbitraries.ts';

const distance = (x: Float32Array, dim: number, a: number, b: number): number => {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += (x[a * dim + d] - x[b * dim + d]) ** 2;
  return Math.sqrt(sum);
};

/** Largest distance from any row to its nearest centre (Infinity without centres). */
const coveringRadius = (x: Float32Array, dim: number, centres: ReadonlyArray<number>): number => {
  let radius = 0;
  for (let r = 0; r < x.length / dim; r++) {
    radius = Math.max(radius, Math.min(...centres.map((c) => distance(x, dim, r, c))));
  }
  return radius;
};

const subsetsOf = (items: ReadonlyArray<number>, size: number): ReadonlyArray<ReadonlyArray<number>> =>
  size === 0
    ? [[]]
    : items.flatMap((item, i) => subsetsOf(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]));

/** Points on a small integer grid (duplicates likely), plus a labeled subset. */
const coreSetCase = (maxRows: number, maxDim = 3) =>
  fc.record({ rows: fc.integer({ min: 1, max: maxRows }), dim: fc.integer({ min: 1, max: maxDim }) }).chain(({ rows, dim }) =>
    fc.record({
      embeddings: fc
        .array(fc.integer({ min: -4, max: 4 }), { minLength: rows * dim, maxLength: rows * dim })
        .map((v) => Float32Array.from(v)),
      dim: fc.constant(dim),
      labeled: fc.subarray(Array.from({ length: rows }, (_, i) => i)),
    }),
  );

describe('kCenterGreedy', () => {
  test.prop([coreSetCase(40), fc.integer({ min: 0, max: 45 })])(
    'should never pick a labeled or an already-picked row, and pick min(k, unlabeled) rows',
    (input, k) => {
      const picked = expectRight(kCenterGreedy(k)(input));
      const labeled = new Set(input.labeled);
      const rows = input.embeddings.length / input.dim;
      expect(picked).toHaveLength(Math.min(k, rows - labeled.size));
      expect(new Set(picked).size).toBe(picked.length);
      picked.forEach((r) => {
        expect(labeled.has(r)).toBe(false);
        expect(r >= 0 && r < rows).toBe(true);
      });
    },
  );

  test.prop([coreSetCase(8), fc.integer({ min: 1, max: 3 })])(
    'should cover within twice the optimal radius, checked by brute force on small cases',
    (input, k) => {
      const { embeddings: x, dim, labeled } = input;
      const picked = expectRight(kCenterGreedy(k)(input));
      const rows = x.length / dim;
      const unlabeled = Array.from({ length: rows }, (_, r) => r).filter((r) => !labeled.includes(r));
      const optimum = Math.min(
        ...subsetsOf(unlabeled, picked.length).map((extra) => coveringRadius(x, dim, [...labeled, ...extra])),
      );
      expect(coveringRadius(x, dim, [...labeled, ...picked])).toBeLessThanOrEqual(2 * optimum + 1e-9);
    },
  );

  test.prop([coreSetCase(30), fc.integer({ min: 1, max: 10 })])(
    'should pick, at each step, a row at maximal distance from the current centres (lowest index on ties)',
    (input, k) => {
      const { embeddings: x, dim, labeled } = input;
      const picked = expectRight(kCenterGreedy(k)(input));
      const centres = [...labeled];
      picked.forEach((p, step) => {
        if (step === 0 && centres.length === 0) {
          centres.push(p);
          return;
        }
        const rows = Array.from({ length: x.length / dim }, (_, r) => r).filter((r) => !centres.includes(r));
        const gap = (r: number): number => Math.min(...centres.map((c) => distance(x, dim, r, c)));
        const farthest = Math.max(...rows.map(gap));
        expect(gap(p)).toBe(farthest);
        expect(rows.find((r) => gap(r) === farthest)).toBe(p);
        centres.push(p);
      });
    },
  );

  test.prop([coreSetCase(60, 9), fc.integer({ min: 1, max: 12 })])(
    'should pick, for any width (padded or not to the SIMD lanes), the rows a direct double-precision greedy picks from labeled centres',
    (input, k) => {
      const { embeddings: x, dim, labeled } = input;
      const rows = x.length / dim;
      const centres = [...new Set(labeled)];
      const picks = centres.length === 0 ? 0 : Math.min(k, rows - centres.length);
      const gap = (r: number): number => Math.min(...centres.map((c) => distance(x, dim, r, c)));
      const expected: number[] = [];
      while (expected.length < picks) {
        const candidates = Array.from({ length: rows }, (_, r) => r).filter((r) => !centres.includes(r));
        const best = candidates.reduce((a, r) => (gap(r) > gap(a) ? r : a));
        expected.push(best);
        centres.push(best);
      }
      if (labeled.length > 0) expect(expectRight(kCenterGreedy(k)(input))).toEqual(expected);
    },
  );

  test.prop([coreSetCase(30), fc.integer({ min: 0, max: 10 })])(
    'should neither mutate its input nor depend on anything but it (same input, same picks)',
    (input, k) => {
      const copy: CoreSetInput = { ...input, embeddings: input.embeddings.slice(), labeled: [...input.labeled] };
      const first = kCenterGreedy(k)(input);
      expect(kCenterGreedy(k)(input)).toEqual(first);
      expect(input).toEqual(copy);
    },
  );

  test.prop([coreSetCase(10), fc.integer({ min: 1, max: 3 })])(
    'should be Left for a dimension that does not divide the data, a non-finite value, or a labeled row out of range',
    (input, k) => {
      const rows = input.embeddings.length / input.dim;
      const extra = Float32Array.from([...input.embeddings, 0]);
      expect(E.isLeft(kCenterGreedy(k)({ embeddings: extra, dim: 2, labeled: [] }))).toBe(extra.length % 2 !== 0);
      const nonFinite = input.embeddings.slice();
      nonFinite[0] = NaN;
      expect(kCenterGreedy(k)({ ...input, embeddings: nonFinite })).toEqual(E.left(expect.stringContaining('row 0')));
      expect(kCenterGreedy(k)({ ...input, labeled: [rows] })).toEqual(E.left(expect.stringContaining(`labeled row ${rows}`)));
      expect(E.isLeft(kCenterGreedy(k)({ ...input, dim: 0 }))).toBe(true);
    },
  );
});
