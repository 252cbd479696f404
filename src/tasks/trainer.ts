import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../inputError.ts';
import type { EpochReport, FitOptions } from './learner.ts';
import { planBatches } from './batchPlan.ts';
import type { JointModel } from './jointModel.ts';
import type { LossObjective } from './rankingLoss.ts';
import { deriveSeed, Rng } from '../ops/random.ts';
import { averageGradients, SgdMomentum } from './sgdMomentum.ts';
import { startGradientWorker, type GradientWorker } from './gradientWorker.ts';
import { jointObjective, type ObjectiveConfig, type PerSampleLoss, type TrainingTarget } from './jointObjective.ts';
import type { LossSource } from './lossSource.ts';

/**
 * The joint training recipe (the paper's CIFAR-10 recipe by default).
 *
 * Objective per batch: mean target loss + λ · loss-module loss (ranking, or the MSE ablation).
 */
export interface TrainerConfig extends ObjectiveConfig {
  /** Even, ≥ 2 (default 128). See {@link planBatches} for the remainder policy. */
  readonly batchSize: number;
  /** Initial learning rate (0.1). */
  readonly learningRate: number;
  /** Fraction of the epochs after which lr is multiplied by `lrDecayFactor` (0.8: epoch 160 of 200). */
  readonly lrDecayAt: number;
  readonly lrDecayFactor: number;
  readonly momentum: number;
  /** L2 weight decay, added to the gradient as in PyTorch (5e-4). */
  readonly weightDecay: number;
  /** λ; default 1 for 'ranking' and 0.1 for 'mse' (the value the paper ran its MSE ablation with). */
  readonly lambda: number;
  /** ξ, the ranking margin (1). */
  readonly margin: number;
  readonly lossObjective: LossObjective;
  /**
   * Fraction of the epochs after which the loss module's gradient into the target's features
   * is stopped (0.6: the reference's epoch 120 of 200); null never stops it.
   */
  readonly stopLossGradientAfter: number | null;
  /** Keep the weights across fits (the reference's behaviour) or re-initialise from the seed. */
  readonly warmStart: boolean;
  /** Random crop with padding and flip (as the data set allows) while training. */
  readonly augment: boolean;
  /**
   * Threads that train: 1, 2, or 'auto' (the default: 2 on the wasm backend for a task with
   * `workerLoss`, else 1 — a choice that depends on the backend and the task only, never on
   * the machine, so a seed gives the same run everywhere). With 2, each batch whose size is a
   * multiple of 4 is split into two halves: this thread computes the gradients of the first half
   * while a worker thread, holding a copy of the weights, computes those of the second; the two
   * are averaged and this thread applies the update and sends the new weights to the worker
   * (data parallel, like PyTorch's DDP). The ranking loss then pairs samples within each half,
   * and batch norm normalises each half with its own statistics; the running statistics kept
   * are this thread's (DDP without SyncBN). Same seed and same `trainThreads` give the same
   * weights. 2 needs a task with `workerLoss` (the three tasks here have one); if the
   * worker cannot start, training runs on this thread alone, with a warning. The worker lives
   * for one fit. `ll4al compare` trains each run on one thread when it runs several at once.
   */
  readonly trainThreads: TrainThreads;
}

/** Threads of data-parallel training: 1, 2, or 'auto' (see {@link TrainerConfig.trainThreads}). */
export type TrainThreads = 1 | 2 | 'auto';

/**
 * The threads a fit will train on.
 * @param requested - the configured value
 * @param backend - the active tfjs backend's name
 * @param hasWorkerLoss - whether the task can train in a worker thread
 */
export const resolveTrainThreads = (requested: TrainThreads, backend: string, hasWorkerLoss: boolean): 1 | 2 =>
  requested === 'auto' ? (backend === 'wasm' && hasWorkerLoss ? 2 : 1) : requested;

/** The defaults, for a loss objective (λ depends on it). */
export const defaultTrainerConfig = (lossObjective: LossObjective = 'ranking'): TrainerConfig => ({
  batchSize: 128,
  learningRate: 0.1,
  lrDecayAt: 0.8,
  lrDecayFactor: 0.1,
  momentum: 0.9,
  weightDecay: 5e-4,
  lambda: lossObjective === 'mse' ? 0.1 : 1,
  margin: 1,
  lossObjective,
  stopLossGradientAfter: 0.6,
  warmStart: true,
  augment: true,
  trainThreads: 'auto',
});

const fraction = (name: string, x: number | null): void => {
  if (x != null && !(Number.isFinite(x) && x >= 0 && x <= 1)) {
    throw new InputError(`trainer.${name} must be a fraction in [0, 1], got ${x}`);
  }
};
const nonNegative = (name: string, x: number): void => {
  if (!(Number.isFinite(x) && x >= 0)) throw new InputError(`trainer.${name} must be a finite number ≥ 0, got ${x}`);
};

/**
 * Completes and checks a partial trainer configuration.
 *
 * @param partial - the fields to override; λ defaults by `lossObjective` (1 ranking, 0.1 MSE)
 * @returns a full configuration
 * @throws InputError naming the first invalid field
 */
export const resolveTrainerConfig = (partial: Partial<TrainerConfig> = {}): TrainerConfig => {
  const objective = partial.lossObjective ?? 'ranking';
  if (objective !== 'ranking' && objective !== 'mse') {
    throw new InputError(`trainer.lossObjective must be 'ranking' or 'mse', got ${String(objective)}`);
  }
  const config = { ...defaultTrainerConfig(objective), ...partial };
  if (!Number.isInteger(config.batchSize) || config.batchSize < 2 || config.batchSize % 2 !== 0) {
    throw new InputError(`trainer.batchSize must be an even integer ≥ 2, got ${config.batchSize}`);
  }
  nonNegative('learningRate', config.learningRate);
  nonNegative('lrDecayFactor', config.lrDecayFactor);
  nonNegative('momentum', config.momentum);
  nonNegative('weightDecay', config.weightDecay);
  nonNegative('lambda', config.lambda);
  nonNegative('margin', config.margin);
  if (config.trainThreads !== 1 && config.trainThreads !== 2 && config.trainThreads !== 'auto') {
    throw new InputError(`trainer.trainThreads must be 1, 2 or 'auto', got ${String(config.trainThreads)}`);
  }
  fraction('lrDecayAt', config.lrDecayAt);
  fraction('stopLossGradientAfter', config.stopLossGradientAfter);
  return config;
};

/** One training batch made by a task: the input and whatever its loss needs as target. */
export interface TrainingBatch {
  readonly input: tf.Tensor4D;
  readonly target: TrainingTarget;
}

/**
 * What a task gives the trainer: its labeled examples as batches and its per-sample loss.
 * Classification, keypoints and detection each implement it; the trainer is shared.
 */
export interface JointTask {
  /** Number of labeled examples (indices 0 … exampleCount−1). */
  readonly exampleCount: number;
  /**
   * Builds one batch (one input tensor, from a reused buffer); the trainer disposes it.
   * @param indices - example indices of the batch
   * @param rng - for augmentation
   * @param augment - whether to augment
   */
  batch(indices: Int32Array, rng: Rng, augment: boolean): TrainingBatch;
  /** Per-sample target loss [B] from the heads and the batch's target (differentiable). */
  readonly perSampleLoss: PerSampleLoss;
  /** Where a worker thread finds the same per-sample loss; needed for `trainThreads` 2. */
  readonly workerLoss?: LossSource;
}

/** Rows [start, start + size) of a batch's target. */
const targetRows = (target: TrainingBatch['target'], start: number, size: number): tf.Tensor | tf.Tensor[] =>
  Array.isArray(target) ? (target as ReadonlyArray<tf.Tensor>).map((t) => tf.slice(t, start, size)) : tf.slice(target as tf.Tensor, start, size);

/** The learning rate of a 0-based epoch: step decay after round(lrDecayAt·epochs) epochs. */
export const learningRateAt = (config: TrainerConfig, epoch: number, epochs: number): number =>
  epoch < Math.round(config.lrDecayAt * epochs) ? config.learningRate : config.learningRate * config.lrDecayFactor;

/** Whether the features' gradient is stopped in a 0-based epoch: after round(f·epochs) epochs. */
export const featureGradientStoppedAt = (config: TrainerConfig, epoch: number, epochs: number): boolean =>
  config.stopLossGradientAfter != null && epoch >= Math.round(config.stopLossGradientAfter * epochs);

/**
 * Training produced a non-finite loss. The fit stops rather than hand the pipeline a model whose
 * scores are NaN; the labels already accepted stay in the journal.
 */
export class DivergedError extends Error {
  override readonly name = 'DivergedError';
}

const abortError = (): Error => new DOMException('fit was aborted', 'AbortError');
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains a target and its loss module jointly for `options.epochs` epochs.
 *
 * Each batch: per-sample target losses l (the task's), l̂ from the loss module, objective
 * mean(l) + λ·ranking(l̂, l) (or MSE), gradients by tf.variableGrads, SGD with momentum and
 * PyTorch-style weight decay. Batch norm runs in training mode. Losses stay on the device and
 * are read once per epoch. The AbortSignal is checked between batches.
 *
 * @param model - the joint model (its weights are updated in place)
 * @param task - batches and per-sample loss of the task
 * @param config - the recipe (see {@link resolveTrainerConfig})
 * @param options - epochs, seed for shuffling and augmentation, onEpoch, signal
 * @returns one report per epoch
 */
export const trainJoint = async (
  model: JointModel,
  task: JointTask,
  config: TrainerConfig,
  options: FitOptions,
): Promise<ReadonlyArray<EpochReport>> => {
  const { epochs } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new InputError(`epochs must be a positive integer, got ${epochs}`);
  if (task.exampleCount < 2) {
    throw new InputError(`training needs at least 2 labeled examples, got ${task.exampleCount}`);
  }
  const rng = new Rng(deriveSeed(options.seed, 'augment'));
  const variables = model.trainableVariables();
  const optimizer = new SgdMomentum(variables, config.momentum, config.weightDecay);
  const objective = jointObjective(model, task.perSampleLoss, config);
  const reports: EpochReport[] = [];
  let worker: GradientWorker | null = null;
  if (resolveTrainThreads(config.trainThreads, tf.getBackend(), task.workerLoss !== undefined) === 2) {
    if (task.workerLoss === undefined) throw new InputError('trainer.trainThreads 2 needs a task with workerLoss');
    try {
      worker = await startGradientWorker(model, config, task.workerLoss, tf.getBackend() === 'wasm' ? 'wasm' : 'cpu');
    } catch (error) {
      process.emitWarning(`trainer: training on the main thread only (the training worker failed: ${error instanceof Error ? error.message : String(error)})`);
    }
  }
  /** Gradients of the joint objective on one (part of a) batch; keeps its target-loss sum and loss-module loss. */
  const jointGradients = (
    input: tf.Tensor4D,
    target: TrainingBatch['target'],
    stopFeatureGradient: boolean,
    kept: (targetSum: tf.Scalar, moduleLoss: tf.Scalar) => void,
  ): tf.NamedTensorMap =>
    tf.variableGrads(() => {
      const loss = objective(input, target, stopFeatureGradient);
      kept(tf.keep(loss.targetSum), tf.keep(loss.moduleLoss));
      return loss.objective;
    }, variables).grads;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = performance.now();
      const learningRate = learningRateAt(config, epoch, epochs);
      const stopFeatureGradient = featureGradientStoppedAt(config, epoch, epochs);
      const batches = planBatches(task.exampleCount, config.batchSize, deriveSeed(options.seed, 'epoch', epoch));
      const targetSums: tf.Scalar[] = [];
      const moduleLosses: tf.Scalar[] = [];
      let samples = 0;
      try {
        for (const indices of batches) {
          if (options.signal?.aborted) throw abortError();
          const batch = task.batch(indices, rng, config.augment);
          try {
            const half = indices.length / 2;
            if (worker !== null && half % 2 === 0) {
              // Data parallel: the worker takes the second half, this thread the first.
              const theirs = tf.tidy(() => ({ input: tf.slice(batch.input, half, half), target: targetRows(batch.target, half, half) }));
              const pending = worker.gradients(theirs.input, theirs.target, stopFeatureGradient);
              tf.dispose(theirs);
              let ownModuleLoss: tf.Scalar | null = null;
              const mineTensors = tf.tidy(() =>
                jointGradients(tf.slice(batch.input, 0, half), targetRows(batch.target, 0, half), stopFeatureGradient, (sum, lm) => {
                  targetSums.push(sum);
                  ownModuleLoss = lm;
                }),
              );
              let mine: Array<Float32Array | undefined>;
              try {
                mine = variables.map((v) => mineTensors[v.name]?.dataSync() as Float32Array | undefined);
              } finally {
                tf.dispose(Object.values(mineTensors));
              }
              try {
                const other = await pending;
                // Averaged and applied as typed arrays: a few loops instead of hundreds of small ops.
                optimizer.applyArrays(averageGradients(mine, other.grads), learningRate);
                targetSums.push(tf.scalar(other.targetSum));
                moduleLosses.push(tf.tidy(() => tf.mul(tf.add(ownModuleLoss as unknown as tf.Scalar, other.moduleLoss), 0.5)));
              } finally {
                (ownModuleLoss as tf.Scalar | null)?.dispose();
              }
              worker.sync(variables);
            } else {
              tf.tidy(() => {
                const grads = jointGradients(batch.input, batch.target, stopFeatureGradient, (sum, lm) => {
                  targetSums.push(sum);
                  moduleLosses.push(lm);
                });
                optimizer.apply(grads, learningRate);
                // A batch trained here alone changes the weights the worker must hold.
                if (worker !== null) worker.sync(variables);
              });
            }
          } finally {
            batch.input.dispose();
            tf.dispose(batch.target as tf.Tensor | tf.Tensor[]);
          }
          samples += indices.length;
          await yieldToEventLoop();
        }
        const sums = tf.tidy(() => tf.stack([tf.addN(targetSums), tf.mean(tf.stack(moduleLosses))]));
        const [targetSum, moduleMean] = await sums.data();
        sums.dispose();
        if (!Number.isFinite(targetSum) || !Number.isFinite(moduleMean)) {
          // A diverged model would go on ranking the pool by NaN; stop and say what to change.
          throw new DivergedError(
            `training diverged at epoch ${epoch + 1} of ${epochs}: the ${Number.isFinite(targetSum) ? 'loss-module' : 'target'} loss is ${Number.isFinite(targetSum) ? moduleMean : targetSum / samples} (lower trainer.learningRate, now ${config.learningRate}, or trainer.lambda)`,
          );
        }
        const report: EpochReport = {
          epoch: epoch + 1,
          epochs,
          targetLoss: targetSum / samples,
          lossModuleLoss: moduleMean,
          learningRate,
          seconds: (performance.now() - started) / 1000,
        };
        reports.push(report);
        options.onEpoch?.(report);
      } finally {
        tf.dispose(targetSums);
        tf.dispose(moduleLosses);
      }
    }
  } finally {
    optimizer.dispose();
    await worker?.close();
  }
  return reports;
};
