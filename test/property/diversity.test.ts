import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import {
  badge,
  diverseTopK,
  embeddingSpace,
  gradientEmbedding,
  gradientEmbeddingSpace,
  kMeans,
  kMeansPlusPlus,
  kMeansPlusPlusIn,
  topK,
  typicality,
  typiclust,
} from '../../src/ops/index.ts';
import { expectRight } from './arbitraries.ts';

/** rows × dim small integers (duplicates likely): exact in float32 dot products. */
const pointsOf = (maxRows: number, maxDim = 3, minRows = 0) =>
  fc.record({ rows: fc.integer({ min: minRows, max: maxRows }), dim: fc.integer({ min: 1, max: maxDim }) }).chain(({ rows, dim }) =>
    fc.record({
      embeddings: fc.array(fc.integer({ min: -4, max: 4 }), { minLength: rows * dim, maxLength: rows * dim }).map((v) => Float32Array.from(v)),
      dim: fc.constant(dim),
    }),
  );

/** Probability rows on a grid of 1/8 (exact in float32 and float64) of C classes. */
const gridDistribution = (classes: number) =>
  fc.array(fc.nat({ max: 8 }), { minLength: classes, maxLength: classes }).map((w) => {
    const total = w.reduce((s, x) => s + x, 0);
    if (total === 0) return w.map((_, c) => (c === 0 ? 1 : 0));
    // largest-remainder rounding to eighths that sum to 1
    const eighths = w.map((x) => Math.floor((8 * x) / total));
    let left = 8 - eighths.reduce((s, x) => s + x, 0);
    for (let c = 0; left > 0; c = (c + 1) % classes) if (w[c] > 0) (eighths[c]++, left--);
    return eighths.map((e) => e / 8);
  });

const badgeCase = fc.record({ rows: fc.integer({ min: 0, max: 24 }), classes: fc.integer({ min: 1, max: 4 }), dim: fc.integer({ min: 1, max: 3 }) }).chain(({ rows, classes, dim }) =>
  fc.record({
    probabilities: fc.array(gridDistribution(classes), { minLength: rows, maxLength: rows }).map((r) => Float32Array.from(r.flat())),
    classes: fc.constant(classes),
    embeddings: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: rows * dim, maxLength: rows * dim }).map((v) => Float32Array.from(v)),
    dim: fc.constant(dim),
  }),
);

const distance2 = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - y[i]) ** 2;
  return s;
};
const row = (x: Float32Array, dim: number, r: number): Float32Array => x.subarray(r * dim, (r + 1) * dim);

/** k-means++ written out over explicit vectors, with the same draws as ops/kMeansPlusPlus. */
const explicitSpace = (vectors: ReadonlyArray<ArrayLike<number>>) => ({
  rows: vectors.length,
  squaredNorms: Float64Array.from(vectors.map((v) => distance2(v, new Float64Array(v.length)))),
  toRow: (c: number, out: Float64Array) => vectors.forEach((v, r) => (out[r] = distance2(v, vectors[c]))),
});

describe('kMeansPlusPlus', () => {
  test.prop([pointsOf(30), fc.integer({ min: 0, max: 35 }), fc.integer()])(
    'should pick min(k, N) distinct rows, the same for the same seed',
    (points, k, seed) => {
      const picks = expectRight(kMeansPlusPlus(k, seed)(points));
      const rows = points.embeddings.length / points.dim;
      expect(picks).toHaveLength(Math.min(k, rows));
      expect(new Set(picks).size).toBe(picks.length);
      picks.forEach((r) => expect(r >= 0 && r < rows).toBe(true));
      expect(expectRight(kMeansPlusPlus(k, seed)(points))).toEqual(picks);
    },
  );

  test.prop([pointsOf(30, 3, 1), fc.integer({ min: 1, max: 35 }), fc.integer()])(
    'should never pick a duplicate of a centre while a row off the centres remains',
    (points, k, seed) => {
      const picks = expectRight(kMeansPlusPlus(k, seed)(points));
      const { embeddings: x, dim } = points;
      const rows = x.length / dim;
      picks.forEach((p, i) => {
        const onCentre = picks.slice(0, i).some((c) => distance2(row(x, dim, p), row(x, dim, c)) === 0);
        if (!onCentre) return;
        // a duplicate pick is allowed only when every unpicked row is a duplicate of a centre
        for (let r = 0; r < rows; r++) {
          if (picks.slice(0, i + 1).includes(r)) continue;
          expect(picks.slice(0, i).some((c) => distance2(row(x, dim, r), row(x, dim, c)) === 0)).toBe(true);
        }
      });
    },
  );
});

describe('badge', () => {
  test.prop([badgeCase])('should hold the gradient embeddings implicitly: every factored distance equals the explicit one', (input) => {
    const rows = input.embeddings.length / input.dim;
    const space = gradientEmbeddingSpace(input);
    const g = Array.from({ length: rows }, (_, r) => gradientEmbedding(row(input.probabilities, input.classes, r), row(input.embeddings, input.dim, r)));
    const out = new Float64Array(rows);
    for (let c = 0; c < rows; c++) {
      space.toRow(c, out);
      for (let r = 0; r < rows; r++) expect(out[r]).toBeCloseTo(distance2(g[r], g[c]), 9);
      expect(space.squaredNorms[c]).toBeCloseTo(distance2(g[c], new Float64Array(g[c].length)), 9);
    }
  });

  test.prop([badgeCase, fc.integer({ min: 0, max: 30 }), fc.integer()])(
    'should pick what k-means++ from the largest norm picks on the explicit gradient embeddings',
    (input, k, seed) => {
      const rows = input.embeddings.length / input.dim;
      const g = Array.from({ length: rows }, (_, r) => gradientEmbedding(row(input.probabilities, input.classes, r), row(input.embeddings, input.dim, r)));
      expect(expectRight(badge(k, seed)(input))).toEqual(kMeansPlusPlusIn(k, seed, 'largest-norm')(explicitSpace(g)));
    },
  );

  test.prop([badgeCase.filter((c) => c.probabilities.length > 0), fc.nat()])('should refuse NaN probabilities instead of ranking them', (input, at) => {
    const probabilities = input.probabilities.slice();
    probabilities[at % probabilities.length] = Number.NaN;
    expect(E.isLeft(badge(1, 0)({ ...input, probabilities }))).toBe(true);
  });
});

describe('kMeans', () => {
  test.prop([pointsOf(30, 3, 1), fc.integer({ min: 1, max: 8 }), fc.integer()])(
    'should assign every row to a nearest final centre when it converges, each centre the mean of its rows',
    (points, k, seed) => {
      const { embeddings: x, dim } = points;
      const rows = x.length / dim;
      const c = expectRight(kMeans({ k, seed, maxIterations: 100 })(points));
      expect(c.k).toBe(Math.min(k, rows));
      const centre = (j: number) => c.centres.subarray(j * dim, (j + 1) * dim);
      for (let j = 0; j < c.k; j++) {
        const members = Array.from({ length: rows }, (_, r) => r).filter((r) => c.assignments[r] === j);
        if (members.length === 0) continue;
        for (let d = 0; d < dim; d++) expect(centre(j)[d]).toBeCloseTo(members.reduce((s, r) => s + x[r * dim + d], 0) / members.length, 4);
      }
      if (c.iterations < 100) {
        for (let r = 0; r < rows; r++) {
          const own = distance2(row(x, dim, r), centre(c.assignments[r]));
          for (let j = 0; j < c.k; j++) expect(own).toBeLessThanOrEqual(distance2(row(x, dim, r), centre(j)) + 1e-3);
        }
      }
    },
  );
});

/**
 * typicality computes its distances in float32 (centred rows, ‖x‖² − 2x·y + ‖y‖² by the SIMD dot
 * kernel): with coordinates within ±8 and distances from 1 up, a distance carries a relative
 * error of up to ~2e-5, so results are compared relatively, at 1e-4.
 */
const expectRelativelyClose = (actual: number, expected: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-4 * Math.abs(expected));
};

describe('typicality', () => {
  test.prop([pointsOf(20, 3, 2), fc.integer({ min: 1, max: 25 }), fc.integer({ min: -5, max: 5 }), fc.integer({ min: 1, max: 4 })])(
    'should be unchanged by a translation and divided by c when the points are scaled by c',
    (points, m, shift, scale) => {
      const { embeddings: x, dim } = points;
      const base = typicality(m)(x, dim);
      const moved = typicality(m)(x.map((v) => v + shift), dim);
      const scaled = typicality(m)(x.map((v) => v * scale), dim);
      base.forEach((t, r) => {
        if (!Number.isFinite(t)) {
          expect(moved[r]).toBe(Infinity);
          return;
        }
        expectRelativelyClose(moved[r] as number, t);
        expectRelativelyClose(scaled[r] as number, t / scale);
      });
    },
  );

  test.prop([pointsOf(20, 3, 2), fc.integer({ min: 1, max: 25 })])('should equal 1 / the mean distance to the m nearest other rows', (points, m) => {
    const { embeddings: x, dim } = points;
    const rows = x.length / dim;
    const t = typicality(m)(x, dim);
    const mm = Math.min(m, rows - 1);
    for (let r = 0; r < rows; r++) {
      const d = Array.from({ length: rows }, (_, s) => s).filter((s) => s !== r).map((s) => Math.sqrt(distance2(row(x, dim, r), row(x, dim, s)))).sort((a, b) => a - b);
      const mean = d.slice(0, mm).reduce((a, b) => a + b, 0) / mm;
      if (mean === 0) expect(t[r]).toBe(Infinity);
      else expectRelativelyClose(t[r] as number, 1 / mean);
    }
  });
});

describe('typiclust', () => {
  test.prop([pointsOf(25, 2, 1), pointsOf(10, 2), fc.integer({ min: 0, max: 30 }), fc.integer()])(
    'should pick min(K, candidates) distinct candidate rows, the same for the same seed',
    (candidates, labeledPoints, k, seed) => {
      const dim = candidates.dim;
      const labeled = Float32Array.from(Array.from(labeledPoints.embeddings).slice(0, Math.floor(labeledPoints.embeddings.length / dim) * dim));
      const input = { candidates: candidates.embeddings, labeled, dim };
      const picks = expectRight(typiclust({ k, seed })(input));
      const n = candidates.embeddings.length / dim;
      expect(picks).toHaveLength(Math.min(k, n));
      expect(new Set(picks).size).toBe(picks.length);
      picks.forEach((r) => expect(r >= 0 && r < n).toBe(true));
      expect(expectRight(typiclust({ k, seed })(input))).toEqual(picks);
    },
  );

  test.prop([fc.array(fc.integer({ min: 3, max: 9 }), { minLength: 2, maxLength: 6 }), fc.integer()])(
    'should take, from each well-separated blob without a labeled point, its centre, the largest blobs first (|labeled| + K = the blobs)',
    (sizes, seed) => {
      // blob b: odd-sized runs of points spaced 1 apart around b·1000, its centre point the most typical; blob 0 holds the labeled point
      const sizesOf = sizes.map((s) => (s % 2 === 1 ? s : s + 1));
      const candidates: number[] = [];
      const centreRow: number[] = [];
      sizesOf.forEach((s, b) => {
        for (let i = 0; i < s; i++) {
          if (i === (s - 1) / 2) centreRow[b] = candidates.length;
          candidates.push(b * 1000 + i - (s - 1) / 2);
        }
      });
      const k = sizes.length - 1;
      const picks = expectRight(typiclust({ k, seed, maxIterations: 100 })({ candidates: Float32Array.from(candidates), labeled: Float32Array.of(0.25), dim: 1 }));
      const pickedBlobs = picks.map((p) => Math.round(candidates[p] / 1000));
      expect([...pickedBlobs].sort((a, b) => a - b)).toEqual(Array.from({ length: k }, (_, i) => i + 1));
      pickedBlobs.forEach((b, i) => {
        expect(picks[i]).toBe(centreRow[b]);
        if (i > 0) expect(sizesOf[b]).toBeLessThanOrEqual(sizesOf[pickedBlobs[i - 1]]);
      });
    },
  );
});

describe('diverseTopK', () => {
  const diverseCase = pointsOf(30, 3, 0).chain((points) =>
    fc.record({
      points: fc.constant(points),
      scores: fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constant(Number.NaN)), {
        minLength: points.embeddings.length / points.dim,
        maxLength: points.embeddings.length / points.dim,
      }),
    }),
  );

  test.prop([diverseCase, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom('kmeans++' as const, 'k-center' as const), fc.integer()])(
    'should pick min(k, N) distinct rows, every one from the top ⌈α·K⌉ by score, the top-scored first with k-means++',
    ({ points, scores }, k, factor, method, seed) => {
      const picks = expectRight(diverseTopK({ k, seed, factor, method })({ scores, ...points }));
      const n = scores.length;
      expect(picks).toHaveLength(Math.min(k, n));
      expect(new Set(picks).size).toBe(picks.length);
      const shortlist = new Set(topK(Math.min(n, factor * k))(scores));
      picks.forEach((p) => expect(shortlist.has(p)).toBe(true));
      if (method === 'kmeans++' && picks.length > 0) expect(picks[0]).toBe(topK(1)(scores)[0]);
    },
  );

  test.prop([diverseCase, fc.integer({ min: 0, max: 12 }), fc.integer()])('should be top-K by score when the shortlist is exactly K (α = 1)', ({ points, scores }, k, seed) => {
    const picks = expectRight(diverseTopK({ k, seed, factor: 1 })({ scores, ...points }));
    expect([...picks].sort((a, b) => a - b)).toEqual([...topK(k)(scores)].sort((a, b) => a - b));
  });
});

describe('embeddingSpace', () => {
  test.prop([pointsOf(20, 5, 1)])('should give the exact squared distances of small-integer points', ({ embeddings: x, dim }) => {
    const rows = x.length / dim;
    const space = embeddingSpace(x, dim);
    const out = new Float64Array(rows);
    for (let c = 0; c < rows; c++) {
      space.toRow(c, out);
      for (let r = 0; r < rows; r++) expect(out[r]).toBe(distance2(row(x, dim, r), row(x, dim, c)));
    }
  });
});
