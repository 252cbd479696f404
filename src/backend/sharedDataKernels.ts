import * as tf from '@tensorflow/tfjs-core';

/** The part of a backend that counts references to a data buffer (wasm and cpu have it). */
interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

/**
 * Identity that shares its input's buffer (one more reference) instead of copying it, as the
 * cpu backend does. Tensors are immutable, so sharing is safe; the stock wasm kernel copies,
 * and gradient tapes, `tf.keep`, custom gradients and tfjs-layers call Identity on whole
 * activations many times per training step (about 175 copies per step of the small CNN).
 */
export const sharedIdentityKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const x = inputs.x as tf.TensorInfo;
  (backend as unknown as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * Cast that shares its input's buffer when the dtype does not change (tf.moments casts its
 * float32 input to float32 on every batch-norm call); other casts run the stock kernel.
 * @param stock - tfjs-backend-wasm's Cast
 */
export const sharedCastKernel =
  (stock: tf.KernelFunc): tf.KernelFunc =>
  (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    return (args.attrs as { dtype?: tf.DataType } | undefined)?.dtype === x.dtype && x.dtype !== 'string'
      ? sharedIdentityKernel(args)
      : stock(args);
  };
