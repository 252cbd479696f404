import { fc } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';

/** Unwraps a `Right`, failing the test with the `Left` message otherwise. */
export const expectRight = <A>(result: E.Either<string, A>): A => {
  if (E.isLeft(result)) throw new Error(`expected Right, got Left: ${result.left}`);
  return result.right;
};

/**
 * A value on a grid of step 1/8 in [−125, 125]: distinct values stay distinct (and ties stay
 * ties) under every transform in {@link increasingTransforms}, with no rounding surprise.
 */
export const gridValue = fc.integer({ min: -1000, max: 1000 }).map((n) => n / 8);

/** A coarse grid value in [−3, 3]: ties and exact-margin cases are frequent. */
export const coarseValue = fc.integer({ min: -3, max: 3 });

/** A finite prediction of any magnitude the loss module may output. */
export const prediction = fc.double({ min: -100, max: 100, noNaN: true });

/** A batch: equal-length predicted and true losses, B in [0, maxLength]. */
export const batchOf = (
  value: fc.Arbitrary<number>,
  truth: fc.Arbitrary<number>,
  maxLength = 24,
): fc.Arbitrary<{ predicted: number[]; actual: number[] }> =>
  fc
    .integer({ min: 0, max: maxLength })
    .chain((size) =>
      fc.record({
        predicted: fc.array(value, { minLength: size, maxLength: size }),
        actual: fc.array(truth, { minLength: size, maxLength: size }),
      }),
    );

/** Strictly increasing maps of the reals, each named so a counterexample reads well. */
export const increasingTransforms: ReadonlyArray<{ readonly name: string; readonly f: (x: number) => number }> = [
  { name: 'x ↦ 3x', f: (x) => 3 * x },
  { name: 'x ↦ 0.01x + 7', f: (x) => 0.01 * x + 7 },
  { name: 'x ↦ x³', f: (x) => x ** 3 },
  { name: 'x ↦ exp(x / 50)', f: (x) => Math.exp(x / 50) },
  { name: 'x ↦ atan(x)', f: Math.atan },
  { name: 'x ↦ x + sin(x)/2', f: (x) => x + Math.sin(x) / 2 },
];

export const increasingTransform = fc.constantFrom(...increasingTransforms);

/** A positive scale c in [1/64, 64]. */
export const positiveScale = fc.double({ min: 1 / 64, max: 64, noNaN: true });
