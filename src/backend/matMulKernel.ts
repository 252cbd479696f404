import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './kernelTensors.ts';
import type { WasmBackendInternals } from './kernels/nativeModule.ts';

/**
 * `BatchMatMul` and `_FusedMatMul` for wasm, around tfjs-backend-wasm 4.22's own kernels, for
 * two of their faults:
 *
 * - **Speed.** They hand a product to XNNPACK only when neither operand is transposed; with
 *   `transposeA` or `transposeB` they run a scalar loop about 10× slower (tf.matMul of
 *   128 × 128 by 128 × 128 on this 2-core Xeon, Node 24: 0.155 ms plain, 1.47–1.57 ms with
 *   either or both transposed). Every dense layer's gradients are such products (dx = dy·Wᵀ,
 *   dW = xᵀ·dy): a training step of the small CNN + loss module spent ~7 ms of ~107 in them,
 *   2.6 ms after this. A transposed operand is transposed first (wasm's `Transpose`: one pass
 *   over it) and the product runs untransposed.
 * - **A wrong result.** `_FusedMatMul` with a batch of more than one product adds the bias (and
 *   PReLU's weights) by the wrong index: tf.fused.matMul of [3, 2, 1] by [3, 1, 2] with a bias
 *   of 2 gives 1.5 where the cpu backend gives 2.5. With a batch over one and a bias or PReLU
 *   weights, the product runs without them and the bias and activation are applied after.
 */

/** How many products this kernel computed by transposing first, for tests and benchmarks. */
export const transposedMatMulCalls = { count: 0 };

interface MatMulAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly activation?: string;
  readonly leakyreluAlpha?: number;
}

/** The permutation that swaps the last two axes of a tensor of rank `rank`. */
const swapLastTwo = (rank: number): number[] => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];

/** Products in a batched matmul's batch (1 for plain matrices). */
const batchOf = (shape: ReadonlyArray<number>): number => shape.slice(0, -2).reduce((n, d) => n * d, 1);

/** y with `_FusedMatMul`'s activation applied (tfjs's fused activations). */
const activate = (y: tf.Tensor, attrs: MatMulAttrs, prelu: tf.TensorInfo | undefined): tf.Tensor => {
  switch (attrs.activation ?? 'linear') {
    case 'linear':
      return y;
    case 'relu':
      return tf.relu(y);
    case 'relu6':
      return tf.relu6(y);
    case 'elu':
      return tf.elu(y);
    case 'sigmoid':
      return tf.sigmoid(y);
    case 'leakyrelu':
      return tf.leakyRelu(y, attrs.leakyreluAlpha ?? 0.2);
    case 'prelu':
      if (prelu === undefined) throw new Error('_FusedMatMul: prelu activation without its weights');
      return tf.prelu(y, asTensor(prelu));
    default:
      throw new Error(`_FusedMatMul: unknown activation '${attrs.activation}'`);
  }
};

/**
 * Wraps wasm's `BatchMatMul` (`fused` false) or `_FusedMatMul` (`fused` true) as described above;
 * everything else goes to `stock` as it is. Transposed copies are freed before it returns.
 *
 * @param stock - tfjs-backend-wasm's kernel for the same op.
 * @param fused - Whether it is `_FusedMatMul` (inputs a, b, bias, preluActivationWeights).
 */
export const wasmMatMulKernel =
  (stock: tf.KernelFunc, fused: boolean): tf.KernelFunc =>
  (args) => {
    const attrs = args.attrs as unknown as MatMulAttrs;
    const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const a = inputs['a'];
    const b = inputs['b'];
    if (a === undefined || b === undefined || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return stock(args);
    const bias = fused ? inputs['bias'] : undefined;
    const prelu = fused ? inputs['preluActivationWeights'] : undefined;
    const unfuse = (bias !== undefined || prelu !== undefined) && Math.max(batchOf(a.shape), batchOf(b.shape)) > 1;
    const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
    const transposing = (attrs.transposeA || attrs.transposeB) && transpose !== undefined;
    if (!transposing && !unfuse) return stock(args);

    const backend = args.backend as unknown as Pick<WasmBackendInternals, 'disposeData'>;
    const made: tf.TensorInfo[] = [];
    const upright = (x: tf.TensorInfo, transposed: boolean): tf.TensorInfo => {
      if (!transposed || transpose === undefined) return x;
      const t = transpose({ inputs: { x }, backend: args.backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as tf.TensorInfo;
      made.push(t);
      return t;
    };
    try {
      const product = stock({
        ...args,
        inputs: unfuse ? { a: upright(a, attrs.transposeA), b: upright(b, attrs.transposeB) } : { ...args.inputs, a: upright(a, attrs.transposeA), b: upright(b, attrs.transposeB) },
        attrs: { ...args.attrs, transposeA: !transposing && attrs.transposeA, transposeB: !transposing && attrs.transposeB, ...(unfuse ? { activation: 'linear' } : {}) },
      }) as tf.TensorInfo;
      if (transposing) transposedMatMulCalls.count++;
      if (!unfuse) return product;
      return tf.tidy(() => {
        const y = asTensor(product);
        return activate(bias === undefined ? y : tf.add(y, asTensor(bias)), attrs, prelu);
      });
    } finally {
      for (const t of made) backend.disposeData(t.dataId);
    }
  };
