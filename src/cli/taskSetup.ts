/**
 * From a run configuration to a task's learner and the truth a simulated oracle answers from.
 * Classification (the paper's CIFAR-10 experiment), keypoints (its pose experiment, at CPU
 * scale) and detection (its SSD experiment, at CPU scale) share the pipeline, the loss module
 * and the trainer; what differs is here.
 */
import type { RunConfig } from '../config/runConfig.ts';
import type { DataSplit } from '../data/imageSet.ts';
import { InputError } from '../inputError.ts';
import { deriveSeed } from '../ops/random.ts';
import { createClassificationLearner } from '../tasks/classification.ts';
import { detectionTask } from '../tasks/detection/index.ts';
import { keypointsTask } from '../tasks/keypoints/index.ts';
import type { Learner } from '../tasks/learner.ts';

/** What a run needs of its task. */
export interface TaskSetup {
  readonly learner: Learner<unknown>;
  /** The held-back label of pool item `id`, for the simulated oracle. */
  readonly truth: (id: number) => unknown;
}

const everyStrategy = ['random', 'entropy', 'margin', 'least-confidence', 'core-set', 'learning-loss', 'learning-loss-mse'] as const;

/** The strategies each task accepts: the uncertainty scorers need class probabilities. */
export const taskStrategies: Readonly<Record<RunConfig['task'], ReadonlyArray<string>>> = {
  classification: everyStrategy,
  keypoints: ['random', 'core-set', 'learning-loss', 'learning-loss-mse'],
  // Per image, the class distribution of its most uncertain confident detection (see detectionLearner).
  detection: everyStrategy,
};

/**
 * The classification batch size of the command line when the run does not set one: 32, not the
 * paper's 128 (the library default and the `paper-cifar10` preset). CPU-sized protocols start
 * from a few hundred labels, where batches of 128 make one or two steps an epoch and the small
 * CNN stays near chance (measured on the embedded data: 15% test accuracy at 200 labels × 4
 * epochs of batch 128; 66% at 300 labels × 8 epochs of batch 32).
 */
export const CLI_CLASSIFICATION_BATCH_SIZE = 32;

/**
 * Refuses a strategy the task cannot serve, before any work starts.
 * @param task the run's task
 * @param strategy the strategy's name
 * @throws InputError naming both
 */
export const checkTaskStrategy = (task: RunConfig['task'], strategy: string): void => {
  const allowed = taskStrategies[task];
  if (everyStrategy.includes(strategy as (typeof everyStrategy)[number]) && !allowed.includes(strategy)) {
    throw new InputError(
      `strategy ${strategy} (--strategy) needs class probabilities, which the ${task} task does not have: use one of ${allowed.join(', ')}`,
    );
  }
};

/**
 * Builds the learner of `config.task` over `data`, seeded from the run seed only (so every
 * strategy of a trial starts from the same weights: a paired comparison).
 * @param config the run configuration (task, model, trainer overrides, seed)
 * @param data the loaded image data
 * @param lossObjective the strategy's loss-module objective ('mse' for the paper's ablation)
 * @param scoreThreads threads per scoring call (default: the learner's, see resolveScoreThreads);
 *   a scoring worker running several shards at once gives each a share of the cores
 * @returns the learner and the simulated oracle's truth
 */
export const setupTask = (config: RunConfig, data: DataSplit, lossObjective: 'ranking' | 'mse', scoreThreads?: number): TaskSetup => {
  const seed = deriveSeed(config.seed, 'learner');
  const threads = scoreThreads === undefined ? {} : { scoreThreads };
  switch (config.task) {
    case 'classification': {
      const learner = createClassificationLearner({
        data,
        model: config.model,
        trainer: { batchSize: CLI_CLASSIFICATION_BATCH_SIZE, ...config.trainer, lossObjective },
        seed,
        scoreBatchSize: config.scoreBatchSize,
        ...threads,
      });
      return { learner: learner as Learner<unknown>, truth: (id) => data.train.labels[id] };
    }
    case 'keypoints': {
      const { learner, truth } = keypointsTask(data, { seed, trainer: { ...config.trainer, lossObjective }, scoreBatchSize: config.scoreBatchSize, ...threads });
      return { learner: learner as Learner<unknown>, truth };
    }
    case 'detection': {
      const { learner, truth } = detectionTask(data, { seed, trainer: { ...config.trainer, lossObjective }, scoreBatchSize: config.scoreBatchSize, ...threads });
      return { learner: learner as Learner<unknown>, truth };
    }
  }
};
