import * as tf from '@tensorflow/tfjs-core';

/**
 * SGD with momentum and weight decay, with PyTorch's semantics:
 * g ← g + wd·w;  v ← μ·v + g;  w ← w − lr·v.
 *
 * The update runs as one loop per variable over typed arrays (velocities live in JavaScript),
 * not as a chain of tensor ops: on wasm a small op costs tens of microseconds whatever its size,
 * and a chain of seven per variable made the optimizer a visible part of a training step.
 * Each variable is read once, updated, and assigned once.
 *
 * Use one per fit (the reference creates its optimizer per cycle, so momentum restarts);
 * the learning rate is passed to each step, so a schedule is the caller's.
 */
export class SgdMomentum {
  private readonly velocities: Array<Float32Array | undefined>;
  private readonly indexByName: ReadonlyMap<string, number>;

  /**
   * @param variables - the variables to update
   * @param momentum - μ (0.9)
   * @param weightDecay - wd (5e-4)
   */
  constructor(
    private readonly variables: ReadonlyArray<tf.Variable>,
    private readonly momentum: number,
    private readonly weightDecay: number,
  ) {
    this.velocities = variables.map(() => undefined);
    this.indexByName = new Map(variables.map((v, i) => [v.name, i]));
  }

  /**
   * Applies one update; variables without a gradient are left as they are.
   * @param grads - gradients by variable name (from tf.variableGrads); read here, not disposed
   * @param learningRate - lr of this step
   */
  apply(grads: tf.NamedTensorMap, learningRate: number): void {
    const arrays: Array<Float32Array | undefined> = this.variables.map(() => undefined);
    for (const [name, g] of Object.entries(grads)) {
      const i = this.indexByName.get(name);
      if (i !== undefined && g != null) arrays[i] = g.dataSync() as Float32Array;
    }
    this.applyArrays(arrays, learningRate);
  }

  /**
   * Applies one update from gradients given as arrays, in the order of the variables passed to
   * the constructor (undefined: no gradient, the variable is left as it is).
   * @param grads - one gradient per variable, each as long as its variable
   * @param learningRate - lr of this step
   */
  applyArrays(grads: ReadonlyArray<Float32Array | undefined>, learningRate: number): void {
    const mu = this.momentum;
    const wd = this.weightDecay;
    this.variables.forEach((w, i) => {
      const g = grads[i];
      if (g === undefined) return;
      const values = w.dataSync() as Float32Array;
      const n = values.length;
      if (g.length !== n) throw new Error(`SgdMomentum: gradient of ${w.name} has ${g.length} values, the variable ${n}`);
      const v = (this.velocities[i] ??= new Float32Array(n));
      // A fresh array: backends may keep a reference to the values a tensor was made from.
      const next = new Float32Array(n);
      for (let j = 0; j < n; j++) {
        const vj = mu * v[j] + (g[j] + wd * values[j]);
        v[j] = vj;
        next[j] = values[j] - learningRate * v[j];
      }
      tf.tidy(() => w.assign(tf.tensor(next, w.shape, 'float32')));
    });
  }

  /** Forgets the velocities (the next update starts from zero momentum). */
  dispose(): void {
    this.velocities.fill(undefined);
  }
}

/**
 * The element-wise mean of two gradient lists (data-parallel halves), into new arrays. A
 * variable without a gradient (undefined or null: the objective does not reach it) has none in
 * the mean; both halves run the same graph, so it must be missing from both.
 * @param a - one list (per variable)
 * @param b - the other, same lengths
 * @returns (a + b) / 2 per variable, undefined where neither has one
 * @throws Error if a variable has a gradient in one list only, or lengths differ
 */
export const averageGradients = (
  a: ReadonlyArray<Float32Array | null | undefined>,
  b: ReadonlyArray<Float32Array | null | undefined>,
): Array<Float32Array | undefined> =>
  a.map((x, i) => {
    const y = b[i];
    if (x == null || y == null) {
      if (x != null || y != null) throw new Error(`averageGradients: variable ${i} has a gradient in one half only`);
      return undefined;
    }
    if (y.length !== x.length) throw new Error(`averageGradients: variable ${i} has ${x.length} and ${y.length} values`);
    const out = new Float32Array(x.length);
    for (let j = 0; j < x.length; j++) out[j] = (x[j] + y[j]) * 0.5;
    return out;
  });
