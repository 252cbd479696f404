import * as tf from '@tensorflow/tfjs-core';

/**
 * SGD with momentum and weight decay, with PyTorch's semantics:
 * g ← g + wd·w;  v ← μ·v + g;  w ← w − lr·v.
 *
 * Use one per fit (the reference creates its optimizer per cycle, so momentum restarts);
 * the learning rate is passed to each step, so a schedule is the caller's.
 */
export class SgdMomentum {
  private readonly velocities = new Map<string, tf.Variable>();

  /**
   * @param variables - the variables to update
   * @param momentum - μ (0.9)
   * @param weightDecay - wd (5e-4)
   */
  constructor(
    private readonly variables: ReadonlyArray<tf.Variable>,
    private readonly momentum: number,
    private readonly weightDecay: number,
  ) {}

  /**
   * Applies one update; variables without a gradient are left as they are.
   * @param grads - gradients by variable name (from tf.variableGrads)
   * @param learningRate - lr of this step
   */
  apply(grads: tf.NamedTensorMap, learningRate: number): void {
    tf.tidy(() => {
      for (const w of this.variables) {
        const g = grads[w.name];
        if (g == null) continue;
        let v = this.velocities.get(w.name);
        if (v == null) {
          v = tf.variable(tf.zerosLike(w), false);
          this.velocities.set(w.name, v);
        }
        const decayed = this.weightDecay > 0 ? tf.add(g, tf.mul(w, this.weightDecay)) : g;
        v.assign(tf.add(tf.mul(v, this.momentum), decayed));
        w.assign(tf.sub(w, tf.mul(v, learningRate)));
      }
    });
  }

  /** Frees the velocities. */
  dispose(): void {
    for (const v of this.velocities.values()) v.dispose();
    this.velocities.clear();
  }
}
