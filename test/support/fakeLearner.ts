/**
 * A small deterministic Learner without tensors, for testing the pipeline without training.
 * Item i has true class i % classes; its predicted loss, probabilities and embedding are
 * fixed functions of i and of how many fits ran, so selections differ between cycles but are
 * the same for the same history.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as t from 'io-ts';
import type { Capability, EpochReport, Evaluation, FitOptions, Labeled, Learner, ScoredBatch, ScoreOptions } from '../../src/tasks/learner.ts';
import type { LossObjective } from '../../src/tasks/rankingLoss.ts';

export interface FakeLearner extends Learner<number> {
  /** Every fit's labeled ids, in call order. */
  readonly fits: number[][];
  /** Every scored batch's ids. */
  readonly scored: number[][];
  /** Every scoring call's requested outputs. */
  readonly requested: Capability[][];
  disposed: boolean;
}

export interface FakeLearnerOptions {
  readonly poolSize: number;
  readonly classes?: number;
  readonly embeddingDim?: number;
  /** Real time per epoch (default: one macrotask). */
  readonly epochMs?: number;
  /** Real time per scored batch (default: one macrotask). */
  readonly scoreMs?: number;
  /** What it provides (default both probabilities and embeddings). */
  readonly provides?: ReadonlyArray<Capability>;
  /** The loss objective it claims to train with (default 'ranking'). */
  readonly lossObjective?: LossObjective;
}

/** The true label of an item of a fake pool. */
export const fakeTruth =
  (classes = 4) =>
  (id: number): number =>
    id % classes;

const hash = (x: number): number => {
  let h = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
};

const tick = (ms: number | undefined): Promise<void> =>
  new Promise((resolve) => (ms ? setTimeout(resolve, ms) : setImmediate(resolve)));

export const createFakeLearner = (options: FakeLearnerOptions): FakeLearner => {
  const { poolSize, classes = 4, embeddingDim = 3 } = options;
  const labelCodec = new t.Type<number, unknown, unknown>(
    'FakeLabel',
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0 && u < classes,
    (u, c) => (typeof u === 'number' && Number.isInteger(u) && u >= 0 && u < classes ? t.success(u) : t.failure(u, c)),
    t.identity,
  );
  let fitsDone = 0;
  let lastLabeled = 0;
  const learner: FakeLearner = {
    task: 'fake',
    labelCodec,
    poolSize,
    provides: options.provides ?? ['probabilities', 'embeddings'],
    lossObjective: options.lossObjective ?? 'ranking',
    fits: [],
    scored: [],
    requested: [],
    disposed: false,
    async fit(labeled: ReadonlyArray<Labeled<number>>, fitOptions: FitOptions): Promise<ReadonlyArray<EpochReport>> {
      learner.fits.push(labeled.map(([id]) => id));
      const reports: EpochReport[] = [];
      for (let epoch = 1; epoch <= fitOptions.epochs; epoch++) {
        await tick(options.epochMs);
        if (fitOptions.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        const report = { epoch, epochs: fitOptions.epochs, targetLoss: 1 / (epoch + fitsDone), lossModuleLoss: 0.5, learningRate: 0.1, seconds: 0 };
        reports.push(report);
        fitOptions.onEpoch?.(report);
      }
      fitsDone++;
      lastLabeled = labeled.length;
      return reports;
    },
    async score(ids: Int32Array, request: ScoreOptions = {}): Promise<ScoredBatch> {
      await tick(options.scoreMs);
      learner.scored.push(Array.from(ids));
      const wanted = request.outputs ?? [];
      learner.requested.push([...wanted]);
      for (const name of wanted) if (!learner.provides.includes(name)) throw new Error(`fake learner: does not provide ${name}`);
      const n = ids.length;
      const predictedLoss = new Float32Array(n);
      const probabilities = new Float32Array(n * classes);
      const embeddings = new Float32Array(n * embeddingDim);
      for (let k = 0; k < n; k++) {
        const id = ids[k];
        predictedLoss[k] = hash(id * 31 + fitsDone);
        let sum = 0;
        for (let c = 0; c < classes; c++) sum += probabilities[k * classes + c] = 0.05 + hash(id * 7 + c + fitsDone * 101);
        for (let c = 0; c < classes; c++) probabilities[k * classes + c] /= sum;
        for (let d = 0; d < embeddingDim; d++) embeddings[k * embeddingDim + d] = hash(id * 13 + d);
      }
      return {
        ids: Int32Array.from(ids),
        predictedLoss,
        ...(wanted.includes('probabilities') ? { probabilities: { values: probabilities, width: classes } } : {}),
        ...(wanted.includes('embeddings') ? { embeddings: { values: embeddings, width: embeddingDim } } : {}),
      };
    },
    async evaluate(): Promise<Evaluation> {
      await tick(undefined);
      return { metricName: 'testAccuracy', metric: lastLabeled / poolSize, rankingAccuracy: 0.5, meanTargetLoss: 1 };
    },
    async save(dir: string): Promise<void> {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'fake.json'), JSON.stringify({ fitsDone, lastLabeled }));
    },
    async load(dir: string): Promise<void> {
      const file = join(dir, 'fake.json');
      if (!existsSync(file)) throw new Error(`no checkpoint in ${dir}`);
      ({ fitsDone, lastLabeled } = JSON.parse(readFileSync(file, 'utf8')) as { fitsDone: number; lastLabeled: number });
    },
    dispose(): void {
      learner.disposed = true;
    },
  };
  return learner;
};
