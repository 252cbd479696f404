import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { rankBy } from '../../src/streams/rankBy.ts';
import { takeTopK } from '../../src/streams/takeTopK.ts';
import { strategies } from '../../src/streams/strategies.ts';
import type { Ranking } from '../../src/streams/strategy.ts';
import type { ScoredBatch } from '../../src/tasks/learner.ts';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Candidates with pool ids far from their positions, so a position/id mix-up shows. */
const candidates = (losses: number[], probabilities?: number[][], embeddings?: number[][]): ScoredBatch => ({
  ids: Int32Array.from(losses.map((_, i) => 1000 + 7 * i)),
  predictedLoss: Float32Array.from(losses),
  probabilities: { values: Float32Array.from((probabilities ?? losses.map(() => [0.5, 0.5])).flat()), width: probabilities?.[0]?.length ?? 2 },
  embeddings: { values: Float32Array.from((embeddings ?? losses.map((_, i) => [i])).flat()), width: embeddings?.[0]?.length ?? 1 },
});

describe('rankBy', () => {
  it('should rank by predicted loss, highest first, as pool ids, NaN last', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const c = candidates([0.2, 0.9, Number.NaN, 0.5]);
      const ranked = cold('-a|', { a: c }).pipe(rankBy(strategies['learning-loss']!, { count: 4, seed: 1 }));
      expectObservable(ranked).toBe('-r|', {
        r: { ids: Int32Array.of(1007, 1021, 1000, 1014), scores: Float32Array.of(0.9, 0.5, 0.2, Number.NaN) },
      });
    });
  });

  it('should rank by entropy with the most uncertain first', () => {
    const c = candidates([0, 0, 0], [
      [0.9, 0.1],
      [0.5, 0.5],
      [0.7, 0.3],
    ]);
    let ranking: Ranking | undefined;
    scheduler().run(({ cold }) => {
      cold('(a|)', { a: c })
        .pipe(rankBy(strategies.entropy!, { count: 2, seed: 0 }))
        .subscribe((r) => (ranking = r));
    });
    expect(Array.from(ranking!.ids)).toEqual([1007, 1014]);
  });

  it('should pick core-set candidates far from the labeled set', () => {
    const c = candidates([0, 0, 0, 0], undefined, [[0], [1], [2], [10]]);
    const labeled = candidates([0], undefined, [[0.5]]);
    let ranking: Ranking | undefined;
    scheduler().run(({ cold }) => {
      cold('(a|)', { a: c })
        .pipe(rankBy(strategies['core-set']!, { count: 2, seed: 0, labeled }))
        .subscribe((r) => (ranking = r));
    });
    // 10 is farthest from 0.5; then 2 (1.5 from 0.5, 8 from 10).
    expect(Array.from(ranking!.ids)).toEqual([1021, 1014]);
  });

  it('should report a strategy that picks a position twice', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const bad = { select: () => [0, 0] };
      expectObservable(cold('a', { a: candidates([1, 2]) }).pipe(rankBy(bad, { count: 2, seed: 0 }))).toBe(
        '#',
        undefined,
        new RangeError('strategy picked position 0 twice'),
      );
    });
  });
});

describe('takeTopK', () => {
  it('should split a ranking into K picks and the rest in reserve', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const ranking: Ranking = { ids: Int32Array.of(5, 3, 9, 1), scores: new Float32Array(4) };
      expectObservable(cold('-a-b|', { a: ranking, b: { ...ranking, ids: Int32Array.of(8) } }).pipe(takeTopK(2))).toBe('-x-y|', {
        x: { picks: Int32Array.of(5, 3), reserve: Int32Array.of(9, 1) },
        y: { picks: Int32Array.of(8), reserve: Int32Array.of() },
      });
    });
  });
});
