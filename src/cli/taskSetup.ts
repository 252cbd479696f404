/**
 * From a run configuration to a task's learner and the truth a simulated oracle answers from.
 * Classification (the paper's CIFAR-10 experiment), keypoints (its pose experiment, at CPU
 * scale) and detection (its SSD experiment, at CPU scale) share the pipeline, the loss module
 * and the trainer; what differs is here.
 */
import { dropoutOf, type RunConfig } from '../config/runConfig.ts';
import type { DataSplit, ImageSet, ImageSource } from '../data/imageSet.ts';
import { InputError } from '../inputError.ts';
import { deriveSeed } from '../ops/random.ts';
import { createClassificationLearner } from '../tasks/classification.ts';
import { detectionTask } from '../tasks/detection/index.ts';
import { keypointsTask } from '../tasks/keypoints/index.ts';
import type { Learner } from '../tasks/learner.ts';
import type { LossObjective } from '../tasks/rankingLoss.ts';
import { taskProvidesWith } from '../tasks/index.ts';
import { checkStrategy } from '../streams/checkStrategy.ts';
import { strategyProtocols } from '../streams/strategies.ts';

/** What a run needs of its task. */
export interface TaskSetup {
  readonly learner: Learner<unknown>;
  /** The held-back label of pool item `id`, for the simulated oracle. */
  readonly truth: (id: number) => unknown;
  /** The images that pool ids index when they are not the data's pool (the task's canvases), for people labeling them. */
  readonly pool?: ImageSource;
}

/**
 * The classification batch size of the command line when the run does not set one: 32, not the
 * paper's 128 (the library default and the `paper-cifar10` preset). CPU-sized protocols start
 * from a few hundred labels, where batches of 128 make one or two steps an epoch and the small
 * CNN stays near chance (measured on the embedded data: 15% test accuracy at 200 labels × 4
 * epochs of batch 128; 66% at 300 labels × 8 epochs of batch 32).
 */
export const CLI_CLASSIFICATION_BATCH_SIZE = 32;

/**
 * The loss module's objective of a run: what its strategy name sets (`learning-loss-mse`: 'mse'),
 * else `trainer.lossObjective`, else 'ranking'.
 * @param config the run configuration
 * @returns the objective the learner trains with
 * @throws InputError when the strategy's name and trainer.lossObjective disagree
 */
export const runLossObjective = (config: Pick<RunConfig, 'strategy' | 'trainer'>): LossObjective => {
  const protocol = strategyProtocols[config.strategy];
  const set = config.trainer.lossObjective;
  if (protocol !== undefined && set !== undefined && set !== protocol.lossObjective) {
    throw new InputError(`strategy ${config.strategy} (--strategy) trains the loss module with '${protocol.lossObjective}', but trainer.lossObjective is '${set}'`);
  }
  return protocol?.lossObjective ?? set ?? 'ranking';
};

/**
 * Refuses a strategy the task's learner cannot serve, before any work starts — the check
 * `activeLearning` makes when subscribed ({@link checkStrategy}), on the task's capabilities
 * (a classification network with dropout — the MC strategies' default — adds `mcSamples`).
 * @param config the run's task, strategy and trainer
 * @param strategy the strategy's name (default config.strategy)
 * @throws InputError naming the strategy and what the task lacks
 */
export const checkRunStrategy = (config: Pick<RunConfig, 'task' | 'strategy' | 'trainer' | 'dropout'>, strategy: string = config.strategy): void => {
  const named = { ...config, strategy };
  checkStrategy(strategy, { task: config.task, provides: taskProvidesWith(config.task, dropoutOf(named)), lossObjective: runLossObjective(named) });
};

/**
 * Builds the learner of `config.task` over `data`, seeded from the run seed only (so every
 * strategy of a trial starts from the same weights: a paired comparison).
 * @param config the run configuration (task, model, trainer overrides, seed)
 * @param data the loaded image data
 * @param lossObjective the loss objective the caller expects (a scoring worker's job says it);
 *   absent: {@link runLossObjective} of the config. One that disagrees with the config is refused.
 * @param scoreThreads threads per scoring call (default: the learner's, see resolveScoreThreads);
 *   a scoring worker running several shards at once gives each a share of the cores
 * @returns the learner (its loss module trains with {@link runLossObjective}) and the simulated oracle's truth
 * @throws InputError when `lossObjective` is not the config's
 */
export const setupTask = (config: RunConfig, data: DataSplit, lossObjective: LossObjective = runLossObjective(config), scoreThreads?: number): TaskSetup => {
  const seed = deriveSeed(config.seed, 'learner');
  if (lossObjective !== runLossObjective(config)) {
    throw new InputError(`loss objective '${lossObjective}' disagrees with the run's strategy ${config.strategy} and trainer (they give '${runLossObjective(config)}')`);
  }
  const threads = scoreThreads === undefined ? {} : { scoreThreads };
  switch (config.task) {
    case 'classification': {
      const learner = createClassificationLearner({
        data,
        model: config.model,
        trainer: { batchSize: CLI_CLASSIFICATION_BATCH_SIZE, ...config.trainer, lossObjective },
        seed,
        scoreBatchSize: config.scoreBatchSize,
        dropout: dropoutOf(config),
        ...threads,
      });
      return { learner: learner as Learner<unknown>, truth: (id) => data.train.labels[id], pool: data.train };
    }
    case 'keypoints': {
      const task = keypointsTask(data, { seed, trainer: { ...config.trainer, lossObjective }, scoreBatchSize: config.scoreBatchSize, ...threads });
      return { learner: task.learner as Learner<unknown>, truth: task.truth, pool: task.data.train };
    }
    case 'detection': {
      const task = detectionTask(data, { seed, trainer: { ...config.trainer, lossObjective }, scoreBatchSize: config.scoreBatchSize, ...threads });
      return { learner: task.learner as Learner<unknown>, truth: task.truth, pool: task.data.train };
    }
  }
};
