import { initializers } from '@tensorflow/tfjs-layers';
import { deriveSeed } from '../ops/random.ts';

type Initializer = ReturnType<typeof initializers.zeros>;

/**
 * PyTorch's default initialisation of convolution and dense layers, seeded: weights
 * U(−1/√fanIn, 1/√fanIn) (kaiming_uniform with a = √5) and biases with the same bound.
 * Every call draws a new seed from one generator, so the same seed gives the same weights.
 *
 * Use it when building a model: `const init = new SeededInitializers(seed)` then
 * `kernelInitializer: init.kernel()`, `biasInitializer: init.bias(fanIn)`.
 */
export class SeededInitializers {
  private drawn = 0;

  /** @param seed - the one seed every initializer of the model derives from (a safe integer) */
  constructor(private readonly seed: number) {}

  /** The next initializer seed: deriveSeed(seed, 'init', n) for the n-th draw. */
  nextSeed(): number {
    return deriveSeed(this.seed, 'init', this.drawn++);
  }

  /** A weight initializer: variance scaling (scale 1/3, fan-in, uniform) = U(±1/√fanIn). */
  kernel(): Initializer {
    return initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed: this.nextSeed() });
  }

  /**
   * A bias initializer U(±1/√fanIn).
   * @param fanIn - inputs feeding each unit (channels × kernel area for a convolution)
   */
  bias(fanIn: number): Initializer {
    const bound = 1 / Math.sqrt(fanIn);
    return initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() });
  }
}
