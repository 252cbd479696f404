/**
 * Tasks: target networks with feature taps, the loss-prediction module, the ranking loss, the
 * joint objective and trainer, and tasks as specs ({@link defineTask}) of one generic joint
 * learner ({@link createJointLearner}) — classification, keypoints and detection are three such
 * specs; a user's own task is a fourth.
 */
import { InputError } from '../inputError.ts';
import { createClassificationLearner, type ClassificationLearnerOptions } from './classification.ts';
import type { Learner } from './learner.ts';
import { createDetectionLearner, type DetectionLearnerOptions } from './detection/detectionLearner.ts';

import type { Capability } from './learner.ts';

export { capabilities, type Capability, type EpochReport, type Evaluation, type FitOptions, type Labeled, type Learner, type ModelStore, type ScoredBatch, type ScoreOutputs, type ScoreOptions, type ScoreRows } from './learner.ts';
export { createJointLearner, type JointLearnerOptions } from './jointLearner.ts';
export { defineTask, imageInputs, testImages, type Augment, type BatchOutputs, type InputSet, type MetricBatch, type ScoreOutput, type TaskMetric, type TaskSpec, type TestSet } from './taskSpec.ts';
export { tapNetwork, type NetworkWithTaps } from './tapNetwork.ts';
export { embeddingOutput, softmaxOutput } from './scoreOutputs.ts';
export { jointObjective, type JointLoss, type ObjectiveConfig, type PerSampleLoss, type TrainingTarget } from './jointObjective.ts';
export { loadPerSampleLoss, workerModuleUrl, type LossSource } from './lossSource.ts';
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
export { classificationPerSampleLoss, crossEntropyPerSample } from './crossEntropy.ts';
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
export { accuracyMetric, classLabelCodec, classificationSpec, classTargets, createClassificationLearner, type ClassificationLearnerOptions } from './classification.ts';
export { MODEL_JSON, WEIGHTS_BIN, loadModel, loadModelWeights, saveModel } from './modelFiles.ts';

/**
 * The optional score outputs each built-in task's learner provides (what `ll4al run` checks a
 * strategy's `requires` against before it builds anything; test/tasks/taskSpecs.test.ts pins
 * it to each learner's own `provides`).
 */
export const taskProvides: Readonly<Record<'classification' | 'keypoints' | 'detection', ReadonlyArray<Capability>>> = {
  classification: ['probabilities', 'embeddings'],
  keypoints: ['embeddings'],
  detection: ['probabilities', 'embeddings'],
};

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
