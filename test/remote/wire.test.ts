/**
 * The pure parts of remote scoring: the binary scores format, the job codec, Redis URLs, and
 * putting shards delivered in any order (some twice) back in the subset's order.
 */
import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeRunConfig } from '../../src/config/runConfig.ts';
import { InputError } from '../../src/inputError.ts';
import { parseRedisUrl, redactRedisUrl } from '../../src/remote/redisUrl.ts';
import { decodeScoreJob, ScoreJob, scoreJobId } from '../../src/remote/scoreJob.ts';
import { decodeShardScores, encodeShardScores, scoredBatchOf, shardScoresOf } from '../../src/remote/scoreWire.ts';
import { concatBatches, inIdOrder } from '../../src/streams/gatherScores.ts';
import type { ScoredBatch } from '../../src/tasks/learner.ts';

const floats = (n: number) => fc.array(fc.float({ noDefaultInfinity: true }), { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));

const batchArb = fc.integer({ min: 0, max: 40 }).chain((n) =>
  fc.record({
    ids: fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: n, maxLength: n }).map((a) => Int32Array.from(a)),
    predictedLoss: floats(n),
    probabilities: floats(n * 3).map((values) => ({ values, width: 3 })),
    embeddings: floats(n * 2).map((values) => ({ values, width: 2 })),
  }),
);

/** The rows of a batch (an output's width only where it has rows: zero batches carry no outputs). */
const rowsOf = (b: ScoredBatch) => ({
  ids: Array.from(b.ids),
  l: Array.from(b.predictedLoss),
  p: b.ids.length > 0 ? b.probabilities && [b.probabilities.width, Array.from(b.probabilities.values)] : undefined,
  e: b.ids.length > 0 ? b.embeddings && [b.embeddings.width, Array.from(b.embeddings.values)] : undefined,
});

describe('scores on the wire', () => {
  test.prop([batchArb])('should decode to exactly the ids and float bits that were encoded', (batch) => {
    const decoded = decodeShardScores(encodeShardScores(shardScoresOf(batch, ['predictedLoss', 'probabilities', 'embeddings'])));
    expect(E.isRight(decoded)).toBe(true);
    if (E.isRight(decoded)) expect(rowsOf(scoredBatchOf(decoded.right))).toEqual(rowsOf(batch));
  });

  test.prop([batchArb])('should carry only the outputs asked for, 4 bytes per id and per value', (batch) => {
    const bytes = encodeShardScores(shardScoresOf(batch, ['predictedLoss']));
    const decoded = decodeShardScores(bytes);
    if (E.isLeft(decoded)) throw new Error(decoded.left);
    const back = scoredBatchOf(decoded.right);
    expect(Array.from(back.predictedLoss)).toEqual(Array.from(batch.predictedLoss));
    expect(back.probabilities).toBeUndefined();
    expect(back.embeddings).toBeUndefined();
    expect(bytes.length).toBeLessThanOrEqual(8 * batch.ids.length + 100);
  });

  test.prop([batchArb, fc.nat()])('should refuse bytes cut short anywhere, never returning wrong scores', (batch, cut) => {
    const bytes = encodeShardScores(shardScoresOf(batch, ['predictedLoss', 'embeddings']));
    const at = cut % bytes.length;
    expect(E.isLeft(decodeShardScores(bytes.subarray(0, at)))).toBe(true);
  });

  it('should leave the predicted loss NaN (ranked last), not 0, when it was not sent', () => {
    expect(Array.from(scoredBatchOf({ ids: Int32Array.from([4, 5]), outputs: [] }).predictedLoss)).toEqual([Number.NaN, Number.NaN]);
  });
});

describe('inIdOrder', () => {
  test.prop([batchArb, fc.integer({ min: 1, max: 5 }), fc.infiniteStream(fc.nat()), fc.array(fc.nat(), { maxLength: 4 })])(
    'should give the batch back whatever order the shards come in and whichever shards come twice',
    (batch, shardSize, keys, repeats) => {
      const n = batch.ids.length;
      const shards: ScoredBatch[] = [];
      for (let s = 0; s < n; s += shardSize) {
        const e = Math.min(n, s + shardSize);
        shards.push({
          ...batch,
          ids: batch.ids.slice(s, e),
          predictedLoss: batch.predictedLoss.slice(s, e),
          probabilities: { values: batch.probabilities!.values.slice(s * 3, e * 3), width: 3 },
          embeddings: { values: batch.embeddings!.values.slice(s * 2, e * 2), width: 2 },
        });
      }
      const order = keys.take(shards.length);
      const shuffled = shards.map((shard, i) => ({ shard, key: order.next().value as number, i })).sort((a, b) => a.key - b.key || a.i - b.i).map((x) => x.shard);
      const delivered = shards.length === 0 ? shuffled : [...shuffled, ...repeats.map((r) => shards[r % shards.length]!)];
      expect(rowsOf(inIdOrder(batch.ids)(concatBatches(delivered)))).toEqual(rowsOf(batch));
    },
  );

  it('should name an id that no shard scored', () => {
    const batch: ScoredBatch = { ids: Int32Array.from([1]), predictedLoss: new Float32Array(1) };
    expect(() => inIdOrder(Int32Array.from([1, 7]))(batch)).toThrow('scoring returned no row for pool id 7');
  });
});

describe('scoring jobs', () => {
  const job = {
    version: 1,
    run: 'run-1',
    cycle: 2,
    part: 'subset',
    shard: 3,
    modelHash: 'ab'.repeat(12),
    learner: { config: decodeRunConfig({}), lossObjective: 'ranking', poolSize: 100, dataName: 'x', arithmetic: 'wasm (simd)' },
    ids: Int32Array.from([5, 6, 99]),
    outputs: ['predictedLoss'],
    resultTtlSeconds: 60,
  } as unknown as ScoreJob;

  it('should decode what it encodes, ids as base64 of Int32 (no JSON numbers)', () => {
    const wire = JSON.parse(JSON.stringify(ScoreJob.encode(job)));
    expect(typeof wire.ids).toBe('string');
    const back = decodeScoreJob(wire);
    if (E.isLeft(back)) throw new Error(back.left);
    expect(Array.from(back.right.ids)).toEqual([5, 6, 99]);
  });

  it.each([
    [{ part: 'everything' }, /^Invalid value "everything" supplied to ScoreJob\/part: expected/],
    [{ ids: 'AAA' }, /^Invalid value "AAA" supplied to ScoreJob\/ids: expected a multiple of 4 bytes, got 2$/],
    [{ modelHash: '../etc' }, /^Invalid value "..\/etc" supplied to ScoreJob\/modelHash: expected ModelHash$/],
    [{ outputs: ['gradients'] }, /^Invalid value "gradients" supplied to ScoreJob\/outputs\/0: expected ScoreOutput$/],
  ])('should refuse %j with the path of the field', (change, reason) => {
    const wire = { ...JSON.parse(JSON.stringify(ScoreJob.encode(job))), ...change };
    const back = decodeScoreJob(wire);
    expect(E.isLeft(back) ? back.left : 'decoded').toMatch(reason);
  });

  it('should have an id made of the run, cycle, part, weights and shard, without ":"', () => {
    expect(scoreJobId(job)).toBe(`run-1.c2.subset.${'ab'.repeat(12)}.s3`);
  });
});

describe('Redis URLs', () => {
  it('should read host, port, database, password and TLS', () => {
    const t = parseRedisUrl('rediss://:p%40ss@example.org:6380/2', '--redis', {});
    expect(t).toMatchObject({ host: 'example.org', port: 6380, db: 2, password: 'p@ss', display: 'rediss://example.org:6380/2' });
    expect(t.tls).toBeDefined();
    expect(parseRedisUrl('redis://10.0.0.5', '--redis', { LL4AL_REDIS_PASSWORD: 'env' })).toMatchObject({ host: '10.0.0.5', port: 6379, db: 0, password: 'env' });
  });

  it.each([
    ['http://h:1', '--score-workers "http://h:1": expected a redis:// or rediss:// URL, got http:'],
    ['nonsense', '--score-workers "nonsense" is not a URL: expected redis://HOST:PORT or rediss://HOST:PORT'],
    ['redis://h:1/x', '--score-workers: database "x" is not a number ≥ 0'],
  ])('should refuse %s in one line', (url, message) => {
    expect(() => parseRedisUrl(url, '--score-workers', {})).toThrow(new InputError(message));
  });

  it('should keep the password out of what is shown and stored', () => {
    expect(redactRedisUrl('redis://:secret@h:1')).toBe('redis://h:1');
    expect(redactRedisUrl('redis://h:1')).toBe('redis://h:1');
  });
});
