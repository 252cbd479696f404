import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { InputError } from '../inputError.ts';
import { checkCount } from './topK.ts';

/**
 * Seeded random numbers. Every random choice of a run flows from one user seed: stages,
 * cycles and trials get their own seed with {@link deriveSeed}, and each seed drives an
 * xoroshiro128+ generator (pure-rand). Same seed → same numbers, on every platform.
 */

const TWO_32 = 4294967296;

/** murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
const fmix32 = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/** Folds one 32-bit word into a running hash (murmur3's block step). */
const absorb = (hash: number, word: number): number => {
  let k = Math.imul(word | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  const h = hash ^ k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
};

const checkSeed = (seed: number): void => {
  if (!Number.isSafeInteger(seed)) throw new InputError(`seed must be a safe integer, got ${seed}`);
};

/** The low and high 32-bit words of a safe integer (two's complement for negatives). */
const seedWords = (seed: number): readonly [number, number] => {
  const low = seed % TWO_32;
  return [low | 0, Math.floor(seed / TWO_32) | 0];
};

/**
 * A new seed derived from a seed and a list of tags, by hashing (murmur3-style) them all.
 *
 * Use it to give each trial, cycle and stage its own independent stream from one user seed:
 * `deriveSeed(seed, 'trial', 2, 'cycle', 5, 'subset')`. Deterministic; different tag lists
 * give unrelated seeds (the tag's type and a string's length are hashed too, so
 * `(1)` ≠ `('1')` and `('ab')` ≠ `('a', 'b')`).
 *
 * @param seed - a safe integer (anything else throws InputError)
 * @param tags - strings and numbers naming the purpose of the derived seed
 * @returns an unsigned 32-bit integer seed
 *
 * @example
 * deriveSeed(42, 'cycle', 3) === deriveSeed(42, 'cycle', 3) // true
 */
export const deriveSeed = (seed: number, ...tags: ReadonlyArray<string | number>): number => {
  checkSeed(seed);
  const [low, high] = seedWords(seed);
  let h = absorb(absorb(0x2545f491, low), high);
  const bits = new DataView(new ArrayBuffer(8));
  for (const tag of tags) {
    if (typeof tag === 'number') {
      bits.setFloat64(0, tag === 0 ? 0 : tag); // +0 and −0 alike
      h = absorb(absorb(absorb(h, 1), bits.getUint32(0)), bits.getUint32(4));
    } else {
      h = absorb(absorb(h, 2), tag.length);
      for (let c = 0; c < tag.length; c++) h = absorb(h, tag.charCodeAt(c));
    }
  }
  return fmix32(h ^ tags.length);
};

/** Four well-mixed state words from a seed (splitmix-style), never all zero. */
const generatorFor = (seed: number): RandomGenerator => {
  checkSeed(seed);
  const [low, high] = seedWords(seed);
  let x = fmix32(low ^ fmix32(high ^ 0x9e3779b9));
  const state = [0, 0, 0, 0].map(() => {
    x = (x + 0x9e3779b9) | 0;
    return fmix32(x) | 0;
  });
  if (!state.some((w) => w !== 0)) state[0] = 1;
  return xoroshiro128plusFromState(state);
};

/**
 * A stateful seeded generator for hot loops (augmentation, shuffling, sampling).
 *
 * Use it where drawing many numbers one by one must be cheap; everything else in this file
 * is built on it. State lives in the instance: create one per use, from a derived seed.
 *
 * @example
 * const rng = new Rng(deriveSeed(7, 'augment'));
 * const flip = rng.nextFloat() < 0.5;
 * const dx = rng.nextInt(9) - 4;
 */
export class Rng {
  private readonly generator: RandomGenerator;
  private spareNormal: number | undefined = undefined;

  /** @param seed - a safe integer (anything else throws InputError) */
  constructor(seed: number) {
    this.generator = generatorFor(seed);
  }

  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number {
    return this.generator.next() >>> 0;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /**
   * A uniform integer in [0, n), without modulo bias (rejection sampling).
   * @param n - a positive safe integer (anything else throws InputError)
   */
  nextInt(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`Rng.nextInt: n must be a positive safe integer, got ${n}`);
    if (n > TWO_32) return uniformInt(this.generator, 0, n - 1);
    const limit = TWO_32 - (TWO_32 % n);
    let v = this.nextUint32();
    while (v >= limit) v = this.nextUint32();
    return v % n;
  }

  /**
   * A normal deviate (Box–Muller; the second value of each pair is kept for the next call).
   * @param mean - default 0
   * @param std - default 1
   */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    const u = 1 - this.nextFloat(); // (0, 1]: log(u) is finite
    const v = this.nextFloat();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return mean + std * radius * Math.cos(2 * Math.PI * v);
  }
}

const checkSize = (n: number): void => {
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`sampleWithoutReplacement: n must be a non-negative integer, got ${n}`);
};

/**
 * k distinct integers drawn uniformly from [0, n), in draw order.
 *
 * Use it to draw the initial labeled set or the random subset M of the unlabeled pool.
 * A partial Fisher–Yates shuffle that remembers only the swapped positions: O(k) time and
 * memory for k ≪ n (a pool of 200,000 is never materialised). The draw order is itself
 * uniformly random, and the draws of k are a prefix of those of k + 1 for the same seed.
 *
 * Policy: k > n returns all n integers (shuffled); k = 0 or n = 0 returns []; k or n not a
 * non-negative integer, or seed not a safe integer, throws InputError.
 *
 * @param k - how many to draw
 * @param seed - the seed of this draw
 * @returns `n => min(k, n) distinct integers in [0, n)`
 *
 * @example
 * sampleWithoutReplacement(3, 42)(10) // three distinct integers in [0, 10), the same on every run
 */
export const sampleWithoutReplacement = (k: number, seed: number) => {
  checkCount('sampleWithoutReplacement', k);
  checkSeed(seed);
  return (n: number): ReadonlyArray<number> => {
    checkSize(n);
    const rng = new Rng(seed);
    const m = Math.min(k, n);
    const out = new Array<number>(m);
    // Position → value of the virtual array 0 … n−1 after the swaps so far; positions < i are never read again.
    const moved = new Map<number, number>();
    for (let i = 0; i < m; i++) {
      const j = i + rng.nextInt(n - i);
      const atJ = moved.get(j) ?? j;
      moved.set(j, moved.get(i) ?? i);
      moved.delete(i);
      out[i] = atJ;
    }
    return out;
  };
};

/**
 * k items of a pool drawn uniformly without replacement, in draw order.
 *
 * Use it to draw the random subset M of the unlabeled pool (pass the unlabeled ids), or the
 * random baseline's queries. Same algorithm and policy as {@link sampleWithoutReplacement}
 * (k greater than the pool returns the whole pool shuffled); the pool is not mutated.
 *
 * @param k - how many to draw
 * @param seed - the seed of this draw
 * @returns `pool => min(k, pool.length) items of pool`
 *
 * @example
 * randomSubset(2, 1)([10, 20, 30, 40]) // two distinct items of the pool
 */
export const randomSubset = (k: number, seed: number) => {
  const sample = sampleWithoutReplacement(k, seed);
  return <A>(pool: ArrayLike<A>): ReadonlyArray<A> => sample(pool.length).map((i) => pool[i]);
};

/**
 * A uniformly random permutation of the items (forward Fisher–Yates on a copy).
 *
 * Use it to shuffle the labeled set before each epoch, with a seed derived per epoch.
 * Consistent with {@link randomSubset}: its first k items are `randomSubset(k, seed)`.
 *
 * @param seed - a safe integer (anything else throws InputError)
 * @returns `items => a new array, the items permuted`
 *
 * @example
 * shuffle(3)(['a', 'b', 'c']) // the three letters in a seed-determined order
 */
export const shuffle = (seed: number) => {
  checkSeed(seed);
  return <A>(items: ArrayLike<A>): ReadonlyArray<A> => {
    const rng = new Rng(seed);
    const out = Array.from(items);
    for (let i = 0; i < out.length - 1; i++) {
      const j = i + rng.nextInt(out.length - i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
};
