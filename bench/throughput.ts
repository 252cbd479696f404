/**
 * `npm run bench [-- --json] [--backend NAME] [--steps N] [--quick] [--pools 10000,50000,200000] [--no-torch] [--selection-baseline]`
 *
 * Times the small CNN + loss-prediction module on the chosen tfjs backend:
 * - training img/s: one joint step (cross-entropy + margin ranking loss, SGD with momentum 0.9
 *   and weight decay 5e-4) on a batch of 128, median of timed steps after warm-up;
 * - scoring img/s: logits → probabilities, predicted loss and embedding of 1,024 images in
 *   batches of 256, read back as typed arrays, median of timed passes after warm-up;
 * - on wasm, scoring img/s on worker threads (one model copy per core);
 * - scoring img/s of the classification learner's `score(ids)` as the pipeline runs it (the
 *   main thread plus cores − 1 worker threads, images converted from bytes): 1,024 ids in one
 *   call, and in 4 calls of 256 (scoreInBatches' way);
 * - leakedTensors: live tensors after the timed steps minus before;
 * - with /usr/bin/python3 and torch, PyTorch's figures for the same model in the same
 *   invocation (../shared/bench/torch_throughput.py, 2 threads) and the ratios;
 * - with --selection-baseline, the pre-SIMD k-center greedy's time too (pools ≤ 50,000);
 * - unless --quick: peak RSS while scoring streamed pools, and the selection stage's time
 *   (top-K by predicted loss, k-center greedy on embeddings) for the same pool sizes.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createInferencePool, initBackend, type BackendInfo, type BackendRequest } from '../src/backend';
import { InputError } from '../src/inputError';
import type { DataSplit, ImageSet } from '../src/data/imageSet';
import { buildSmallCnn, crossEntropyPerSample, JointModel, marginRankingLossTensor, SgdMomentum } from '../src/tasks';
import { resolveTrainerConfig, trainJoint, type JointTask } from '../src/tasks/trainer';
import { createClassificationLearner } from '../src/tasks/classification';
import { measurePools, type PoolFigures } from './poolMemory';
import { measureSelection, type SelectionFigures } from './selectionTime';
import { fillSyntheticPixels } from './syntheticImages';
import { runTorchReference, type TorchReference } from './torchReference';

interface BenchOptions {
  readonly json: boolean;
  readonly backend?: BackendRequest;
  readonly steps: number;
  readonly quick: boolean;
  readonly pools: ReadonlyArray<number>;
  readonly torch: boolean;
  readonly selectionBaseline: boolean;
}

const parseArgs = (argv: ReadonlyArray<string>): BenchOptions => {
  let json = false;
  let backend: BackendRequest | undefined;
  let steps = 10;
  let quick = false;
  let torch = true;
  let selectionBaseline = false;
  let pools: ReadonlyArray<number> = [10_000, 50_000, 200_000];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new InputError(`${arg}: missing value`);
      return v;
    };
    if (arg === '--json') json = true;
    else if (arg === '--quick') quick = true;
    else if (arg === '--no-torch') torch = false;
    else if (arg === '--selection-baseline') selectionBaseline = true;
    else if (arg === '--backend') backend = value() as BackendRequest;
    else if (arg === '--steps') {
      steps = Number(value());
      if (!Number.isInteger(steps) || steps < 1) throw new InputError(`--steps: expected a positive integer, got ${argv[i]}`);
    } else if (arg === '--pools') {
      const v = value();
      pools = v === 'none' ? [] : v.split(',').map(Number);
      if (pools.some((n) => !Number.isInteger(n) || n < 1)) throw new InputError(`--pools: expected sizes like 10000,50000, got ${v}`);
    } else throw new InputError(`unknown bench option ${arg} (expected --json, --backend NAME, --steps N, --quick, --pools LIST, --no-torch, --selection-baseline)`);
  }
  return { json, backend, steps, quick, pools: quick ? [] : pools, torch, selectionBaseline };
};

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const trainBatch = 128;
const scoreBatch = 256;
const scoreImages = 1024;

/** Training img/s of one joint step, median of `steps` timed steps after 3 warm-up steps. */
const timeTraining = (model: JointModel, steps: number): number => {
  const variables = model.trainableVariables();
  const optimizer = new SgdMomentum(variables, 0.9, 5e-4);
  const x = tf.tensor4d(fillSyntheticPixels(new Float32Array(trainBatch * 28 * 28), 1), [trainBatch, 28, 28, 1]);
  const labels = tf.tensor1d(Int32Array.from({ length: trainBatch }, (_, i) => (i * 7) % 10), 'int32');
  const step = (): void =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const out = model.forward(x, { training: true });
        const perSample = crossEntropyPerSample(out.heads[0] as tf.Tensor2D, labels);
        return tf.add(tf.mean(perSample), marginRankingLossTensor(out.predictedLoss, perSample, 1)) as tf.Scalar;
      }, variables);
      optimizer.apply(grads, 0.01);
    });
  for (let i = 0; i < 3; i++) step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  optimizer.dispose();
  tf.dispose([x, labels]);
  return trainBatch / (median(times) / 1000);
};

/**
 * Training img/s through the trainer (trainJoint) with `trainThreads` threads: one batch of
 * 128 per epoch, the median epoch after 3 warm-up epochs (the worker starts once, before them).
 */
const timeTrainerThreads = async (model: JointModel, steps: number, trainThreads: 1 | 2): Promise<number> => {
  const pixels = fillSyntheticPixels(new Float32Array(trainBatch * 28 * 28), 1);
  const labels = Int32Array.from({ length: trainBatch }, (_, i) => (i * 7) % 10);
  const url = (name: string): string => new URL(`../src/tasks/${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  const task: JointTask = {
    exampleCount: trainBatch,
    batch: () => ({ input: tf.tensor4d(pixels, [trainBatch, 28, 28, 1]), target: tf.tensor1d(labels, 'int32') }),
    perSampleLoss: (heads, target) => crossEntropyPerSample(heads[0] as tf.Tensor2D, target as tf.Tensor1D),
    workerLoss: { preload: [url('lossPredictionModule')], module: url('crossEntropy'), exportName: 'classificationPerSampleLoss' },
  };
  const config = resolveTrainerConfig({ learningRate: 0.01, augment: false, stopLossGradientAfter: null, lrDecayAt: 1, trainThreads });
  const reports = await trainJoint(model, task, config, { epochs: steps + 3, seed: 1 });
  return trainBatch / median(reports.slice(3).map((r) => r.seconds));
};

/** Scores `count` images from `pixels` in batches of 256; returns the outputs' total length. */
export const scoreImagesOnce = async (model: JointModel, pixels: Float32Array, count: number): Promise<number> => {
  let read = 0;
  const per = 28 * 28;
  for (let start = 0; start < count; start += scoreBatch) {
    const m = Math.min(scoreBatch, count - start);
    const input = tf.tensor4d(pixels.subarray(start * per, (start + m) * per), [m, 28, 28, 1]);
    const outs = tf.tidy(() => {
      const o = model.forward(input, { training: false });
      return [o.predictedLoss, tf.softmax(o.heads[0]), o.embedding];
    });
    input.dispose();
    const arrays = await Promise.all(outs.map((t) => t.data()));
    tf.dispose(outs);
    read += arrays.reduce((n, a) => n + a.length, 0);
  }
  return read;
};

/** Scoring img/s over 1,024 images, median of `steps` timed passes after 2 warm-up passes. */
const timeScoring = async (model: JointModel, steps: number): Promise<number> => {
  const pixels = fillSyntheticPixels(new Float32Array(scoreImages * 28 * 28), 2);
  for (let i = 0; i < 2; i++) await scoreImagesOnce(model, pixels, scoreImages);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await scoreImagesOnce(model, pixels, scoreImages);
    times.push(performance.now() - t0);
  }
  return scoreImages / (median(times) / 1000);
};

/**
 * Scoring img/s on worker threads (one model copy per core, see createInferencePool): the same
 * 1,024 images in batches of 256, all batches in flight at once, median of timed passes.
 */
const timeParallelScoring = async (model: JointModel, steps: number, backend: BackendRequest): Promise<{ imgPerSec: number; threads: number }> => {
  const preload = [new URL('../src/tasks/lossPredictionModule.ts', import.meta.url).href];
  const pool = await createInferencePool(model.inference, { backend, preload });
  const source = fillSyntheticPixels(new Float32Array(scoreImages * 28 * 28), 2);
  const per = 28 * 28;
  const pass = async (): Promise<void> => {
    const jobs: Array<Promise<Float32Array[]>> = [];
    for (let start = 0; start < scoreImages; start += scoreBatch) {
      // Each batch is transferred to its thread, so it is copied out of the source first.
      const batch = source.slice(start * per, (start + scoreBatch) * per);
      jobs.push(pool.predict(batch, [scoreBatch, 28, 28, 1]));
    }
    await Promise.all(jobs);
  };
  try {
    for (let i = 0; i < 2; i++) await pass();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await pass();
      times.push(performance.now() - t0);
    }
    return { imgPerSec: scoreImages / (median(times) / 1000), threads: pool.threads };
  } finally {
    await pool.close();
  }
};

/** A 28×28×1, 10-class split of synthetic byte images for the learner's scoring path. */
const syntheticSplit = (count: number): DataSplit => {
  const noise = fillSyntheticPixels(new Float32Array(count * 784), 4);
  const set = (name: string, n: number): ImageSet => ({
    name, count: n, height: 28, width: 28, channels: 1, classes: 10,
    pixels: Uint8Array.from(noise.subarray(0, n * 784), (v) => Math.round((v + 1) * 127.5)),
    labels: Uint8Array.from({ length: n }, (_, i) => i % 10),
    mean: [0.5], std: [0.25],
  });
  return { name: 'synthetic', train: set('synthetic/train', count), test: set('synthetic/test', 256) };
};

/**
 * The classification learner's `score(ids)` img/s with `threads` scoring threads: 1,024 ids in
 * one call, and in calls of 256 (as scoreInBatches makes them); median of timed passes.
 */
const timeLearnerScoring = async (steps: number, threads: number): Promise<{ oneCall: number; calls256: number }> => {
  const learner = createClassificationLearner({ data: syntheticSplit(scoreImages), model: 'small-cnn', seed: 1, scoreThreads: threads });
  const ids = Int32Array.from({ length: scoreImages }, (_, i) => i);
  const time = async (pass: () => Promise<void>): Promise<number> => {
    for (let i = 0; i < 2; i++) await pass();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await pass();
      times.push(performance.now() - t0);
    }
    return scoreImages / (median(times) / 1000);
  };
  try {
    const oneCall = await time(async () => void (await learner.score(ids)));
    const calls256 = await time(async () => {
      for (let start = 0; start < scoreImages; start += scoreBatch) await learner.score(ids.subarray(start, start + scoreBatch));
    });
    return { oneCall, calls256 };
  } finally {
    learner.dispose();
  }
};

interface BenchResult {
  readonly backend: string;
  readonly backendInfo: BackendInfo;
  readonly trainImgPerSec: number;
  /** trainJoint with trainThreads 1, and (wasm) 2: data parallel on a worker thread. */
  readonly trainerImgPerSec: number;
  readonly trainer2ThreadsImgPerSec?: number;
  readonly scoreImgPerSec: number;
  /** Scoring on worker threads (one per core), when the backend is wasm. */
  readonly scoreParallelImgPerSec?: number;
  readonly scoreThreads?: number;
  /** The classification learner's score(ids) on the main thread plus cores − 1 workers. */
  readonly learnerScoreImgPerSec: number;
  readonly learnerScore256ImgPerSec: number;
  readonly learnerScoreThreads: number;
  readonly leakedTensors: number;
  readonly loadAverage: ReadonlyArray<number>;
  readonly cpus: number;
  readonly torch?: TorchReference;
  readonly ratios?: {
    readonly train: number;
    readonly trainer: number;
    readonly trainer2Threads?: number;
    readonly score: number;
    readonly scoreParallel?: number;
    readonly learnerScore: number;
    readonly learnerScore256: number;
  };
  readonly pools?: ReadonlyArray<PoolFigures>;
  readonly selection?: ReadonlyArray<SelectionFigures>;
  readonly notes: ReadonlyArray<string>;
}

const round = (x: number, digits = 0): number => Number(x.toFixed(digits));

const main = async (): Promise<void> => {
  const options = parseArgs(process.argv.slice(2));
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const backendInfo = await initBackend(options.backend);
  const notes: string[] = [];
  const loadBefore = os.loadavg();

  const model = JointModel.create(buildSmallCnn({ seed: 1 }), { seed: 2 });
  const tensorsBefore = tf.memory().numTensors;
  const trainImgPerSec = timeTraining(model, options.steps);
  const trainer1ImgPerSec = await timeTrainerThreads(model, options.steps, 1);
  const trainer2ImgPerSec = backendInfo.name === 'wasm' ? await timeTrainerThreads(model, options.steps, 2) : undefined;
  const scoreImgPerSec = await timeScoring(model, options.steps);
  const leakedTensors = tf.memory().numTensors - tensorsBefore;
  const parallel = backendInfo.name === 'wasm' ? await timeParallelScoring(model, options.steps, 'wasm') : undefined;
  const learnerThreads = backendInfo.name === 'wasm' ? os.cpus().length : 1;
  const learnerScoring = await timeLearnerScoring(options.steps, learnerThreads);

  let torch: TorchReference | undefined;
  if (options.torch) {
    const reference = runTorchReference(repoRoot);
    if ('note' in reference) notes.push(reference.note);
    else torch = reference;
  }
  const pools = options.pools.length > 0 ? await measurePools(model, options.pools, scoreImagesOnce) : undefined;
  const selection = options.pools.length > 0 ? measureSelection(options.pools, model.network.embeddingDim, options.selectionBaseline ? 50_000 : 0) : undefined;
  model.dispose();

  const loadAfter = os.loadavg();
  const result: BenchResult = {
    backend: backendInfo.name,
    backendInfo,
    trainImgPerSec: round(trainImgPerSec),
    trainerImgPerSec: round(trainer1ImgPerSec),
    ...(trainer2ImgPerSec === undefined ? {} : { trainer2ThreadsImgPerSec: round(trainer2ImgPerSec) }),
    scoreImgPerSec: round(scoreImgPerSec),
    ...(parallel === undefined ? {} : { scoreParallelImgPerSec: round(parallel.imgPerSec), scoreThreads: parallel.threads }),
    learnerScoreImgPerSec: round(learnerScoring.oneCall),
    learnerScore256ImgPerSec: round(learnerScoring.calls256),
    learnerScoreThreads: learnerThreads,
    leakedTensors,
    loadAverage: [round(loadBefore[0], 2), round(loadAfter[0], 2)],
    cpus: os.cpus().length,
    ...(torch === undefined
      ? {}
      : {
          torch,
          ratios: {
            train: round(trainImgPerSec / torch.trainImgPerSec, 3),
            trainer: round(trainer1ImgPerSec / torch.trainImgPerSec, 3),
            ...(trainer2ImgPerSec === undefined ? {} : { trainer2Threads: round(trainer2ImgPerSec / torch.trainImgPerSec, 3) }),
            score: round(scoreImgPerSec / torch.scoreImgPerSec, 3),
            ...(parallel === undefined ? {} : { scoreParallel: round(parallel.imgPerSec / torch.scoreImgPerSec, 3) }),
            learnerScore: round(learnerScoring.oneCall / torch.scoreImgPerSec, 3),
            learnerScore256: round(learnerScoring.calls256 / torch.scoreImgPerSec, 3),
          },
        }),
    ...(pools === undefined ? {} : { pools }),
    ...(selection === undefined ? {} : { selection }),
    notes,
  };
  if (options.json) {
    console.log(JSON.stringify(result));
    return;
  }
  const simd = backendInfo.simd === undefined ? '' : ` (simd ${backendInfo.simd}, threads ${backendInfo.threads ?? '?'})`;
  console.log(`backend         ${result.backend}${simd}`);
  console.log(`load average    ${result.loadAverage.join(' → ')} on ${result.cpus} cpus`);
  console.log(`train           ${result.trainImgPerSec} img/s  (joint step, batch ${trainBatch})`);
  console.log(`trainer         ${result.trainerImgPerSec} img/s  (trainJoint, trainThreads 1)`);
  if (result.trainer2ThreadsImgPerSec !== undefined) {
    console.log(`trainer 2 thr   ${result.trainer2ThreadsImgPerSec} img/s  (trainJoint, trainThreads 2: data parallel, halves of ${trainBatch / 2})`);
  }
  console.log(`score           ${result.scoreImgPerSec} img/s  (batch ${scoreBatch})`);
  if (result.scoreParallelImgPerSec !== undefined) {
    console.log(`score parallel  ${result.scoreParallelImgPerSec} img/s  (${result.scoreThreads} worker threads)`);
  }
  console.log(
    `learner.score   ${result.learnerScoreImgPerSec} img/s in one call of ${scoreImages}, ${result.learnerScore256ImgPerSec} img/s in calls of ${scoreBatch}  (${learnerThreads} threads)`,
  );
  console.log(`leakedTensors   ${result.leakedTensors}`);
  if (result.torch !== undefined && result.ratios !== undefined) {
    console.log(`pytorch         ${result.torch.engine}: train ${result.torch.trainImgPerSec} img/s, score ${result.torch.scoreImgPerSec} img/s`);
    const parallelRatio = result.ratios.scoreParallel === undefined ? '' : `, score on ${result.scoreThreads} threads ${result.ratios.scoreParallel}×`;
    console.log(`ratio           train ${result.ratios.train}×, score ${result.ratios.score}×${parallelRatio} of PyTorch`);
    const twoThreads = result.ratios.trainer2Threads === undefined ? '' : `, trainThreads 2 ${result.ratios.trainer2Threads}×`;
    console.log(`ratio           trainer: trainThreads 1 ${result.ratios.trainer}×${twoThreads} of PyTorch`);
    console.log(`ratio           learner.score ${result.ratios.learnerScore}× (one call), ${result.ratios.learnerScore256}× (calls of ${scoreBatch}) of PyTorch`);
  }
  for (const p of result.pools ?? []) {
    console.log(
      `pool ${String(p.pool).padStart(7)}   ${p.imgPerSec} img/s, peak RSS ${p.peakRssMB} MB (start ${p.startRssMB} MB, outputs kept ${p.outputMB} MB)`,
    );
  }
  for (const s of result.selection ?? []) {
    const baseline = s.directKCenterMs === undefined ? '' : ` (direct, pre-SIMD: ${s.directKCenterMs} ms, same picks: ${s.samePicks})`;
    console.log(`select ${String(s.pool).padStart(7)} topK(${s.k}) ${s.topKMs} ms, kCenterGreedy(${s.k}, ${s.labeled} labeled) ${s.kCenterMs} ms${baseline}`);
  }
  for (const note of notes) console.log(`note            ${note}`);
};

main().catch((error: unknown) => {
  if (error instanceof InputError) {
    console.error(`ll4al bench: ${error.message}`);
    process.exit(2);
  }
  throw error;
});
