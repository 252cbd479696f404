/**
 * A scoring job as it travels through BullMQ: which run, cycle, part and shard it is, the hash
 * of the weights to score with, what the worker needs to build the same learner as the run
 * (the run configuration and the strategy's loss objective), the shard's pool ids (binary,
 * base64 of little-endian Int32) and the outputs the strategy asked for. A worker decodes it
 * with the io-ts codec here before it touches anything; a job that does not decode fails with
 * the codec's path and value.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as tf from '@tensorflow/tfjs-core';
import * as t from 'io-ts';
import { kernelArithmetic } from '../backend/kernels/kernelVariant.ts';
import { NonNegativeInt, PositiveInt, RunConfig } from '../config/runConfig.ts';
import { SCORE_OUTPUTS, type ScoreOutputName } from './scoreWire.ts';

/** The BullMQ queue scoring jobs go through (the run and its workers must agree). */
export const DEFAULT_SCORE_QUEUE = 'll4al-score';

/** Pool ids as base64 of little-endian Int32 values (JSON carries a string, not numbers). */
export const Int32ArrayFromBase64 = new t.Type<Int32Array, string, unknown>(
  'Int32ArrayFromBase64',
  (u): u is Int32Array => u instanceof Int32Array,
  (u, c) => {
    if (typeof u !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(u)) return t.failure(u, c, 'base64 of Int32 ids');
    const bytes = Buffer.from(u, 'base64');
    if (bytes.length % 4 !== 0) return t.failure(u, c, `a multiple of 4 bytes, got ${bytes.length}`);
    const ids = new Int32Array(bytes.length / 4);
    Buffer.from(ids.buffer).set(bytes);
    return t.success(ids);
  },
  (ids) => Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength).toString('base64'),
);

const ScoreOutput = t.keyof(Object.fromEntries(SCORE_OUTPUTS.map((name) => [name, null])) as Record<ScoreOutputName, null>, 'ScoreOutput');

/** A content hash of published weights: 24 hex digits. */
const ModelHash = t.refinement(t.string, (s) => /^[0-9a-f]{24}$/.test(s), 'ModelHash');
/** A run's id: letters, digits, '-' and '_' (BullMQ job ids cannot hold ':'). */
const RunId = t.refinement(t.string, (s) => /^[A-Za-z0-9_-]{1,80}$/.test(s), 'RunId');

/** What a worker needs to build the run's learner: its configuration, the loss objective, the pool it expects. */
export const LearnerSpec = t.type(
  {
    config: RunConfig,
    lossObjective: t.keyof({ ranking: null, mse: null }, 'LossObjective'),
    /** Items in the run's pool: a worker whose data has another count refuses the job. */
    poolSize: PositiveInt,
    /** The run's data name (DataSplit.name), checked like the pool size. */
    dataName: t.string,
    /**
     * How the run's backend computes scores ({@link scoringArithmetic}): a worker that would
     * compute them otherwise (another backend, or relaxed SIMD that fuses on one CPU and not on
     * the other) refuses the job, since its scores would differ in the last bits.
     */
    arithmetic: t.string,
  },
  'LearnerSpec',
);
export type LearnerSpec = t.TypeOf<typeof LearnerSpec>;

/**
 * The arithmetic this process scores with: the tfjs backend's name and, on wasm, the C kernels'
 * (`kernelArithmetic`), e.g. 'wasm (relaxed-simd, fused)'.
 */
export const scoringArithmetic = (): string => {
  const backend = tf.getBackend();
  return backend === 'wasm' ? `wasm (${kernelArithmetic()})` : backend;
};

/** One scoring job. */
export const ScoreJob = t.type(
  {
    version: t.literal(1),
    run: RunId,
    cycle: NonNegativeInt,
    part: t.keyof({ subset: null, labeled: null }, 'ScorePart'),
    shard: NonNegativeInt,
    modelHash: ModelHash,
    learner: LearnerSpec,
    ids: Int32ArrayFromBase64,
    outputs: t.array(ScoreOutput),
    /** How long the worker keeps the shard's scores in Redis for the run to read. */
    resultTtlSeconds: PositiveInt,
  },
  'ScoreJob',
);
export type ScoreJob = t.TypeOf<typeof ScoreJob>;

/** What a worker returns for a job (BullMQ stores it as JSON): where the binary scores are. */
export const ScoreJobResult = t.type({ key: t.string, rows: NonNegativeInt, bytes: NonNegativeInt }, 'ScoreJobResult');
export type ScoreJobResult = t.TypeOf<typeof ScoreJobResult>;

/**
 * The deterministic id of a job: the same run, cycle, part, weights and shard give the same id,
 * so adding it twice (a resumed run) is one job.
 * @param job the job's coordinates
 * @returns `RUN.cCYCLE.PART.HASH.sSHARD`
 */
export const scoreJobId = (job: Pick<ScoreJob, 'run' | 'cycle' | 'part' | 'modelHash' | 'shard'>): string =>
  `${job.run}.c${job.cycle}.${job.part}.${job.modelHash}.s${job.shard}`;

/** The Redis key of published weights. */
export const modelKey = (queue: string, hash: string): string => `${queue}:model:${hash}`;
/** The Redis key of a job's binary scores. */
export const scoresKey = (queue: string, jobId: string): string => `${queue}:scores:${jobId}`;

/**
 * Decodes a job's data; the first problem as one line in PathReporter's words.
 * @param data the job's data as BullMQ gives it
 * @returns the job, or the reason it is malformed
 */
export const decodeScoreJob = (data: unknown): E.Either<string, ScoreJob> => {
  const decoded = ScoreJob.decode(data);
  if (E.isRight(decoded)) return decoded;
  const error = decoded.left[0]!;
  const path = error.context
    .map((c) => c.key)
    .filter((k) => k !== '')
    .join('/');
  const expected = error.message ?? error.context[error.context.length - 1]?.type.name ?? 'a valid value';
  const shown = JSON.stringify(error.value);
  return E.left(`Invalid value ${shown === undefined ? 'undefined' : shown.length > 60 ? `${shown.slice(0, 57)}...` : shown} supplied to ScoreJob/${path}: expected ${expected}`);
};
