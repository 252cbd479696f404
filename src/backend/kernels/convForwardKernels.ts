import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, type ConvGeometry, type ConvPad } from '../convGeometry.ts';
import { convForwardRelaxedWasmBase64 } from './convForwardRelaxedWasm.ts';
import { convForwardWasmBase64 } from './convForwardWasm.ts';
import { loadedKernelVariants, type KernelVariant } from './kernelVariant.ts';
import { computeInto, isWasmBackend, nativeModule, offsetOf, type WasmBackendInternals } from './nativeModule.ts';

/**
 * The forward convolution of `convForward.c` (WebAssembly SIMD), run in place on the tensors
 * of a tfjs-backend-wasm instance (see `nativeModule.ts`), for `Conv2D` and `FusedConv2D`
 * where {@link usesNativeForward} says so; the stock kernel (XNNPACK) runs everywhere else.
 */

/** The C functions (pointers in bytes, sizes in floats, as documented in convForward.c). */
interface ConvForwardExports {
  forward_scratch(...geometry: number[]): number;
  conv2d_forward(x: number, w: number, bias: number, y: number, scratch: number, ...geometryAndRelu: number[]): void;
}

// A candidate's score must not depend on the size of the batch it was scored in (local scoring,
// scoring threads and scoring workers cut the candidates differently and must rank the same).
// The C kernel computes each output pixel in one fixed order whatever the batch, and the plain
// build gives XNNPACK's results bit for bit; the relaxed build (fused multiply-adds) does not,
// so while it is loaded the C kernel computes every call, small ones too (usesNativeForward).
const kernelsFor = nativeModule<ConvForwardExports>(convForwardWasmBase64, { name: 'convForward', relaxed: convForwardRelaxedWasmBase64 });

/** How many convolutions the C kernel computed, for tests and benchmarks. */
export const convForwardCalls = { count: 0 };

/** Sets the call counter to 0. */
export const resetConvForwardCalls = (): void => {
  convForwardCalls.count = 0;
};

/**
 * Output pixels per call (batch · outHeight · outWidth) from which the C kernel is used.
 *
 * It packs the filter into 8-channel panels on every call (K·CO floats moved; XNNPACK keeps
 * its packed filter while the filter tensor is unchanged), so its cost over XNNPACK's is
 * about a fixed number of multiply-adds per filter weight, paid once per call, while the
 * convolution does N·OH·OW multiply-adds per weight. bench/convForward.ts (2-core x86, V8):
 * the C kernel was 1.0–1.5× XNNPACK's speed on every task shape (small CNN at batch 128/256,
 * ResNet-18 at 32, hourglass and SSD at 32: 64 to 100 k pixels per call), on 1–4 output
 * channels, 1×1 and 5×5 filters; it lost only with few pixels: 16 (batch 1, 4×4 or 7×7→4×4
 * outputs: 0.5–0.7×) and 64 (0.84–1.0×); from 196 pixels on it was ahead (1.09× at 196 and 256).
 */
export const nativeForwardMinPixels = 256;

/**
 * Whether the plain build would rather leave a convolution of this geometry to XNNPACK: when
 * the output has fewer than {@link nativeForwardMinPixels} pixels (it computes any geometry; see
 * there for the measurements behind the rule).
 */
export const prefersNativeForward = (g: ConvGeometry): boolean => g.batch * g.outHeight * g.outWidth >= nativeForwardMinPixels;

/**
 * Whether the C kernel computes a convolution of this geometry with this build: always with
 * the relaxed build (its rounding differs from XNNPACK's, so every call must be its own for a
 * score not to depend on the batch), by {@link prefersNativeForward} with the plain one.
 */
export const usesNativeForward = (g: ConvGeometry, variant: KernelVariant | undefined): boolean => variant === 'relaxed-simd' || prefersNativeForward(g);

/** Attributes of `Conv2D` and `FusedConv2D` that the C kernel reads. */
interface ForwardAttrs {
  readonly strides: number | [number, number];
  readonly pad: ConvPad;
  readonly dataFormat?: string;
  readonly dilations?: number | [number, number];
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly activation?: string;
}

/**
 * y = act(conv(x, filter) + bias) by `conv2d_forward`, or undefined when the C kernel does
 * not compute this case (another backend, no module, NCHW, dilation, non-float32, an
 * activation other than 'linear'/'relu', a bias that is not one value per output channel,
 * an empty tensor) or {@link usesNativeForward} leaves it to XNNPACK.
 *
 * @param backend - The kernel's backend.
 * @param x - NHWC input [batch, height, width, inChannels].
 * @param filter - [filterHeight, filterWidth, inChannels, outChannels].
 * @param bias - Optional bias, outChannels values.
 * @param attrs - The kernel's attributes.
 * @param force - Skip the shape rule (benchmarks and tests).
 */
export const nativeConvForward = (
  backend: unknown,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  attrs: ForwardAttrs,
  force = false,
): tf.TensorInfo | undefined => {
  if (!isWasmBackend(backend)) return undefined;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return undefined;
  const activation = attrs.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') return undefined;
  if (x.shape.length !== 4 || filter.shape.length !== 4) return undefined;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || (bias !== undefined && bias.dtype !== 'float32')) return undefined;
  const g = convGeometry(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  if (g.dilationHeight !== 1 || g.dilationWidth !== 1) return undefined;
  // a bias of one value per output channel, along the last axis (anything else broadcasts otherwise)
  if (bias !== undefined && (tf.util.sizeFromShape(bias.shape) !== g.outChannels || bias.shape[bias.shape.length - 1] !== g.outChannels)) return undefined;
  if ([g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels].some((v) => v <= 0)) return undefined;
  const k = kernelsFor(backend);
  if (k === null) return undefined;
  if (!force && !usesNativeForward(g, loadedKernelVariants['convForward'])) return undefined;
  const geometry = [
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft,
  ];
  const scratchFloats = k.forward_scratch(...geometry) >>> 0;
  const [out] = computeInto(backend as WasmBackendInternals, [[g.batch, g.outHeight, g.outWidth, g.outChannels]], scratchFloats, ([y], scratch) =>
    k.conv2d_forward(
      offsetOf(backend, x), offsetOf(backend, filter), bias === undefined ? 0 : offsetOf(backend, bias), offsetOf(backend, y), scratch,
      ...geometry, activation === 'relu' ? 1 : 0,
    ),
  );
  convForwardCalls.count++;
  return out;
};

/**
 * Wraps wasm's `Conv2D` (`fused` false) or `FusedConv2D` (`fused` true) so that the C kernel
 * computes the convolutions it is used for; the rest (and anything it does not compute, e.g.
 * PReLU or leaky ReLU activations) go to `stock`.
 */
export const nativeForwardKernel = (stock: tf.KernelFunc, fused: boolean): tf.KernelFunc => {
  stockForwardKernels[fused ? 'FusedConv2D' : 'Conv2D'] = stock;
  return (args) => {
    const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const x = inputs['x'];
    const filter = inputs['filter'];
    if (x === undefined || filter === undefined) return stock(args);
    if (fused && inputs['preluActivationWeights'] !== undefined) return stock(args);
    const attrs = args.attrs as unknown as ForwardAttrs;
    const out = nativeConvForward(args.backend, x, filter, fused ? inputs['bias'] : undefined, fused ? attrs : { ...attrs, activation: 'linear' });
    return out ?? stock(args);
  };
};

/**
 * The kernels {@link nativeForwardKernel} wrapped (tfjs-wasm's XNNPACK kernels, 'same' made
 * explicit), kept for bench/convForward.ts to compare against.
 */
export const stockForwardKernels: { Conv2D?: tf.KernelFunc; FusedConv2D?: tf.KernelFunc } = {};
