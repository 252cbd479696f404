import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../inputError.ts';

/** File names of a saved model, as tfjs's own file handler names them. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/**
 * Saves a tfjs-layers model to a directory as `model.json` + `weights.bin` (tfjs's layout),
 * through a small IO handler over node:fs (no tfjs-node needed).
 *
 * Use it to persist a learner; {@link loadModelWeights} reads it back.
 *
 * @param model - the model to save (topology and every weight, BN statistics included)
 * @param dir - the directory, created when missing
 */
export const saveModel = async (model: tfl.LayersModel, dir: string): Promise<void> => {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0));
      const json = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, WEIGHTS_BIN), new Uint8Array(weightData));
      await writeFile(join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
};

const readOrFail = async (path: string): Promise<Buffer> => {
  try {
    return await readFile(path);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
};

/**
 * Loads the model saved in a directory by {@link saveModel} (its layers must be registered,
 * e.g. by importing the loss-prediction module).
 *
 * @param dir - a directory holding model.json and weights.bin
 * @returns the loaded model (the caller disposes it)
 * @throws InputError naming the file when it is missing or malformed
 */
export const loadModel = async (dir: string): Promise<tfl.LayersModel> => {
  const jsonPath = join(dir, MODEL_JSON);
  const binPath = join(dir, WEIGHTS_BIN);
  let json: { modelTopology?: object; weightsManifest?: Array<{ weights: tf.io.WeightsManifestEntry[] }> };
  try {
    json = JSON.parse((await readOrFail(jsonPath)).toString('utf8'));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${jsonPath}: not valid JSON (${(e as Error).message})`);
  }
  if (json.modelTopology == null || !Array.isArray(json.weightsManifest)) {
    throw new InputError(`${jsonPath}: not a tfjs layers model (modelTopology or weightsManifest missing)`);
  }
  const bin = await readOrFail(binPath);
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
};

/**
 * Saves a model to a directory ({@link saveModel}) or through any tfjs IO handler
 * (`tf.io.withSaveHandler`, a browser's `indexeddb://`, …).
 * @param model - the model
 * @param to - a directory or an IO handler
 */
export const saveModelTo = async (model: tfl.LayersModel, to: string | tf.io.IOHandler): Promise<void> => {
  if (typeof to === 'string') await saveModel(model, to);
  else await model.save(to);
};

/**
 * Loads saved weights into an existing model of the same architecture, in place.
 *
 * Use it to restore a learner without rebuilding it: its variables keep their identity.
 *
 * @param model - the model to fill
 * @param from - a directory written by {@link saveModel}, or a tfjs IO handler, for a model of the same architecture
 * @throws InputError when the saved weights do not match the model's (count or shapes)
 */
export const loadModelWeights = async (model: tfl.LayersModel, from: string | tf.io.IOHandler): Promise<void> => {
  const loaded = typeof from === 'string' ? await loadModel(from) : await tfl.loadLayersModel(from);
  const where = typeof from === 'string' ? join(from, MODEL_JSON) : 'the IO handler';
  try {
    const source = loaded.weights;
    const target = model.weights;
    const describe = (ws: typeof source) => ws.map((w) => `[${w.shape.join(',')}]`).join(' ');
    if (source.length !== target.length || source.some((w, i) => w.shape.join(',') !== target[i].shape.join(','))) {
      throw new InputError(
        `${where}: saved weights do not fit this model (saved ${source.length}: ${describe(source).slice(0, 120)}…, expected ${target.length})`,
      );
    }
    model.setWeights(loaded.getWeights());
  } finally {
    loaded.dispose();
  }
};
