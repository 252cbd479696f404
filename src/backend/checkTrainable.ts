import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../inputError.ts';

/** A layer that cannot train on the active backend, and why. */
export interface UntrainableLayer {
  /** The layer's name (nested models' layers as `outer/inner`). */
  readonly layer: string;
  /** Its tfjs-layers class, e.g. 'DepthwiseConv2D'. */
  readonly className: string;
  /** The kernel that is missing or has no gradient, when that is the cause. */
  readonly kernel?: string;
  /** What fails, in a few words. */
  readonly reason: string;
}

/** Options of {@link findUntrainableLayers} and {@link checkTrainableOnBackend}. */
export interface CheckTrainableOptions {
  /** The batch size of the trial inputs (default 2). */
  readonly batchSize?: number;
  /** The size given to a spatial or sequence axis the model leaves open (default 32). */
  readonly openAxisSize?: number;
}

const kernelMissing = /Kernel '([^']+)' not registered for backend '([^']+)'/;
const gradientMissing = /gradient function not found for ([A-Za-z0-9_]+)/;

/** What an error thrown by a layer's trial step means, as a reason and the kernel at fault. */
const diagnose = (error: unknown, backend: string): { kernel?: string; reason: string } => {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const missing = kernelMissing.exec(message);
  if (missing !== null) return { kernel: missing[1], reason: `kernel '${missing[1]}' is not registered for backend '${backend}'` };
  const noGradient = gradientMissing.exec(message);
  if (noGradient !== null) return { kernel: noGradient[1], reason: `tfjs has no gradient for kernel '${noGradient[1]}'` };
  return { reason: message.replace(/\s+/g, ' ').trim() };
};

/** The layers of a model in order, nested models' layers in place of the nested model. */
interface LayerVisit {
  readonly layer: tfl.layers.Layer;
  readonly path: string;
  /** Whether a layer upstream of it (in its model or an enclosing one) has trainable weights. */
  readonly upstreamTrainable: boolean;
}

const isModel = (layer: tfl.layers.Layer): layer is tfl.LayersModel => layer instanceof tfl.LayersModel;

const visitLayers = (model: tfl.LayersModel, prefix: string, outerUpstream: boolean): LayerVisit[] => {
  const trainableAbove = new Map<tfl.layers.Layer, boolean>();
  const upstream = (layer: tfl.layers.Layer): boolean => {
    const known = trainableAbove.get(layer);
    if (known !== undefined) return known;
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    const result = inbound.length === 0 ? outerUpstream : inbound.some((l) => l.trainableWeights.length > 0 || upstream(l));
    trainableAbove.set(layer, result);
    return result;
  };
  return model.layers.flatMap((layer): LayerVisit[] => {
    const path = `${prefix}${layer.name}`;
    if (isModel(layer)) return visitLayers(layer, `${path}/`, upstream(layer));
    if (layer.getClassName() === 'InputLayer') return [];
    return [{ layer, path, upstreamTrainable: upstream(layer) }];
  });
};

/** Trial inputs for a layer, from the shapes and dtypes its first call recorded (null: never called). */
const trialInputs = (layer: tfl.layers.Layer, options: Required<CheckTrainableOptions>): tf.Tensor[] | null => {
  const node = layer.inboundNodes[0];
  if (node === undefined) return null;
  const shapes = (Array.isArray(node.inputShapes[0]) || node.inputShapes.length === 0 ? node.inputShapes : [node.inputShapes]) as Array<Array<number | null>>;
  return shapes.map((shape, i) => {
    const concrete = shape.map((d, axis) => d ?? (axis === 0 ? options.batchSize : options.openAxisSize));
    const dtype = node.inputTensors[i]?.dtype ?? 'float32';
    // Values in [0, 1): valid as ids too (an embedding's float input is cast to indices).
    return dtype === 'float32' ? tf.randomUniform(concrete, 0, 1, 'float32', 17 + i) : tf.zeros(concrete, dtype);
  });
};

/** What this module reads of tfjs's engine state (`Engine.state`). */
interface TapeState {
  activeTape: Array<{ saved?: tf.Tensor[] }> | null;
  gradientDepth: number;
}

/**
 * tfjs 4.22's `tf.variableGrads` leaves its tape, and the tensors the tape saved for the
 * backward pass, behind when a gradient throws; this disposes them (outside nested gradients).
 */
const dropStaleTape = (): void => {
  const state = (tf.engine() as unknown as { state: TapeState }).state;
  if (state.gradientDepth !== 0 || state.activeTape === null) return;
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = null;
};

/** One training-mode step of a layer alone: forward, and the gradients a network would need. */
const trialStep = (visit: LayerVisit, inputs: ReadonlyArray<tf.Tensor>): void => {
  const weights = visit.layer.trainableWeights.map((w) => w.read() as tf.Variable);
  // Float inputs become variables (so their gradient is taken) when a layer upstream has weights.
  const fed = inputs.map((x) => (visit.upstreamTrainable && x.dtype === 'float32' ? tf.variable(x, true) : x));
  const inputVariables = fed.filter((x): x is tf.Variable => x instanceof tf.Variable);
  try {
    tf.tidy(() => {
      const run = (): tf.Scalar => {
        // As a model's executor calls it: the inputs as a list, even one.
        const out = visit.layer.apply([...fed], { training: true }) as tf.Tensor | tf.Tensor[];
        const outs = (Array.isArray(out) ? out : [out]).filter((o) => o.dtype === 'float32');
        return outs.length === 0 ? tf.scalar(0) : (tf.addN(outs.map((o) => tf.sum(tf.square(o)))) as tf.Scalar);
      };
      const variables = [...weights, ...inputVariables];
      if (variables.length === 0) run();
      else tf.variableGrads(run, variables);
    });
  } catch (error) {
    dropStaleTape();
    throw error;
  } finally {
    for (const v of inputVariables) v.dispose();
  }
};

/**
 * The layers of a model that cannot train on the active tfjs backend: each layer alone, on
 * trial inputs of the shapes it was built for (batch 2), runs one training-mode forward pass and
 * the gradients training needs of it — of its weights, and of its inputs when a layer upstream
 * has weights — and a layer whose step throws is listed with the kernel at fault (a kernel the
 * backend lacks, or one tfjs has no gradient for) or the error. A nested model is checked layer
 * by layer. The model is left as it was: moving averages a layer updates in training
 * (batch norm) are restored, and no tensor is left behind.
 *
 * @param model - The network (any tfjs-layers model, built).
 * @param options - Trial batch size and the size of open axes.
 * @returns The untrainable layers, in the model's order (empty when it trains).
 *
 * @example
 * findUntrainableLayers(model) // [] or [{ layer: 'dw1', className: 'DepthwiseConv2D', kernel: '…', reason: '…' }]
 */
export const findUntrainableLayers = (model: tfl.LayersModel, options: CheckTrainableOptions = {}): ReadonlyArray<UntrainableLayer> => {
  const settings: Required<CheckTrainableOptions> = { batchSize: options.batchSize ?? 2, openAxisSize: options.openAxisSize ?? 32 };
  const backend = tf.getBackend();
  const found: UntrainableLayer[] = [];
  for (const visit of visitLayers(model, '', false)) {
    const inputs = trialInputs(visit.layer, settings);
    if (inputs === null) continue;
    const kept = visit.layer.nonTrainableWeights.map((w) => tf.clone(w.read()));
    try {
      trialStep(visit, inputs);
    } catch (error) {
      // A layer whose output does not depend on what it is given trains trivially.
      if (error instanceof Error && error.message.includes('Cannot find a connection between any variable')) continue;
      found.push({ layer: visit.path, className: visit.layer.getClassName(), ...diagnose(error, backend) });
    } finally {
      visit.layer.nonTrainableWeights.forEach((w, i) => w.write(kept[i] as tf.Tensor));
      tf.dispose([...kept, ...inputs]);
    }
  }
  return found;
};

/**
 * Fails, before any training, when a layer of the model cannot train on the active backend:
 * one line naming the layer, its class and the kernel (see {@link findUntrainableLayers}).
 *
 * @param model - The network (any tfjs-layers model, built).
 * @param options - Trial batch size and the size of open axes.
 * @throws InputError `layer 'dw1' (DepthwiseConv2D) cannot train on backend 'wasm': kernel '…' is not registered for backend 'wasm'`
 *
 * @example
 * await initBackend('wasm');
 * checkTrainableOnBackend(myModel); // throws InputError if a layer cannot train
 */
export const checkTrainableOnBackend = (model: tfl.LayersModel, options: CheckTrainableOptions = {}): void => {
  const found = findUntrainableLayers(model, options);
  const [first, ...rest] = found;
  if (first === undefined) return;
  const more = rest.length === 0 ? '' : ` (and ${rest.length} more: ${rest.map((u) => `'${u.layer}'`).join(', ')})`;
  throw new InputError(`layer '${first.layer}' (${first.className}) cannot train on backend '${tf.getBackend()}': ${first.reason}${more}`);
};
