/**
 * `npm run bench [-- --json] [--backend NAME] [--steps N] [--rounds R] [--quick] [--pools 10000,50000,200000] [--no-torch] [--no-resnet18] [--selection-baseline]`
 *
 * Prints the machine first (CPU model and SIMD flags, cores, Node, wasm relaxed SIMD) and what one
 * core can do in 128-bit wasm SIMD (bench/simdPeak.ts: multiply + add, and fused), and beside each
 * throughput the multiply-adds per second per core it means (training counted as 3× the forward
 * multiply-adds) with its share of that peak; each target ratio is printed the same way.
 *
 * The two headline figures, each against PyTorch with 2 threads (issue 18's targets: training
 * ≥ 0.8×, scoring ≥ 1.2×), are measured in R rounds (default 3) that alternate ll4al and
 * PyTorch, so that both see the same machine load; the ratio is median(ll4al) / median(PyTorch):
 * - training: trainJoint as a run trains (trainThreads 'auto': 2 threads on wasm), batch 128;
 * - scoring: the classification learner's `score(ids)` in calls of 256, as the pipeline
 *   scores a pool (the main thread plus cores − 1 worker threads).
 *
 * Also timed, once, on the chosen tfjs backend (the parts behind the headlines):
 * - one joint step (cross-entropy + margin ranking loss, SGD with momentum 0.9 and weight
 *   decay 5e-4) on a batch of 128 on this thread, and trainJoint on one thread;
 * - forward passes of 1,024 images in batches of 256 on this thread (logits → probabilities,
 *   predicted loss and embedding read back as typed arrays), and on worker threads only;
 * - the learner's `score(ids)` with 1,024 ids in one call;
 * - leakedTensors: live tensors after the timed steps minus before;
 * - PyTorch's figures come from ../shared/bench/torch_throughput.py (2 threads) with
 *   /usr/bin/python3 and Debian's python3-torch; without them the ratios are left out;
 * - with --selection-baseline, the pre-SIMD k-center greedy's time too (pools ≤ 50,000);
 * - unless --quick: peak RSS while scoring streamed pools, and the selection stage's time
 *   (top-K by predicted loss, k-center greedy on embeddings) for the same pool sizes;
 * - unless --quick or --no-resnet18: the paper's ResNet-18 (CIFAR 32×32×3, loss module on its 4
 *   stages) trained and scored the same way, in rounds alternating with
 *   ../shared/bench/torch_resnet18.py (targets: training ≥ 0.5×, scoring ≥ 0.8×).
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createInferencePool, initBackend, type BackendInfo, type BackendRequest } from '../src/backend/index.ts';
import { InputError } from '../src/inputError.ts';
import type { DataSplit, ImageSet } from '../src/data/imageSet.ts';
import { buildResNet18, buildSmallCnn, crossEntropyPerSample, JointModel } from '../src/tasks/index.ts';
import { jointStep } from './jointStep.ts';
import { resolveTrainerConfig, resolveTrainThreads, trainJoint, type JointTask } from '../src/tasks/trainer.ts';
import { createClassificationLearner } from '../src/tasks/classification.ts';
import { measurePools, type PoolFigures } from './poolMemory.ts';
import { measureSelection, type SelectionFigures } from './selectionTime.ts';
import { fillSyntheticPixels } from './syntheticImages.ts';
import { runTorchReference, type TorchReference } from './torchReference.ts';
import { median, medianPassMs } from './benchShapes.ts';
import { describeMachine, machineLine, type MachineInfo } from './machine.ts';
import { loadedKernelVariants } from '../src/backend/kernels/kernelVariant.ts';
import { forwardMacs, gmacPerCore } from './multiplyAdds.ts';
import { measureSimdPeak, simdPeakLine, type SimdPeak } from './simdPeak.ts';

interface BenchOptions {
  readonly json: boolean;
  readonly backend?: BackendRequest;
  readonly steps: number;
  readonly quick: boolean;
  readonly pools: ReadonlyArray<number>;
  readonly torch: boolean;
  readonly selectionBaseline: boolean;
  readonly rounds: number;
  readonly resnet18: boolean;
}

const parseArgs = (argv: ReadonlyArray<string>): BenchOptions => {
  let json = false;
  let backend: BackendRequest | undefined;
  let steps = 10;
  let rounds = 3;
  let quick = false;
  let torch = true;
  let selectionBaseline = false;
  let resnet18 = true;
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
    else if (arg === '--no-resnet18') resnet18 = false;
    else if (arg === '--backend') backend = value() as BackendRequest;
    else if (arg === '--steps') {
      steps = Number(value());
      if (!Number.isInteger(steps) || steps < 1) throw new InputError(`--steps: expected a positive integer, got ${argv[i]}`);
    } else if (arg === '--rounds') {
      rounds = Number(value());
      if (!Number.isInteger(rounds) || rounds < 1) throw new InputError(`--rounds: expected a positive integer, got ${argv[i]}`);
    } else if (arg === '--pools') {
      const v = value();
      pools = v === 'none' ? [] : v.split(',').map(Number);
      if (pools.some((n) => !Number.isInteger(n) || n < 1)) throw new InputError(`--pools: expected sizes like 10000,50000, got ${v}`);
    } else throw new InputError(`unknown bench option ${arg} (expected --json, --backend NAME, --steps N, --rounds R, --quick, --pools LIST, --no-torch, --no-resnet18, --selection-baseline)`);
  }
  return { json, backend, steps, quick, pools: quick ? [] : pools, torch, selectionBaseline, rounds: quick ? 1 : rounds, resnet18: resnet18 && !quick };
};


/** Height, width, channels of the benchmark's images. */
type ImageShape = readonly [number, number, number];
const smallShape: ImageShape = [28, 28, 1];
const resnetShape: ImageShape = [32, 32, 3];

const trainBatch = 128;
const scoreBatch = 256;
const scoreImages = 1024;

/** Training img/s of one joint step, median of `steps` timed steps after 3 warm-up steps. */
const timeTraining = (model: JointModel, steps: number): number => {
  const { step, dispose } = jointStep(model, trainBatch);
  for (let i = 0; i < 3; i++) step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  dispose();
  return trainBatch / (median(times) / 1000);
};

/**
 * Training img/s through the trainer (trainJoint) with `trainThreads` threads: epochs of
 * `batchesPerEpoch` batches of 128 (the small CNN: 8, as a run with 1,024 labels trains, so the
 * trainer's once-an-epoch work weighs as it does there; ResNet-18: 1, whose steps take seconds),
 * the median epoch after 3 warm-up epochs (the worker starts once, before them), `steps` epochs.
 */
const timeTrainerThreads = async (model: JointModel, steps: number, trainThreads: 1 | 2, shape: ImageShape = smallShape, batchesPerEpoch = 8): Promise<number> => {
  const [h, w, c] = shape;
  const pixels = fillSyntheticPixels(new Float32Array(trainBatch * h * w * c), 1);
  const labels = Int32Array.from({ length: trainBatch }, (_, i) => (i * 7) % 10);
  const url = (name: string): string => new URL(`../src/tasks/${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  const task: JointTask = {
    // every batch is the same 128 images (the values do not change the work)
    exampleCount: trainBatch * batchesPerEpoch,
    batch: () => ({ input: tf.tensor4d(pixels, [trainBatch, h, w, c]), target: tf.tensor1d(labels, 'int32') }),
    perSampleLoss: (heads, target) => crossEntropyPerSample(heads[0] as tf.Tensor2D, target as tf.Tensor1D),
    workerLoss: { preload: [url('customLayers')], module: url('crossEntropy'), exportName: 'classificationPerSampleLoss' },
  };
  const config = resolveTrainerConfig({ learningRate: 0.01, augment: false, stopLossGradientAfter: null, lrDecayAt: 1, trainThreads });
  const reports = await trainJoint(model, task, config, { epochs: steps + 3, seed: 1 });
  return (trainBatch * batchesPerEpoch) / median(reports.slice(3).map((r) => r.seconds));
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
  return scoreImages / ((await medianPassMs(() => scoreImagesOnce(model, pixels, scoreImages), steps)) / 1000);
};

/**
 * Scoring img/s on worker threads (one model copy per core, see createInferencePool): the same
 * 1,024 images in batches of 256, all batches in flight at once, median of timed passes.
 */
const timeParallelScoring = async (model: JointModel, steps: number, backend: BackendRequest): Promise<{ imgPerSec: number; threads: number }> => {
  const preload = [new URL('../src/tasks/customLayers.ts', import.meta.url).href];
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
    return { imgPerSec: scoreImages / ((await medianPassMs(pass, steps)) / 1000), threads: pool.threads };
  } finally {
    await pool.close();
  }
};

/** A 10-class split of synthetic byte images of `shape` for the learner's scoring path. */
const syntheticSplit = (count: number, shape: ImageShape = smallShape): DataSplit => {
  const [h, w, c] = shape;
  const per = h * w * c;
  const noise = fillSyntheticPixels(new Float32Array(count * per), 4);
  const set = (name: string, n: number): ImageSet => ({
    name, count: n, height: h, width: w, channels: c, classes: 10,
    pixels: Uint8Array.from(noise.subarray(0, n * per), (v) => Math.round((v + 1) * 127.5)),
    labels: Uint8Array.from({ length: n }, (_, i) => i % 10),
    mean: Array.from({ length: c }, () => 0.5), std: Array.from({ length: c }, () => 0.25),
  });
  return { name: 'synthetic', train: set('synthetic/train', count), test: set('synthetic/test', 256) };
};

/**
 * The classification learner's `score(ids)` img/s with `threads` scoring threads: 1,024 ids in
 * one call, and in calls of 256 (as scoreInBatches makes them); median of timed passes.
 */
const timeLearnerScoring = async (
  steps: number,
  threads: number,
  model: 'small-cnn' | 'resnet18-cifar' = 'small-cnn',
  images = scoreImages,
): Promise<{ oneCall: number; calls256: number }> => {
  const shape: ImageShape = model === 'small-cnn' ? smallShape : resnetShape;
  const learner = createClassificationLearner({ data: syntheticSplit(images, shape), model, seed: 1, scoreThreads: threads });
  const ids = Int32Array.from({ length: images }, (_, i) => i);
  const time = async (pass: () => Promise<void>): Promise<number> => images / ((await medianPassMs(pass, steps)) / 1000);
  try {
    // probabilities and embeddings too, as before the scores carried only what was asked for
    const outputs = { outputs: ['probabilities', 'embeddings'] as const };
    const oneCall = await time(async () => void (await learner.score(ids, outputs)));
    const calls256 = await time(async () => {
      for (let start = 0; start < images; start += scoreBatch) await learner.score(ids.subarray(start, start + scoreBatch), outputs);
    });
    return { oneCall, calls256 };
  } finally {
    learner.dispose();
  }
};

/** A figure measured in every round, with its median. */
interface Rounds {
  readonly median: number;
  readonly rounds: ReadonlyArray<number>;
}

/** The paper's ResNet-18 (CIFAR, 32×32×3) + loss module, as runs train and score it. */
interface ResNet18Figures {
  readonly train: Rounds & { readonly threads: number };
  readonly score: Rounds & { readonly threads: number };
  readonly macsPerImage: number;
  readonly torch?: { readonly train: Rounds; readonly score: Rounds };
  readonly ratios?: { readonly train: number; readonly score: number };
}

/** GMAC/s per core of a figure: training counts 3× the forward multiply-adds. */
interface Throughput {
  readonly trainGmacPerCore: number;
  readonly scoreGmacPerCore: number;
}

interface BenchResult {
  readonly machine: MachineInfo;
  /** What one core does in 128-bit wasm SIMD (bench/simdPeak.ts), GMAC/s: the ceiling for every figure here. */
  readonly simdPeak: SimdPeak;
  readonly backend: string;
  readonly backendInfo: BackendInfo;
  /** The build each C kernel module ran (relaxed-simd or simd: docs/wasm-kernels.md); empty off wasm. */
  readonly kernelVariants: Readonly<Record<string, string>>;
  /** Headline: trainJoint as a run trains (trainThreads 'auto'), img/s per round. */
  readonly train: Rounds & { readonly threads: number };
  /** Headline: the learner's score(ids) in calls of 256 on every core, img/s per round. */
  readonly score: Rounds & { readonly threads: number };
  /** Measured once: the parts behind the headlines. */
  readonly detail: {
    /** One joint step on this thread (tf ops + SgdMomentum), no trainer. */
    readonly trainStepImgPerSec: number;
    /** trainJoint with trainThreads 1. */
    readonly trainerOneThreadImgPerSec: number;
    /** Forward passes of batch 256 on this thread. */
    readonly scoreImgPerSec: number;
    /** Forward passes on worker threads only (one model copy per core). */
    readonly scoreParallelImgPerSec?: number;
    readonly scoreThreads?: number;
    /** The learner's score(ids) in one call of 1,024. */
    readonly learnerScoreOneCallImgPerSec: number;
  };
  readonly leakedTensors: number;
  readonly loadAverage: ReadonlyArray<number>;
  readonly cpus: number;
  readonly torch?: { readonly engine: string; readonly train: Rounds; readonly score: Rounds };
  /** median(ll4al) / median(PyTorch): the issue's targets are train ≥ 0.5, score ≥ 1.0. */
  readonly ratios?: { readonly train: number; readonly score: number; readonly trainOneThread: number; readonly scoreMainThread: number };
  readonly pools?: ReadonlyArray<PoolFigures>;
  readonly selection?: ReadonlyArray<SelectionFigures>;
  readonly resnet18?: ResNet18Figures & Throughput;
  /** Forward multiply-adds per image of the small CNN + loss module, and what the headlines mean in GMAC/s per core. */
  readonly smallCnn: Throughput & { readonly macsPerImage: number; readonly torchTrainGmacPerCore?: number; readonly torchScoreGmacPerCore?: number };
  readonly notes: ReadonlyArray<string>;
}

const round = (x: number, digits = 0): number => Number(x.toFixed(digits));
const rounds = (xs: ReadonlyArray<number>): Rounds => ({ median: round(median(xs)), rounds: xs.map((x) => round(x)) });

const main = async (): Promise<void> => {
  const options = parseArgs(process.argv.slice(2));
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const backendInfo = await initBackend(options.backend);
  const notes: string[] = [];
  const loadBefore = os.loadavg();
  const simdPeak = measureSimdPeak();
  const wasm = backendInfo.name === 'wasm';

  const model = JointModel.create(buildSmallCnn({ seed: 1 }), { seed: 2 });
  const tensorsBefore = tf.memory().numTensors;
  const trainStepImgPerSec = timeTraining(model, options.steps);
  const trainerOneThread = await timeTrainerThreads(model, options.steps, 1);
  const scoreImgPerSec = await timeScoring(model, options.steps);
  const leakedTensors = tf.memory().numTensors - tensorsBefore;
  const parallel = wasm ? await timeParallelScoring(model, options.steps, 'wasm') : undefined;
  const scoreThreads = wasm ? os.cpus().length : 1;
  const trainThreads = resolveTrainThreads('auto', backendInfo.name, true);

  // Rounds alternating ll4al's headline figures and PyTorch's, under the same load.
  const ours = { train: [] as number[], score: [] as number[], oneCall: [] as number[] };
  const theirs = { train: [] as number[], score: [] as number[], engine: '' };
  for (let r = 0; r < options.rounds; r++) {
    ours.train.push(await timeTrainerThreads(model, options.steps, trainThreads));
    const learnerScoring = await timeLearnerScoring(options.steps, scoreThreads);
    ours.score.push(learnerScoring.calls256);
    ours.oneCall.push(learnerScoring.oneCall);
    if (options.torch) {
      const reference = runTorchReference(repoRoot);
      if ('note' in reference) {
        if (!notes.includes(reference.note)) notes.push(reference.note);
      } else {
        theirs.engine = reference.engine;
        theirs.train.push(reference.trainImgPerSec);
        theirs.score.push(reference.scoreImgPerSec);
      }
    }
  }
  const torch: BenchResult['torch'] = theirs.train.length > 0 ? { engine: theirs.engine, train: rounds(theirs.train), score: rounds(theirs.score) } : undefined;
  const pools = options.pools.length > 0 ? await measurePools(model, options.pools, scoreImagesOnce) : undefined;
  const selection = options.pools.length > 0 ? measureSelection(options.pools, model.network.embeddingDim, options.selectionBaseline ? 50_000 : 0) : undefined;
  const smallMacs = forwardMacs(model.inference);
  model.dispose();

  // ResNet-18: the trainer on batches of 128 and the learner's score(ids), alternating with
  // PyTorch's torch_resnet18.py, fewer steps (a batch takes seconds here).
  let resnet18: (ResNet18Figures & Throughput) | undefined;
  if (options.resnet18) {
    const r18 = JointModel.create(buildResNet18({ seed: 1 }), { seed: 2 });
    const r18Macs = forwardMacs(r18.inference);
    const mine = { train: [] as number[], score: [] as number[] };
    const ref = { train: [] as number[], score: [] as number[] };
    const r18Steps = Math.min(options.steps, 3);
    for (let r = 0; r < options.rounds; r++) {
      mine.train.push(await timeTrainerThreads(r18, r18Steps, trainThreads, resnetShape, 1));
      mine.score.push((await timeLearnerScoring(r18Steps, scoreThreads, 'resnet18-cifar', 512)).calls256);
      if (options.torch) {
        const reference = runTorchReference(repoRoot, 2, 'torch_resnet18.py', ['--steps', String(r18Steps)]);
        if ('note' in reference) {
          if (!notes.includes(reference.note)) notes.push(reference.note);
        } else {
          ref.train.push(reference.trainImgPerSec);
          ref.score.push(reference.scoreImgPerSec);
        }
      }
    }
    r18.dispose();
    const train = { ...rounds(mine.train), threads: trainThreads };
    const score = { ...rounds(mine.score), threads: scoreThreads };
    const torchR18 = ref.train.length > 0 ? { train: rounds(ref.train), score: rounds(ref.score) } : undefined;
    resnet18 = {
      train,
      score,
      macsPerImage: r18Macs,
      trainGmacPerCore: round(gmacPerCore(train.median, 3 * r18Macs, trainThreads), 2),
      scoreGmacPerCore: round(gmacPerCore(score.median, r18Macs, scoreThreads), 2),
      ...(torchR18 === undefined
        ? {}
        : { torch: torchR18, ratios: { train: round(train.median / torchR18.train.median, 3), score: round(score.median / torchR18.score.median, 3) } }),
    };
  }

  const loadAfter = os.loadavg();
  const train = { ...rounds(ours.train), threads: trainThreads };
  const score = { ...rounds(ours.score), threads: scoreThreads };
  const result: BenchResult = {
    machine: describeMachine(),
    simdPeak: { plain: round(simdPeak.plain, 1), fused: simdPeak.fused === undefined ? undefined : round(simdPeak.fused, 1) },
    backend: backendInfo.name,
    backendInfo,
    kernelVariants: { ...loadedKernelVariants },
    train,
    score,
    detail: {
      trainStepImgPerSec: round(trainStepImgPerSec),
      trainerOneThreadImgPerSec: round(trainerOneThread),
      scoreImgPerSec: round(scoreImgPerSec),
      ...(parallel === undefined ? {} : { scoreParallelImgPerSec: round(parallel.imgPerSec), scoreThreads: parallel.threads }),
      learnerScoreOneCallImgPerSec: round(median(ours.oneCall)),
    },
    leakedTensors,
    loadAverage: [round(loadBefore[0], 2), round(loadAfter[0], 2)],
    cpus: os.cpus().length,
    ...(torch === undefined
      ? {}
      : {
          torch,
          ratios: {
            train: round(train.median / torch.train.median, 3),
            score: round(score.median / torch.score.median, 3),
            trainOneThread: round(trainerOneThread / torch.train.median, 3),
            scoreMainThread: round(scoreImgPerSec / torch.score.median, 3),
          },
        }),
    ...(pools === undefined ? {} : { pools }),
    ...(selection === undefined ? {} : { selection }),
    ...(resnet18 === undefined ? {} : { resnet18 }),
    smallCnn: {
      macsPerImage: smallMacs,
      trainGmacPerCore: round(gmacPerCore(train.median, 3 * smallMacs, trainThreads), 2),
      scoreGmacPerCore: round(gmacPerCore(score.median, smallMacs, scoreThreads), 2),
      ...(torch === undefined
        ? {}
        : {
            torchTrainGmacPerCore: round(gmacPerCore(torch.train.median, 3 * smallMacs, 2), 2),
            torchScoreGmacPerCore: round(gmacPerCore(torch.score.median, smallMacs, 2), 2),
          }),
    },
    notes,
  };
  if (options.json) {
    console.log(JSON.stringify(result));
    return;
  }
  const simd = backendInfo.simd === undefined ? '' : ` (simd ${backendInfo.simd}, threads ${backendInfo.threads ?? '?'})`;
  const list = (r: Rounds): string => (r.rounds.length > 1 ? `  [rounds: ${r.rounds.join(', ')}]` : '');
  console.log(`machine         ${machineLine(result.machine)}`);
  const variants = Object.entries(result.kernelVariants).map(([module, variant]) => `${module} ${variant}`).join(', ');
  console.log(`backend         ${result.backend}${simd}${variants === '' ? '' : `; C kernels: ${variants}`}`);
  console.log(`load average    ${result.loadAverage.join(' → ')} on ${result.cpus} cpus`);
  console.log(`simd peak       ${simdPeakLine(result.simdPeak)}`);
  const peak = result.simdPeak.fused ?? result.simdPeak.plain;
  const ofPeak = (gmac: number | undefined): string => (gmac === undefined || peak <= 0 ? '' : ` (${Math.round((100 * gmac) / peak)}% of the peak)`);
  /** A target ratio to PyTorch, as GMAC/s per core and a share of the one-core peak. */
  const targetLine = (ratio: number, torchGmac: number | undefined): string =>
    torchGmac === undefined ? '' : `${ratio}× = ${(ratio * torchGmac).toFixed(1)} GMAC/s per core${ofPeak(ratio * torchGmac)}`;
  const g = result.smallCnn;
  console.log(`small CNN       ${(g.macsPerImage / 1e6).toFixed(2)} MMAC per image forward (training counted 3×)`);
  console.log(`train           ${train.median} img/s = ${g.trainGmacPerCore} GMAC/s per core${ofPeak(g.trainGmacPerCore)}  (trainJoint, batch ${trainBatch}, ${trainThreads} thread${trainThreads > 1 ? 's, data parallel' : ''})${list(train)}`);
  console.log(`score           ${score.median} img/s = ${g.scoreGmacPerCore} GMAC/s per core${ofPeak(g.scoreGmacPerCore)}  (learner.score in calls of ${scoreBatch}, ${scoreThreads} threads)${list(score)}`);
  if (result.torch !== undefined && result.ratios !== undefined) {
    console.log(`pytorch         ${result.torch.engine}: train ${result.torch.train.median} img/s${list(result.torch.train)}, score ${result.torch.score.median} img/s${list(result.torch.score)}`);
    console.log(`pytorch GMAC/s  train ${g.torchTrainGmacPerCore} per core, score ${g.torchScoreGmacPerCore} per core`);
    console.log(`ratio           train ${result.ratios.train}× (target 0.8×), score ${result.ratios.score}× (target 1.2×) of PyTorch`);
    console.log(`targets mean    train ${targetLine(0.8, g.torchTrainGmacPerCore)}; score ${targetLine(1.2, g.torchScoreGmacPerCore)}`);
  }
  const r = result.resnet18;
  if (r !== undefined) {
    console.log(`resnet18        ${(r.macsPerImage / 1e6).toFixed(1)} MMAC per image forward; CIFAR 32×32×3, loss module on its 4 stages`);
    console.log(`resnet18 train  ${r.train.median} img/s = ${r.trainGmacPerCore} GMAC/s per core${ofPeak(r.trainGmacPerCore)} (trainJoint, batch ${trainBatch}, ${r.train.threads} threads)${list(r.train)}`);
    console.log(`resnet18 score  ${r.score.median} img/s = ${r.scoreGmacPerCore} GMAC/s per core${ofPeak(r.scoreGmacPerCore)} (learner.score in calls of ${scoreBatch}, ${r.score.threads} threads)${list(r.score)}`);
    if (r.torch !== undefined && r.ratios !== undefined) {
      console.log(`resnet18 torch  train ${r.torch.train.median} img/s${list(r.torch.train)}, score ${r.torch.score.median} img/s${list(r.torch.score)}`);
      console.log(`resnet18 ratio  train ${r.ratios.train}× (target 0.5×), score ${r.ratios.score}× (target 0.8×) of PyTorch`);
      const torchTrain = gmacPerCore(r.torch.train.median, 3 * r.macsPerImage, 2);
      const torchScore = gmacPerCore(r.torch.score.median, r.macsPerImage, 2);
      console.log(`resnet18 torch  train ${torchTrain.toFixed(1)} GMAC/s per core, score ${torchScore.toFixed(1)} GMAC/s per core`);
      console.log(`targets mean    train ${targetLine(0.5, torchTrain)}; score ${targetLine(0.8, torchScore)}`);
    }
  }
  const d = result.detail;
  console.log(`detail          train step on 1 thread ${d.trainStepImgPerSec} img/s; trainJoint on 1 thread ${d.trainerOneThreadImgPerSec} img/s${result.ratios === undefined ? '' : ` (${result.ratios.trainOneThread}×)`}`);
  const workers = d.scoreParallelImgPerSec === undefined ? '' : `; ${d.scoreThreads} worker threads ${d.scoreParallelImgPerSec} img/s`;
  console.log(`detail          score batch ${scoreBatch} on 1 thread ${d.scoreImgPerSec} img/s${result.ratios === undefined ? '' : ` (${result.ratios.scoreMainThread}×)`}${workers}; learner.score in one call of ${scoreImages} ${d.learnerScoreOneCallImgPerSec} img/s`);
  console.log(`leakedTensors   ${result.leakedTensors}`);
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
