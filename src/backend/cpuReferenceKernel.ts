import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

/** What this module needs of a tfjs backend (wasm and cpu both have it). */
interface DataBackend {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** How many times each kernel ran through {@link cpuReferenceKernel}, by kernel name (tests read it). */
export const cpuReferenceCalls: Record<string, number> = {};

/**
 * A wasm kernel that runs tfjs's cpu kernel of the same name on copies of its inputs and copies
 * the result back: for the kernels tfjs-backend-wasm 4.22 gets wrong (3-D max pooling and its
 * gradient, the 3-D convolution gradients) where a network needs them rarely enough that a
 * pure-JS loop is fast enough. The result is the cpu backend's, value for value.
 *
 * @param kernelName - The kernel, registered for the cpu backend.
 * @returns A kernel function for any backend whose data `readSync` can read.
 */
export const cpuReferenceKernel =
  (kernelName: string): tf.KernelFunc =>
  ({ inputs, attrs }) => {
    const reference = tf.getKernel(kernelName, 'cpu');
    const cpu = tf.engine().findBackend('cpu') as unknown as DataBackend | null;
    if (reference === undefined || cpu === null) throw new Error(`ll4al: the cpu backend's ${kernelName} kernel is not available`);
    const owner = tf.engine().backend as unknown as DataBackend;
    const copies: Record<string, tf.TensorInfo> = {};
    for (const [name, info] of Object.entries(inputs)) {
      if (info === undefined) continue;
      copies[name] = { dataId: cpu.write(owner.readSync(info.dataId), [...info.shape], info.dtype), shape: info.shape, dtype: info.dtype };
    }
    try {
      const result = reference.kernelFunc({ inputs: copies, attrs, backend: cpu as unknown as tf.KernelBackend });
      const outputs = Array.isArray(result) ? result : [result];
      const back = outputs.map((out) => {
        const values = cpu.readSync(out.dataId);
        cpu.disposeData(out.dataId, true);
        return tf.tensor(values as Float32Array, out.shape, out.dtype);
      });
      cpuReferenceCalls[kernelName] = (cpuReferenceCalls[kernelName] ?? 0) + 1;
      return Array.isArray(result) ? back : (back[0] as tf.Tensor);
    } finally {
      for (const copy of Object.values(copies)) cpu.disposeData(copy.dataId, true);
    }
  };
