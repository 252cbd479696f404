import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../inputError.ts';
import type { ImageSource } from '../data/imageSet.ts';
import { toBatch } from '../data/normalize.ts';
import type { JointModel, JointOutputs } from './jointModel.ts';
import { loadModelWeights, saveModel } from './modelFiles.ts';
import type { Evaluation, Learner } from './learner.ts';
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

  /** Writes model.json + weights.bin of the inference model to `dir`. */
  async save(dir: string): Promise<void> {
    await saveModel(this.model.inference, dir);
  }

  /** Loads weights saved by {@link save}; the loaded model counts as fitted. */
  async load(dir: string): Promise<void> {
    await loadModelWeights(this.model.inference, dir);
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
  save: (dir: string): Promise<void> => held.save(dir),
  async load(dir: string): Promise<void> {
    await held.load(dir);
    scoring.stale();
  },
  dispose(): void {
    scoring.dispose();
    held.dispose();
  },
});

/**
 * Runs `model` in inference mode over items `ids` of `set`, `batchSize` at a time (each input
 * built in `buffer`), reads the tensors `pick` chooses from each batch's outputs, frees them, and
 * hands their values to `write` with the batch's start in `ids`.
 *
 * @param model - the joint model
 * @param set - the images `ids` index
 * @param ids - items, in output order
 * @param batchSize - items per forward pass
 * @param buffer - reused input buffer of at least batchSize·h·w·c floats
 * @param pick - the outputs to read (made inside a tidy; only the returned ones survive)
 * @param write - receives the values, in `pick`'s order, and the batch's start
 */
export const inferInBatches = async (
  model: JointModel,
  set: ImageSource,
  ids: Int32Array,
  batchSize: number,
  buffer: Float32Array,
  pick: (outputs: JointOutputs) => tf.Tensor[],
  write: (values: Float32Array[], start: number) => void,
): Promise<void> => {
  const per = set.height * set.width * set.channels;
  for (let start = 0; start < ids.length; start += batchSize) {
    const chunk = ids.subarray(start, Math.min(ids.length, start + batchSize));
    const m = chunk.length;
    const input = tf.tensor4d(toBatch(set, chunk, buffer.subarray(0, m * per)), [m, set.height, set.width, set.channels]);
    const outs = tf.tidy(() => pick(model.forward(input, { training: false })));
    input.dispose();
    write(await readAndDispose(outs), start);
  }
};
