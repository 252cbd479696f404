import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { pairItems, splitPairs } from '../../src/ops/index.ts';

const batchSize = fc.integer({ min: 0, max: 301 });

describe('splitPairs', () => {
  test.prop([batchSize])('should return ⌊B/2⌋ pairs for any batch size B', (size) => {
    expect(splitPairs(size)).toHaveLength(Math.floor(size / 2));
  });

  test.prop([batchSize])('should return disjoint pairs covering every index but at most one', (size) => {
    const seen = new Set<number>();
    for (const [i, j] of splitPairs(size)) {
      expect(seen.has(i) || seen.has(j) || i === j).toBe(false);
      seen.add(i).add(j);
    }
    expect(size - seen.size).toBe(size % 2);
    if (size % 2 === 1) expect(seen.has((size - 1) / 2)).toBe(false);
  });

  test.prop([batchSize])('should pair element i with element B−1−i, in range, first index lower', (size) => {
    splitPairs(size).forEach(([i, j], p) => {
      expect(i).toBe(p);
      expect(j).toBe(size - 1 - p);
      expect(i).toBeLessThan(j);
      expect(j).toBeLessThan(size);
    });
  });

  test.prop([fc.array(fc.string(), { maxLength: 40 })])(
    'should group the items at the paired positions, for any batch',
    (batch) => {
      const before = [...batch];
      expect(pairItems(batch)).toEqual(splitPairs(batch.length).map(([i, j]) => [batch[i], batch[j]]));
      expect(batch).toEqual(before);
    },
  );

  test.prop([fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }))])(
    'should throw for any batch size that is not a non-negative integer',
    (size) => {
      expect(() => splitPairs(size)).toThrow(/batch size must be a non-negative integer/);
    },
  );
});
