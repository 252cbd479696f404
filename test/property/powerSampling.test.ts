import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { powerSample, powerWeights, topK } from '../../src/ops/index.ts';

const score = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, Number.NaN, Number.NEGATIVE_INFINITY) },
);
const scores = fc.array(score, { maxLength: 40 });

describe('powerSample', () => {
  test.prop([scores, fc.integer({ min: 0, max: 45 }), fc.integer(), fc.double({ min: 0, max: 4, noNaN: true })])(
    'should draw min(k, N) distinct rows, the same for the same seed, those of k a prefix of those of k + 1',
    (s, k, seed, beta) => {
      const picks = powerSample({ k, seed, beta })(s);
      expect(picks).toHaveLength(Math.min(k, s.length));
      expect(new Set(picks).size).toBe(picks.length);
      expect(powerSample({ k, seed, beta })(s)).toEqual(picks);
      expect(powerSample({ k: k + 1, seed, beta })(s).slice(0, picks.length)).toEqual(picks);
    },
  );

  test.prop([scores, fc.integer({ min: 0, max: 45 }), fc.integer(), fc.double({ min: 0.1, max: 4, noNaN: true })])(
    'should never draw a zero-weight row (NaN, −Infinity, the shifted minimum) before a positive-weight one',
    (s, k, seed, beta) => {
      const w = powerWeights(beta)(s);
      const picks = powerSample({ k, seed, beta })(s);
      const firstZero = picks.findIndex((p) => !(w[p] > 0));
      if (firstZero >= 0) picks.slice(firstZero).forEach((p) => expect(w[p] > 0).toBe(false));
      const positive = w.filter((x) => x > 0).length;
      expect(picks.filter((p) => w[p] > 0)).toHaveLength(Math.min(positive, picks.length));
    },
  );

  test.prop([fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer()])(
    'should become top-K as β grows (distinct scores, β = 10⁵)',
    (s, k, seed) => {
      expect(powerSample({ k, seed, beta: 1e5 })(s)).toEqual(topK(k)(s));
    },
  );

  test.prop([fc.array(fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constant(Number.NaN)), { maxLength: 30 }), fc.double({ min: 0, max: 4, noNaN: true })])(
    'should weigh non-negative scores by s^β, NaN by 0',
    (s, beta) => {
      powerWeights(beta)(s).forEach((w, i) => expect(w).toBe(Number.isNaN(s[i]) ? 0 : s[i] ** beta));
    },
  );

  test.prop([scores, fc.double({ min: -10, max: -0.01, noNaN: true }), fc.double({ min: 0, max: 4, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true })])(
    'should weigh by the scores shifted to a minimum of 0 when some score is negative: unchanged by subtracting a constant',
    (s, negative, beta, c) => {
      const withNegative = [...s, negative];
      const base = powerWeights(beta)(withNegative);
      expect(Math.min(...base)).toBe(beta === 0 ? Math.min(...withNegative.map((x) => (Number.isNaN(x) || x === -Infinity ? 0 : 1))) : 0);
      powerWeights(beta)(withNegative.map((x) => x - c)).forEach((w, i) => expect(w).toBeCloseTo(base[i], 6));
    },
  );
});
