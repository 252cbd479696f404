import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';

/** Configuration of a {@link LossPredictionModule}. */
export interface LossPredictionModuleArgs {
  /** Units of each tap's fully connected layer (paper: 128). */
  readonly units?: number;
  /** Seed of the weight initializers (the same seed gives the same weights). */
  readonly seed?: number;
  readonly name?: string;
  readonly trainable?: boolean;
}

const shapesOf = (inputShape: Shape | Shape[]): Shape[] =>
  Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];

/** Seeds of the n-th weight: a fixed odd stride keeps them distinct and reproducible. */
const weightSeed = (seed: number, index: number): number => (seed + 0x9e3779b1 * (index + 1)) >>> 1;

/**
 * The loss-prediction module of Learning Loss (Yoo & Kweon, 2019) as a tfjs-layers layer.
 *
 * Reads any number of feature taps of a target network: a rank-4 tap (NHWC) is globally
 * average-pooled, a rank-2 tap is used as it is; each goes through its own fully connected
 * layer of `units` units and a ReLU; the results are concatenated and a last fully connected
 * layer gives one scalar, the predicted loss l̂, of shape [batch, 1].
 *
 * Use it on the taps of any {@link TappedNetwork}; it is serializable, so a model that holds it
 * saves and loads like any tfjs model. Weights are initialised like PyTorch's `nn.Linear`
 * (U(±1/√fanIn)), seeded.
 *
 * @example
 * const lpm = new LossPredictionModule({ units: 128, seed: 7 });
 * const predicted = lpm.apply([tap1, tap2, tap3, tap4]); // [batch, 1]
 * // ResNet-18 taps (64, 128, 256, 512 channels): 123,905 parameters
 */
export class LossPredictionModule extends layers.Layer {
  static readonly className = 'LossPredictionModule';
  readonly units: number;
  readonly seed: number;
  private tapKernels: LayerVariable[] = [];
  private tapBiases: LayerVariable[] = [];
  private outKernel: LayerVariable | null = null;
  private outBias: LayerVariable | null = null;

  /** @param args - units per tap (default 128), initializer seed (default 0), layer name */
  constructor(args: LossPredictionModuleArgs = {}) {
    super({ name: args.name, trainable: args.trainable });
    this.units = args.units ?? 128;
    this.seed = args.seed ?? 0;
    if (!Number.isInteger(this.units) || this.units < 1) {
      throw new Error(`LossPredictionModule: units must be a positive integer, got ${this.units}`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = shapesOf(inputShape);
    if (shapes.length === 0) throw new Error('LossPredictionModule: needs at least one feature tap');
    let w = 0;
    const uniform = (fanIn: number) => {
      const bound = 1 / Math.sqrt(fanIn);
      return initializers.randomUniform({ minval: -bound, maxval: bound, seed: weightSeed(this.seed, w++) });
    };
    this.tapKernels = [];
    this.tapBiases = [];
    shapes.forEach((shape, i) => {
      if (shape.length !== 4 && shape.length !== 2) {
        throw new Error(`LossPredictionModule: tap ${i} must have rank 4 or 2, got shape [${shape.join(', ')}]`);
      }
      const channels = shape[shape.length - 1];
      if (channels == null) throw new Error(`LossPredictionModule: tap ${i} has an unknown channel count`);
      this.tapKernels.push(this.addWeight(`tap${i}_kernel`, [channels, this.units], 'float32', uniform(channels)));
      this.tapBiases.push(this.addWeight(`tap${i}_bias`, [this.units], 'float32', uniform(channels)));
    });
    const concat = this.units * shapes.length;
    this.outKernel = this.addWeight('out_kernel', [concat, 1], 'float32', uniform(concat));
    this.outBias = this.addWeight('out_bias', [1], 'float32', uniform(concat));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [shapesOf(inputShape)[0][0], 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const taps = Array.isArray(inputs) ? inputs : [inputs];
      if (taps.length !== this.tapKernels.length || this.outKernel == null || this.outBias == null) {
        throw new Error(`LossPredictionModule: built for ${this.tapKernels.length} taps, called with ${taps.length}`);
      }
      const hidden = taps.map((tap, i) => {
        const pooled = tap.rank === 4 ? tf.mean(tap, [1, 2]) : tap;
        return tf.relu(tf.add(tf.matMul(pooled as tf.Tensor2D, this.tapKernels[i].read() as tf.Tensor2D), this.tapBiases[i].read()));
      });
      const joined = hidden.length === 1 ? hidden[0] : tf.concat(hidden, 1);
      return tf.add(tf.matMul(joined as tf.Tensor2D, this.outKernel.read() as tf.Tensor2D), this.outBias.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, seed: this.seed };
  }
}

tf.serialization.registerClass(LossPredictionModule);

/**
 * Parameters of a loss-prediction module over taps with these channel counts:
 * Σ (cᵢ·units + units) + (n·units + 1).
 *
 * @param channels - the last dimension of each tap
 * @param units - units per tap (default 128)
 * @returns the number of trainable scalars
 * @example
 * lossModuleParamCount([64, 128, 256, 512]) // 123905
 */
export const lossModuleParamCount = (channels: ReadonlyArray<number>, units = 128): number =>
  channels.reduce((sum, c) => sum + c * units + units, 0) + channels.length * units + 1;
