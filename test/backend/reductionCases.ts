import { fc } from '@fast-check/vitest';

/**
 * A reduction to test: a shape of rank 1–4 with sides 1 … `maxSide`, the axes to reduce (any
 * subset, possibly none), keepDims, and a seed for the values.
 */
export const reductionCase = (maxSide: number) =>
  fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: maxSide }), { minLength: 1, maxLength: 4 }),
      mask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      keepDims: fc.boolean(),
      seed: fc.integer({ min: 1, max: 10_000 }),
    })
    .map(({ shape, mask, keepDims, seed }) => ({ shape, keepDims, seed, axes: shape.map((_, i) => i).filter((i) => mask[i]) }));
