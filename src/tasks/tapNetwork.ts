import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { InputError } from '../inputError.ts';
import type { TappedNetwork } from './tappedNetwork.ts';

/**
 * Any tfjs-layers model (functional or sequential, built) and the names of its layers that the
 * loss-prediction module reads.
 */
export interface NetworkWithTaps {
  readonly model: tfl.LayersModel;
  /** Layers whose outputs the loss module reads (rank 4: average-pooled; rank 2: used as they are). */
  readonly taps: ReadonlyArray<string>;
  /** The layer whose output is the embedding (rank 2; default: the input of the layer of the first head). */
  readonly embedding?: string;
  /** Layers whose outputs are the task's heads (default: the model's outputs). */
  readonly heads?: ReadonlyArray<string>;
}

const layerNames = (model: tfl.LayersModel): string => model.layers.map((l) => l.name).join(', ');

const outputOf = (model: tfl.LayersModel, name: string, role: string): SymbolicTensor => {
  const layer = model.layers.find((l) => l.name === name);
  if (layer === undefined) throw new InputError(`${role} '${name}': model ${model.name} has no layer of that name (layers: ${layerNames(model)})`);
  const out = layer.output;
  if (Array.isArray(out)) throw new InputError(`${role} '${name}': layer has ${out.length} outputs; tap a layer with one`);
  return out;
};

/**
 * A {@link TappedNetwork} from a model and layer names: one functional model over the same layers
 * (weights shared) whose outputs are `[...heads, embedding, ...taps]`. An output listed twice
 * (a tap that is also the embedding) goes through a linear activation, since tfjs-layers refuses
 * a model that lists an output twice.
 *
 * @param network - the model and the names of its heads, embedding and taps
 * @param name - the network's name (default: the model's)
 * @returns the tapped network
 * @throws InputError naming a missing layer, an embedding that is not rank 2, or no taps
 */
export const tapNetwork = (network: NetworkWithTaps, name = network.model.name): TappedNetwork => {
  const { model } = network;
  if (network.taps.length === 0) throw new InputError(`network ${name}: give at least one tap (a layer name)`);
  const heads = network.heads === undefined ? model.outputs : network.heads.map((h) => outputOf(model, h, 'head'));
  let embedding: SymbolicTensor;
  if (network.embedding !== undefined) embedding = outputOf(model, network.embedding, 'embedding');
  else {
    const input = heads[0]!.sourceLayer.input;
    if (Array.isArray(input)) throw new InputError(`network ${name}: name its embedding layer (the first head's layer has ${input.length} inputs)`);
    embedding = input;
  }
  if (embedding.shape.length !== 2) {
    throw new InputError(`embedding of network ${name}: expected a rank-2 output [batch, features], got shape [${embedding.shape.map((d) => d ?? 'batch').join(', ')}]; name a rank-2 layer as embedding`);
  }
  const taps = network.taps.map((tap) => outputOf(model, tap, 'tap'));
  const seen = new Set<SymbolicTensor>();
  const once = (x: SymbolicTensor): SymbolicTensor => {
    if (!seen.has(x)) {
      seen.add(x);
      return x;
    }
    return tfl.layers.activation({ activation: 'linear' }).apply(x) as SymbolicTensor;
  };
  const outputs = [...heads, embedding, ...taps].map(once);
  return {
    name,
    model: tfl.model({ inputs: model.inputs, outputs, name: `${model.name}_tapped` }),
    headCount: heads.length,
    tapCount: taps.length,
    embeddingDim: embedding.shape[1]!,
  };
};

/** Whether a value is already a {@link TappedNetwork}. */
export const isTappedNetwork = (x: TappedNetwork | NetworkWithTaps): x is TappedNetwork => 'headCount' in x && 'tapCount' in x;
