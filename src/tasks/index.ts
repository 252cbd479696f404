/**
 * Tasks: target networks with feature taps, the loss-prediction module, the ranking loss, the
 * joint trainer, and learners (classification now; keypoints and detection share the module and
 * trainer through {@link JointModel} and {@link JointTask}).
 */
import { InputError } from '../inputError';
import { createClassificationLearner, type ClassificationLearnerOptions } from './classification';
import type { Learner } from './learner';
import { createDetectionLearner, type DetectionLearnerOptions } from './detection/detectionLearner';

export type { EpochReport, Evaluation, FitOptions, Labeled, Learner, ScoredBatch } from './learner';
export { LossPredictionModule, lossModuleParamCount, type LossPredictionModuleArgs } from './lossPredictionModule';
export type { TappedNetwork } from './tappedNetwork';
export { buildSmallCnn, type SmallCnnOptions } from './smallCnn';
export { buildResNet18, type ResNet18Options } from './resnet18';
export {
  buildClassificationNetwork,
  classificationModels,
  defaultInputOf,
  parseClassificationModel,
  type ClassificationModel,
  type NetworkShape,
} from './targetNetworks';
export { SeededInitializers } from './seededInitializers';
export { JointModel, type ForwardMode, type JointOutputs } from './jointModel';
export { stopGradient } from './stopGradient';
export { marginRankingLossTensor, mseLossTensor, lossModuleObjective, type LossObjective } from './rankingLoss';
export { crossEntropyPerSample } from './crossEntropy';
export { SgdMomentum } from './sgdMomentum';
export { planBatches } from './batchPlan';
export {
  defaultTrainerConfig,
  DivergedError,
  featureGradientStoppedAt,
  learningRateAt,
  resolveTrainerConfig,
  trainJoint,
  type JointTask,
  type TrainerConfig,
  type TrainingBatch,
} from './trainer';
export { classLabelCodec, createClassificationLearner, type ClassificationLearnerOptions } from './classification';
export { MODEL_JSON, WEIGHTS_BIN, loadModel, loadModelWeights, saveModel } from './modelFiles';

/** The options of each task's learner, by task name. Keypoints and detection add theirs here. */
export interface TaskOptions {
  readonly classification: ClassificationLearnerOptions;
  readonly detection: DetectionLearnerOptions;
}

/** Task names the CLI accepts. */
export type TaskName = keyof TaskOptions;

const factories: { readonly [K in TaskName]: (options: TaskOptions[K]) => Learner<unknown> } = {
  classification: createClassificationLearner as (options: ClassificationLearnerOptions) => Learner<unknown>,
  detection: createDetectionLearner as (options: DetectionLearnerOptions) => Learner<unknown>,
};

/** The registered task names. */
export const taskNames = Object.keys(factories) as ReadonlyArray<TaskName>;

/**
 * Creates the learner of a task by name (the CLI's `--task`).
 *
 * @param task - a registered task name (anything else: InputError naming the value)
 * @param options - that task's learner options
 * @returns the task's Learner
 */
export const createLearner = <K extends TaskName>(task: K, options: TaskOptions[K]): Learner<unknown> => {
  const factory = factories[task] as ((o: TaskOptions[K]) => Learner<unknown>) | undefined;
  if (factory == null) throw new InputError(`task: unknown task '${String(task)}' (expected one of ${Object.keys(factories).join(', ')})`);
  return factory(options);
};
export * from './keypoints';
export * from './detection';
