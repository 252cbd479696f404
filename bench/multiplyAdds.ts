/**
 * Multiply-adds per image of a tfjs-layers model's forward pass (convolutions of every kind and
 * dense layers; the element-wise layers are left out: they are a few percent at most), so a
 * benchmark can print GMAC/s beside img/s. A training step is counted as 3× the forward pass
 * (forward, input gradient, filter gradient), the usual convention.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';

type Shape = ReadonlyArray<number | null>;

const firstShape = (shape: Shape | Shape[] | undefined): Shape => (shape === undefined || shape.length === 0 ? [] : Array.isArray(shape[0]) ? (shape as Shape[])[0] : (shape as Shape));
const size = (shape: Shape, from: number): number => shape.slice(from).reduce<number>((n, d) => n * (d ?? 1), 1);

/** Forward multiply-adds for one image through `model` (nested models counted through). */
export const forwardMacs = (model: LayersModel): number => {
  let macs = 0;
  for (const layer of model.layers) {
    const config = layer.getConfig() as { kernelSize?: number[] | number; filters?: number; units?: number; depthMultiplier?: number; groups?: number };
    const cls = layer.getClassName();
    if ('layers' in layer && Array.isArray((layer as unknown as LayersModel).layers)) {
      macs += forwardMacs(layer as unknown as LayersModel);
      continue;
    }
    if (cls === 'InputLayer') continue;
    // A functional model's layers know their shapes through their symbolic input/output tensors.
    const symbolic = layer.input as { shape: Shape } | Array<{ shape: Shape }>;
    const input = Array.isArray(symbolic) ? (symbolic[0]?.shape ?? []) : symbolic.shape;
    const output = firstShape(layer.outputShape as Shape | Shape[]);
    const kernel = Array.isArray(config.kernelSize) ? config.kernelSize.reduce((a, b) => a * b, 1) : (config.kernelSize ?? 1);
    const cin = input[input.length - 1] ?? 1;
    if (cls === 'Conv2D' || cls === 'Conv1D' || cls === 'Conv3D') macs += size(output, 1) * kernel * (cin / (config.groups ?? 1));
    else if (cls === 'Conv2DTranspose') macs += size(input, 1) * kernel * (output[output.length - 1] ?? 1);
    else if (cls === 'DepthwiseConv2D') macs += size(output, 1) * kernel;
    else if (cls === 'SeparableConv2D') macs += size(output, 1) / (output[output.length - 1] ?? 1) * cin * (config.depthMultiplier ?? 1) * (kernel + (output[output.length - 1] ?? 1));
    else if (cls === 'Dense') macs += size(input, 1) * (config.units ?? 0);
    // Layers of its own with dense kernels inside (the loss-prediction module): one MAC a weight.
    else if (cls === 'LossPredictionModule') macs += layer.getWeights().filter((w) => w.rank === 2).reduce((n, w) => n + w.size, 0);
  }
  return macs;
};

/** GMAC/s per core for `imgPerSec` images a second of `macsPerImage` each on `cores` threads. */
export const gmacPerCore = (imgPerSec: number, macsPerImage: number, cores: number): number => (imgPerSec * macsPerImage) / cores / 1e9;
