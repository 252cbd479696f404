import * as tf from '@tensorflow/tfjs-core';
import type { InferencePool } from '../backend/inferencePool.ts';
import { checkTrainableOnBackend } from '../backend/checkTrainable.ts';
import { InputError } from '../inputError.ts';
import { deriveSeed, type Rng } from '../ops/random.ts';
import { customLayersUrl } from './customLayers.ts';
import { JointModel } from './jointModel.ts';
import type { PerSampleLoss } from './jointObjective.ts';
import { capabilities, type Capability, type EpochReport, type Evaluation, type FitOptions, type Labeled, type Learner, type ScoredBatch, type ScoreOptions, type ScoreRows } from './learner.ts';
import { learnerLifecycle, LiveJointModel, lossModuleFigures, poolIdCheck, readAndDispose } from './liveJointModel.ts';
import { loadPerSampleLoss, type LossSource } from './lossSource.ts';
import { embeddingOutput } from './scoreOutputs.ts';
import { createScoringThreads, resolveScoreThreads } from './scoringThreads.ts';
import { isTappedNetwork, tapNetwork } from './tapNetwork.ts';
import { defineTask, type MetricBatch, type ScoreOutput, type TaskSpec } from './taskSpec.ts';
import { resolveTrainerConfig, trainJoint, type JointTask, type TrainerConfig } from './trainer.ts';

/** How the library runs a task: seed, trainer overrides, batch sizes, threads. */
export interface JointLearnerOptions {
  /** Seed of the initial weights (and of re-initialisation when warmStart is false). */
  readonly seed: number;
  /** Overrides of the task's trainer defaults (`spec.trainer`) and the shared defaults. */
  readonly trainer?: Partial<TrainerConfig>;
  /** Inputs per forward pass when scoring and evaluating (default 256). */
  readonly scoreBatchSize?: number;
  /** Units per tap of the loss module (default 128). */
  readonly lossModuleUnits?: number;
  /**
   * Threads that score one `score(ids)` call together: this thread plus `scoreThreads − 1`
   * worker threads holding a copy of the model, refreshed after each fit or load (default: the
   * machine's cores on the wasm backend, 1 elsewhere). 1 scores on this thread only.
   */
  readonly scoreThreads?: number;
}

/** Rows of one output for part of a call, written at `offset`. */
interface Part {
  readonly offset: number;
  readonly rows: ScoreRows;
}

const defaultRows = (values: ReadonlyArray<Float32Array>, m: number): ScoreRows => ({ values: values[0]!, width: m > 0 ? values[0]!.length / m : 0 });

/** One output's rows for n ids from the parts of a call. */
const assemble = (name: Capability, n: number, parts: ReadonlyArray<Part>): ScoreRows => {
  const width = parts.find((p) => p.rows.values.length > 0)?.rows.width ?? 0;
  const values = new Float32Array(n * width);
  for (const { offset, rows } of parts) {
    if (rows.values.length === 0) continue;
    if (rows.width !== width) throw new Error(`score output ${name}: batches disagree on its width (${rows.width} vs ${width})`);
    values.set(rows.values, offset * width);
  }
  return { values, width };
};

/**
 * The learner of a task spec: one generic joint learner (target + loss-prediction module) for
 * every task — classification, keypoints and detection here are specs of it, and so is yours.
 *
 * It owns the live model (warm start, or re-initialisation from the seed before each fit after
 * the first), the labeled batches (label and id checks, augmentation from the fit's seed), the
 * joint training (`trainJoint`: one thread, or two with a worker that loads the same per-sample
 * loss), scoring in batches on this thread and worker threads (only the outputs asked for),
 * evaluation (the spec's metric, the mean target loss, the loss module's ranking accuracy over
 * all test pairs) and save/load (a directory or a tfjs IO handler).
 *
 * ## Example
 * ```ts
 * const learner = createJointLearner(defineTask({ name: 'digits', … }), { seed: 1, trainer: { batchSize: 32 } });
 * await learner.fit(labeled, { epochs: 2, seed: 1 });
 * const { ids, predictedLoss, probabilities } = await learner.score(ids, { outputs: ['probabilities'] });
 * ```
 * @param task - the task's spec (see {@link defineTask}; checked again here)
 * @param options - seed, trainer overrides, scoring batch size and threads, loss-module width
 * @returns the pipeline's Learner
 * @throws InputError for bad options, or trainThreads 2 with a loss given as a function
 */
export const createJointLearner = <L>(task: TaskSpec<L>, options: JointLearnerOptions): Learner<L> => {
  const spec = defineTask(task); // checked here too, for a spec written as a plain object
  const { seed } = options;
  const owner = `${spec.name} learner`;
  const config = resolveTrainerConfig({ ...spec.trainer, ...options.trainer });
  const scoreBatchSize = options.scoreBatchSize ?? 256;
  if (!Number.isInteger(scoreBatchSize) || scoreBatchSize < 1) throw new InputError(`scoreBatchSize must be a positive integer, got ${scoreBatchSize}`);
  const source: LossSource | undefined =
    typeof spec.perSampleLoss === 'function' ? undefined : { ...spec.perSampleLoss, preload: [customLayersUrl, ...(spec.preload ?? []), ...(spec.perSampleLoss.preload ?? [])] };
  if (config.trainThreads === 2 && source === undefined) {
    throw new InputError(`trainer.trainThreads 2: the ${spec.name} task's perSampleLoss is a function; give it as { module, exportName } so that a worker thread can import it`);
  }
  const shape = spec.pool.shape;
  const per = shape[0] * shape[1] * shape[2];
  const outputs: Partial<Record<Capability, ScoreOutput>> = { embeddings: embeddingOutput, ...spec.outputs };
  const provides = capabilities.filter((c) => outputs[c] !== undefined);

  const build = (): JointModel => {
    const network = spec.network(deriveSeed(seed, 'target'));
    return JointModel.create(isTappedNetwork(network) ? network : tapNetwork(network), { units: options.lossModuleUnits, seed: deriveSeed(seed, 'loss-module') });
  };
  const held = new LiveJointModel(owner, build, config.warmStart);
  const scoring = createScoringThreads(owner, resolveScoreThreads(options.scoreThreads), () => held.model.inference, [customLayersUrl, ...(spec.preload ?? [])]);
  const scoreBuffer = new Float32Array(scoreBatchSize * per);
  const checkIds = poolIdCheck(spec.pool.count);
  const describe = spec.labelDescription ?? spec.labelCodec.name;

  let loaded: Promise<PerSampleLoss> | null = null;
  const perSampleLoss = (): Promise<PerSampleLoss> =>
    (loaded ??= typeof spec.perSampleLoss === 'function' ? Promise.resolve(spec.perSampleLoss) : loadPerSampleLoss(spec.perSampleLoss));

  const jointTaskOf = (labeled: ReadonlyArray<Labeled<L>>, loss: PerSampleLoss): JointTask => {
    const ids = new Int32Array(labeled.length);
    const labels: L[] = [];
    labeled.forEach(([id, label], k) => {
      if (!spec.labelCodec.is(label)) throw new InputError(`labeled[${k}]: label ${JSON.stringify(label)} of id ${id} is not ${describe}`);
      ids[k] = id;
      labels.push(label);
    });
    checkIds(ids, 'fit');
    const inputBuffer = new Float32Array(config.batchSize * per);
    const batchIds = new Int32Array(config.batchSize);
    return {
      exampleCount: labeled.length,
      batch(indices: Int32Array, rng: Rng, augment: boolean) {
        const n = indices.length;
        for (let k = 0; k < n; k++) batchIds[k] = ids[indices[k]!]!;
        const picked = batchIds.subarray(0, n);
        const out = inputBuffer.subarray(0, n * per);
        const batchLabels = Array.from(indices, (i) => labels[i]!);
        const made = augment && spec.augment ? spec.augment(picked, batchLabels, rng, out) : { pixels: spec.pool.pixels(picked, out), labels: batchLabels };
        return { input: tf.tensor4d(made.pixels, [n, ...shape]), target: spec.targets(made.labels) };
      },
      perSampleLoss: loss,
      workerLoss: source,
    };
  };

  let preflighted = false;
  const learner: Learner<L> = {
    task: spec.name,
    labelCodec: spec.labelCodec,
    poolSize: spec.pool.count,
    provides,
    lossObjective: config.lossObjective,

    async fit(labeled: ReadonlyArray<Labeled<L>>, fitOptions: FitOptions): Promise<ReadonlyArray<EpochReport>> {
      const task = jointTaskOf(labeled, await perSampleLoss());
      // Once per learner, before the first step: a layer the backend cannot train is one line
      // naming the layer and the kernel (checkTrainableOnBackend), not a stack trace mid-epoch.
      if (!preflighted) {
        checkTrainableOnBackend(held.model.inference);
        preflighted = true;
      }
      scoring.stale();
      return trainJoint(held.forFit(), task, config, fitOptions);
    },

    async score(ids: Int32Array, request: ScoreOptions = {}): Promise<ScoredBatch> {
      checkIds(ids, 'score');
      const wanted = [...new Set(request.outputs ?? [])];
      const { mcPasses } = request;
      if (mcPasses !== undefined && !(Number.isInteger(mcPasses) && mcPasses >= 1)) throw new InputError(`score: mcPasses must be an integer ≥ 1, got ${mcPasses}`);
      for (const name of wanted) {
        if (outputs[name] === undefined) throw new InputError(`score: the ${owner} does not provide ${name} (it provides: ${provides.join(', ') || 'none'})`);
      }
      const model = held.model;
      const n = ids.length;
      const predictedLoss = new Float32Array(n);
      const parts = new Map<Capability, Part[]>(wanted.map((name) => [name, []]));
      /** Rows from `offset`: l̂ (values[0]), then each wanted output's tensors' values. */
      const write = (offset: number, m: number, values: ReadonlyArray<Float32Array>, counts: ReadonlyArray<number>): void => {
        predictedLoss.set(values[0]!, offset);
        let at = 1;
        wanted.forEach((name, w) => {
          const own = values.slice(at, at + counts[w]!);
          at += counts[w]!;
          parts.get(name)!.push({ offset, rows: (outputs[name]!.rows ?? defaultRows)(own, m) });
        });
      };
      const here = async (part: Int32Array, offset: number): Promise<void> => {
        for (let start = 0; start < part.length; start += scoreBatchSize) {
          const chunk = part.subarray(start, Math.min(part.length, start + scoreBatchSize));
          const m = chunk.length;
          const input = tf.tensor4d(spec.pool.pixels(chunk, scoreBuffer.subarray(0, m * per)), [m, ...shape]);
          const counts: number[] = [];
          const outs = tf.tidy(() => {
            const o = model.forward(input, { training: false });
            const picked: tf.Tensor[] = [o.predictedLoss];
            for (const name of wanted) {
              const ts = outputs[name]!.tensors({ heads: o.heads, embedding: o.embedding, input, model, ...(mcPasses === undefined ? {} : { mcPasses }) });
              counts.push(ts.length);
              picked.push(...ts);
            }
            return picked;
          });
          input.dispose();
          write(offset + start, m, await readAndDispose(outs), counts);
        }
      };
      const { headCount } = model.network;
      const headShapes = model.inference.outputs.slice(0, headCount).map((o) => o.shape.slice(1) as number[]);
      const there = async (pool: InferencePool, chunk: Int32Array, offset: number): Promise<void> => {
        const m = chunk.length;
        // the inference model's outputs: [...heads, embedding, predicted loss]
        const raw = await pool.predict(spec.pool.pixels(chunk, new Float32Array(m * per)), [m, ...shape]);
        const counts: number[] = [];
        const outs = tf.tidy(() => {
          const heads = headShapes.map((s, h) => tf.tensor(raw[h]!, [m, ...s]));
          const embedding = tf.tensor2d(raw[headCount]!, [m, raw[headCount]!.length / Math.max(m, 1)]);
          return wanted.flatMap((name) => {
            const ts = outputs[name]!.tensors({ heads, embedding });
            counts.push(ts.length);
            return ts;
          });
        });
        write(offset, m, [raw[raw.length - 1]!, ...(await readAndDispose(outs))], counts);
      };
      if (wanted.some((name) => outputs[name]!.mainThreadOnly)) await here(ids, 0);
      else await scoring.run(ids, scoreBatchSize, here, there);
      const scored: { -readonly [K in keyof ScoredBatch]: ScoredBatch[K] } = { ids: Int32Array.from(ids), predictedLoss };
      for (const name of wanted) scored[name] = assemble(name, n, parts.get(name)!);
      return scored;
    },

    async evaluate(): Promise<Evaluation> {
      const model = held.model;
      const loss = await perSampleLoss();
      const { test, metric } = spec;
      const n = test.count;
      const predicted = new Float32Array(n);
      const trueLoss = new Float32Array(n);
      const batches: MetricBatch[] = [];
      for (let start = 0; start < n; start += scoreBatchSize) {
        const m = Math.min(scoreBatchSize, n - start);
        const chunk = Int32Array.from({ length: m }, (_, k) => start + k);
        const labels = Array.from(chunk, (i) => test.label(i));
        const input = tf.tensor4d(test.pixels(chunk, scoreBuffer.subarray(0, m * per)), [m, ...shape]);
        const outs = tf.tidy(() => {
          const target = spec.targets(labels);
          const o = model.forward(input, { training: false });
          return [o.predictedLoss, loss(o.heads, target), ...metric.tensors(o.heads, target)];
        });
        input.dispose();
        const [lHat, l, ...values] = await readAndDispose(outs);
        predicted.set(lHat!, start);
        trueLoss.set(l!, start);
        batches.push({ start, count: m, values });
      }
      return { metricName: metric.name, metric: metric.value(batches, n), ...lossModuleFigures(predicted, trueLoss) };
    },

    ...learnerLifecycle(held, scoring),
  };
  return learner;
};
