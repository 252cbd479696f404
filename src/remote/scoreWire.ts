/**
 * The binary form of a shard's scores on the wire: the pool ids (Int32) and named per-sample
 * outputs (Float32, `width` values per row), little-endian, behind a small JSON header. A
 * worker writes it to Redis as one value; the run reads it back without a JSON number in sight.
 *
 *     "LLSC" | u32 version | u32 header bytes | header JSON | pad to 4 | ids | output 0 | output 1 …
 *
 * Outputs are generic (a name and a width), so a learner that scores other things (gradient
 * embeddings, MC samples) travels in the same format.
 */
import { endianness } from 'node:os';
import * as E from 'fp-ts/lib/Either.js';
import { capabilities, type Capability, type ScoredBatch } from '../tasks/learner.ts';

/** One per-sample output of a shard: `width` floats per row, row-major. */
export interface NamedOutput {
  readonly name: string;
  readonly width: number;
  readonly values: Float32Array;
}

/** A shard's scores: its ids and the outputs asked for. */
export interface ShardScores {
  readonly ids: Int32Array;
  readonly outputs: ReadonlyArray<NamedOutput>;
}

/** The outputs a ScoredBatch can carry, by name: l̂, and every capability (a strategy asks for some of them). */
export const SCORE_OUTPUTS: ReadonlyArray<'predictedLoss' | Capability> = ['predictedLoss', ...capabilities];
export type ScoreOutputName = 'predictedLoss' | Capability;

const MAGIC = 'LLSC';
const VERSION = 1;

if (endianness() !== 'LE') throw new Error('ll4al remote scoring: the wire format assumes a little-endian machine');

const padTo4 = (n: number): number => (n + 3) & ~3;

/**
 * Encodes a shard's scores.
 * @param scores ids and outputs (each `ids.length * width` values)
 * @returns the bytes
 * @throws RangeError when an output's length does not match its width
 */
export const encodeShardScores = (scores: ShardScores): Buffer => {
  const rows = scores.ids.length;
  for (const o of scores.outputs) {
    if (!Number.isInteger(o.width) || o.width < 0 || o.values.length !== rows * o.width) {
      throw new RangeError(`output ${o.name}: ${o.values.length} values for ${rows} rows of width ${o.width}`);
    }
  }
  const header = Buffer.from(JSON.stringify({ rows, outputs: scores.outputs.map((o) => ({ name: o.name, width: o.width })) }), 'utf8');
  const start = padTo4(12 + header.length);
  const total = start + 4 * rows + scores.outputs.reduce((sum, o) => sum + 4 * o.values.length, 0);
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(VERSION, 4);
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  let at = start;
  const put = (a: Int32Array | Float32Array): void => {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, at);
    at += a.byteLength;
  };
  put(scores.ids);
  for (const o of scores.outputs) put(o.values);
  return out;
};

/**
 * Decodes bytes written by {@link encodeShardScores}.
 * @param bytes the value read from Redis
 * @returns the scores, or why the bytes are not scores
 */
export const decodeShardScores = (bytes: Buffer): E.Either<string, ShardScores> => {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== MAGIC) return E.left('not ll4al scores (bad magic)');
  const version = bytes.readUInt32LE(4);
  if (version !== VERSION) return E.left(`scores of format version ${version}, expected ${VERSION}`);
  const headerLength = bytes.readUInt32LE(8);
  if (12 + headerLength > bytes.length) return E.left('truncated header');
  let header: { rows?: unknown; outputs?: unknown };
  try {
    header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength));
  } catch {
    return E.left('header is not JSON');
  }
  const rows = header.rows;
  const outs = header.outputs;
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 0 || !Array.isArray(outs)) return E.left('header lacks rows or outputs');
  let at = padTo4(12 + headerLength);
  const take = <T>(count: number, make: (b: ArrayBuffer) => T): T | undefined => {
    if (at + 4 * count > bytes.length) return undefined;
    // a copy: Buffer values from ioredis share a pool, typed arrays need their own aligned bytes
    const copy = bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 4 * count) as ArrayBuffer;
    at += 4 * count;
    return make(copy);
  };
  const ids = take(rows, (b) => new Int32Array(b));
  if (ids === undefined) return E.left(`truncated ids (${rows} rows)`);
  const outputs: NamedOutput[] = [];
  for (const o of outs as Array<{ name?: unknown; width?: unknown }>) {
    if (typeof o.name !== 'string' || typeof o.width !== 'number' || !Number.isInteger(o.width) || o.width < 0) return E.left('bad output entry in header');
    const values = take(rows * o.width, (b) => new Float32Array(b));
    if (values === undefined) return E.left(`truncated output ${o.name}`);
    outputs.push({ name: o.name, width: o.width, values });
  }
  if (at !== bytes.length) return E.left(`${bytes.length - at} bytes after the last output`);
  return E.right({ ids, outputs });
};

/**
 * The outputs of a ScoredBatch that a shard returns: those asked for (the others are left out,
 * so a learning-loss run moves 4 bytes a sample, not 4·(1 + classes + embedding)).
 * @param batch the learner's scores
 * @param wanted the outputs the strategy needs
 * @returns the shard's scores
 */
export const shardScoresOf = (batch: ScoredBatch, wanted: ReadonlyArray<ScoreOutputName>): ShardScores => ({
  ids: batch.ids,
  outputs: wanted.map((name) => {
    if (name === 'predictedLoss') return { name, width: 1, values: batch.predictedLoss };
    const rows = batch[name];
    if (rows === undefined) throw new RangeError(`shardScoresOf: the scores carry no ${name} (score with { outputs: ['${name}'] })`);
    return { name, width: rows.width, values: rows.values };
  }),
});

/**
 * A ScoredBatch from a shard's scores — the one type local scoring gives: the outputs sent, and
 * no others; a predicted loss not sent is NaN (it ranks last, ops/topK's policy), never a silent 0.
 * @param scores the decoded scores
 * @returns the batch
 */
export const scoredBatchOf = (scores: ShardScores): ScoredBatch => {
  const find = (name: string): NamedOutput | undefined => scores.outputs.find((o) => o.name === name);
  const loss = find('predictedLoss');
  const batch: { -readonly [K in keyof ScoredBatch]: ScoredBatch[K] } = {
    ids: scores.ids,
    predictedLoss: loss?.values ?? new Float32Array(scores.ids.length).fill(Number.NaN),
  };
  for (const name of capabilities) {
    const sent = find(name);
    if (sent !== undefined) batch[name] = { values: sent.values, width: sent.width };
  }
  return batch;
};
