import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../inputError.ts';
import type { JointModel } from './jointModel.ts';
import { loadModelWeights, saveModelTo } from './modelFiles.ts';
import type { Evaluation, Learner, ModelStore } from './learner.ts';
import { rankingAccuracy } from '../ops/rankingAccuracy.ts';
import type { ScoringThreads } from './scoringThreads.ts';

/**
 * The joint model a learner holds across cycles: warm start (the reference keeps the weights
 * from cycle to cycle) or re-initialisation from the seed before every fit after the first;
 * saving and loading its weights; disposal. Every task's learner keeps its model this way.
 */
export class LiveJointModel {
  private joint: JointModel | null;
  private fitted = false;

  /**
   * @param owner - named in the error when the model is used after dispose (e.g. 'keypoints learner')
   * @param build - builds the model from the learner's seed (same seed → same weights)
   * @param warmStart - keep the weights across fits, or rebuild before each fit after the first
   */
  constructor(
    private readonly owner: string,
    private readonly build: () => JointModel,
    private readonly warmStart: boolean,
  ) {
    this.joint = build();
  }

  /** The live model; throws once disposed. */
  get model(): JointModel {
    if (this.joint == null) throw new Error(`${this.owner}: used after dispose()`);
    return this.joint;
  }

  /** The model the next fit trains: the same one (warm start) or one rebuilt from the seed. */
  forFit(): JointModel {
    if (this.fitted && !this.warmStart) {
      this.model.dispose();
      this.joint = this.build();
    }
    this.fitted = true;
    return this.model;
  }

  /** Writes the inference model: model.json + weights.bin to a directory, or through an IO handler. */
  async save(to: ModelStore): Promise<void> {
    await saveModelTo(this.model.inference, to);
  }

  /** Loads weights saved by {@link save}; the loaded model counts as fitted. */
  async load(from: ModelStore): Promise<void> {
    await loadModelWeights(this.model.inference, from);
    this.fitted = true;
  }

  /** Frees every tensor of the model; later use throws. */
  dispose(): void {
    this.joint?.dispose();
    this.joint = null;
  }
}

/**
 * Reads tensors produced in one tidy and frees them (whether the read succeeds or not).
 * @param tensors - float tensors, kept out of a tidy
 * @returns their values, in order
 */
export const readAndDispose = async (tensors: ReadonlyArray<tf.Tensor>): Promise<Float32Array[]> => {
  try {
    return (await Promise.all(tensors.map((x) => x.data()))) as Float32Array[];
  } finally {
    tf.dispose(tensors as tf.Tensor[]);
  }
};

/**
 * A check that pool ids are integers in [0, poolSize).
 * @param poolSize - number of items in the pool
 * @returns a function throwing InputError naming the call (`what`) and the first bad id
 */
export const poolIdCheck =
  (poolSize: number) =>
  (ids: ArrayLike<number>, what: string): void => {
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      if (!(Number.isInteger(id) && id! >= 0 && id! < poolSize)) throw new InputError(`${what}: pool id ${id} is outside 0…${poolSize - 1}`);
    }
  };

/**
 * The loss module's figures on an evaluation set: its ranking accuracy over all pairs (NaN when
 * no pair has different true losses) and the mean true loss (NaN for an empty set).
 * @param predicted - l̂ per sample
 * @param trueLoss - the task's loss per sample
 */
export const lossModuleFigures = (predicted: Float32Array, trueLoss: Float32Array): Pick<Evaluation, 'rankingAccuracy' | 'meanTargetLoss'> => {
  const n = trueLoss.length;
  const ranking = rankingAccuracy(predicted, trueLoss);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += trueLoss[i]!;
  return { rankingAccuracy: ranking._tag === 'Right' ? ranking.right : Number.NaN, meanTargetLoss: n > 0 ? sum / n : Number.NaN };
};

/**
 * A learner's save, load and dispose, for a model kept in `held` and scored by `scoring`: a
 * load gives the scoring threads the new weights; dispose stops them and frees the model.
 * @param held - the learner's model
 * @param scoring - its scoring threads
 */
export const learnerLifecycle = (held: LiveJointModel, scoring: ScoringThreads): Pick<Learner<unknown>, 'save' | 'load' | 'dispose'> => ({
  save: (to: ModelStore): Promise<void> => held.save(to),
  async load(from: ModelStore): Promise<void> {
    await held.load(from);
    scoring.stale();
  },
  dispose(): void {
    scoring.dispose();
    held.dispose();
  },
});
