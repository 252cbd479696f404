import { InputError } from '../inputError.ts';
import { buildResNet18 } from './resnet18.ts';
import { buildSmallCnn } from './smallCnn.ts';
import type { TappedNetwork } from './tappedNetwork.ts';

/** Names of the classification targets, as the CLI and configs spell them. */
export const classificationModels = ['small-cnn', 'resnet18-cifar'] as const;
export type ClassificationModel = (typeof classificationModels)[number];

/** Input shape, classes and seed of a target network. */
export interface NetworkShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
  readonly seed: number;
  /** Rate of the MC dropout before the logits (default 0: none). */
  readonly dropout?: number;
}

/** The input each model is made for when no data set says otherwise. */
export const defaultInputOf: Readonly<Record<ClassificationModel, Omit<NetworkShape, 'seed'>>> = {
  'small-cnn': { height: 28, width: 28, channels: 1, classes: 10 },
  'resnet18-cifar': { height: 32, width: 32, channels: 3, classes: 10 },
};

/**
 * Checks a model name from a flag or config.
 * @param name - the value given
 * @returns the name, typed
 * @throws InputError naming the value and the known models
 */
export const parseClassificationModel = (name: string): ClassificationModel => {
  if ((classificationModels as ReadonlyArray<string>).includes(name)) return name as ClassificationModel;
  throw new InputError(`model: unknown model '${name}' (expected one of ${classificationModels.join(', ')})`);
};

/**
 * Builds a classification target with its taps by name.
 *
 * @param model - 'small-cnn' or 'resnet18-cifar'
 * @param shape - input size, classes and initializer seed
 * @returns the network (outputs [logits, embedding, ...taps])
 */
export const buildClassificationNetwork = (model: ClassificationModel, shape: NetworkShape): TappedNetwork =>
  model === 'small-cnn' ? buildSmallCnn(shape) : buildResNet18(shape);
