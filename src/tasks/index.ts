/**
 * Tasks: target networks with feature taps, the loss-prediction module, the ranking loss, the
 * joint trainer, and learners (classification now; keypoints and detection share the module and
 * trainer through {@link JointModel} and {@link JointTask}).
 */
import { InputError } from '../inputError.ts';
import { createClassificationLearner, type ClassificationLearnerOptions } from './classification.ts';
import type { Learner } from './learner.ts';
import { createDetectionLearner, type DetectionLearnerOptions } from './detection/detectionLearner.ts';

export type { EpochReport, Evaluation, FitOptions, Labeled, Learner, ScoredBatch, ScoreOptions } from './learner.ts';
export { SeededDropout, seededDropout, mcDropoutSamples, type SeededDropoutArgs } from './mcDropout.ts';
export { LossPredictionModule, lossModuleParamCount, type LossPredictionModuleArgs } from './lossPredictionModule.ts';
export type { TappedNetwork } from './tappedNetwork.ts';
export { buildSmallCnn, type SmallCnnOptions } from './smallCnn.ts';
export { buildResNet18, type ResNet18Options } from './resnet18.ts';
export {
  buildClassificationNetwork,
  classificationModels,
  defaultInputOf,
  parseClassificationModel,
  type ClassificationModel,
  type NetworkShape,
} from './targetNetworks.ts';
export { SeededInitializers } from './seededInitializers.ts';
export { JointModel, type ForwardMode, type JointOutputs } from './jointModel.ts';
export { stopGradient } from './stopGradient.ts';
export { marginRankingLossTensor, mseLossTensor, lossModuleObjective, type LossObjective } from './rankingLoss.ts';
export { crossEntropyPerSample } from './crossEntropy.ts';
export { SgdMomentum } from './sgdMomentum.ts';
export { planBatches } from './batchPlan.ts';
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
} from './trainer.ts';
export { classLabelCodec, createClassificationLearner, type ClassificationLearnerOptions } from './classification.ts';
export { MODEL_JSON, WEIGHTS_BIN, loadModel, loadModelWeights, saveModel } from './modelFiles.ts';

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
export * from './keypoints/index.ts';
export * from './detection/index.ts';
