import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import { baldScores, entropy, mcEntropyScores, mutualInformation, predictiveEntropy } from '../../src/ops/index.ts';
import { expectRight } from './arbitraries.ts';

/** T passes of C-class probability vectors (zeros included), flattened pass by pass. */
const mcCase = fc.record({ passes: fc.integer({ min: 1, max: 8 }), classes: fc.integer({ min: 1, max: 6 }) }).chain(({ passes, classes }) =>
  fc.record({
    passes: fc.constant(passes),
    classes: fc.constant(classes),
    rows: fc.array(
      fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1, noNaN: true })), { minLength: classes, maxLength: classes }).map((w) => {
        const total = w.reduce((s, x) => s + x, 0);
        return total === 0 ? w.map((_, c) => (c === 0 ? 1 : 0)) : w.map((x) => x / total);
      }),
      { minLength: passes, maxLength: passes },
    ),
  }),
);

const meanRow = (rows: ReadonlyArray<ReadonlyArray<number>>): number[] => rows[0].map((_, c) => rows.reduce((s, r) => s + r[c], 0) / rows.length);

describe('MC-dropout scores', () => {
  test.prop([mcCase])('should make BALD equal H[E p] − E H[p] and the predictive entropy equal H[E p], for any passes', ({ passes, classes, rows }) => {
    const flat = rows.flat();
    const total = entropy(meanRow(rows));
    const expected = total - rows.reduce((s, r) => s + entropy(r), 0) / passes;
    expect(predictiveEntropy(passes, classes)(flat)).toBeCloseTo(total, 10);
    expect(mutualInformation(passes, classes)(flat)).toBeCloseTo(Math.max(0, expected), 10);
  });

  test.prop([mcCase])('should keep the mutual information in [0, predictive entropy] and [0, log C]', ({ passes, classes, rows }) => {
    const flat = rows.flat();
    const mi = mutualInformation(passes, classes)(flat);
    expect(mi).toBeGreaterThanOrEqual(0);
    expect(mi).toBeLessThanOrEqual(predictiveEntropy(passes, classes)(flat) + 1e-12);
    expect(mi).toBeLessThanOrEqual(Math.log(classes) + 1e-12);
  });

  test.prop([mcCase, fc.integer({ min: 2, max: 5 })])('should give zero mutual information when every pass repeats one distribution', ({ classes, rows }, copies) => {
    const same = Array.from({ length: copies }, () => rows[0]).flat();
    expect(mutualInformation(copies, classes)(same)).toBeCloseTo(0, 12);
    expect(predictiveEntropy(copies, classes)(same)).toBeCloseTo(entropy(rows[0]), 12);
  });

  const batchCase = mcCase.chain((first) =>
    fc.array(mcCase.filter((c) => c.passes === first.passes && c.classes === first.classes), { maxLength: 4 }).map((rest) => [first, ...rest]),
  );
  test.prop([batchCase])(
    'should score a batch candidate by candidate, in order',
    (cases) => {
      const { passes, classes } = cases[0];
      const samples = Float32Array.from(cases.flatMap((c) => c.rows.flat()));
      const bald = expectRight(baldScores({ samples, passes, classes }));
      const mcEntropy = expectRight(mcEntropyScores({ samples, passes, classes }));
      cases.forEach((c, i) => {
        const one = Float32Array.from(c.rows.flat());
        expect(bald[i]).toBeCloseTo(Math.fround(mutualInformation(passes, classes)(one)), 6);
        expect(mcEntropy[i]).toBeCloseTo(Math.fround(predictiveEntropy(passes, classes)(one)), 6);
      });
    },
  );

  test.prop([mcCase, fc.nat()])('should score NaN any candidate with a NaN sample', ({ passes, classes, rows }, at) => {
    const flat = rows.flat();
    flat[at % flat.length] = Number.NaN;
    expect(mutualInformation(passes, classes)(flat)).toBeNaN();
    expect(predictiveEntropy(passes, classes)(flat)).toBeNaN();
  });

  test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.nat()])(
    'should refuse a batch whose length is not a multiple of passes × classes',
    (passes, classes, candidates, extra) => {
      const width = passes * classes;
      const samples = new Float32Array(candidates * width + 1 + (extra % (width - 1)));
      expect(E.isLeft(baldScores({ samples, passes, classes }))).toBe(true);
      expect(E.isLeft(mcEntropyScores({ samples, passes, classes }))).toBe(true);
    },
  );
});
