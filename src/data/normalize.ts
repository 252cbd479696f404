/**
 * From raw bytes to normalised float batches: per-channel mean/std of pixel/255 over a set, and
 * the NHWC Float32Array of a batch of ids, with or without random-crop/flip augmentation.
 *
 * Normalisation is `(pixel/255 − mean[c]) / std[c]`, computed through a 256-entry table per
 * channel, so a batch costs one table look-up per byte and no allocation when an output buffer
 * is passed in.
 */
import { inMemory, type Augmentation, type ImageSet, type ImageSource } from './imageSet.ts';

/** Per-channel mean and (population) standard deviation of pixel/255. */
export interface ChannelStats {
  readonly mean: ReadonlyArray<number>;
  readonly std: ReadonlyArray<number>;
}

/**
 * Computes the per-channel mean and population std of pixel/255 over interleaved pixels (HWC or
 * NHWC). Exact: it counts the 256 byte values of each channel, then sums the histogram.
 * Use it on the training split; apply the result to the test split too.
 * @param pixels interleaved bytes, channel fastest
 * @param channels number of channels (1 for grey, 3 for RGB)
 * @returns mean and std, one value per channel
 * @example channelStats(Uint8Array.of(0, 255), 1) // { mean: [0.5], std: [0.5] }
 */
export function channelStats(pixels: Uint8Array, channels: number): ChannelStats {
  const hist = new Float64Array(256 * channels);
  countBytes(hist, pixels, channels);
  return statsOfHistogram(hist, channels);
}

/**
 * Adds interleaved bytes to a per-channel histogram (`hist[c * 256 + value]`), so statistics
 * of a set read in pieces (a cache on disk) are exact: count every piece, then
 * {@link statsOfHistogram}.
 * @param hist 256 × channels counts, updated in place
 * @param pixels interleaved bytes, channel fastest
 * @param channels number of channels
 */
export function countBytes(hist: Float64Array, pixels: Uint8Array, channels: number): void {
  const n = pixels.length;
  if (channels === 1) {
    for (let i = 0; i < n; i++) hist[pixels[i]!]!++;
  } else {
    for (let i = 0; i < n; i += channels) {
      for (let c = 0; c < channels; c++) hist[c * 256 + pixels[i + c]!]!++;
    }
  }
}

/**
 * The per-channel mean and population std of pixel/255 from a histogram of byte values.
 * @param hist 256 × channels counts (see {@link countBytes})
 * @param channels number of channels
 * @returns mean and std, one value per channel (0 and 0 for a channel with no counts)
 */
export function statsOfHistogram(hist: Float64Array, channels: number): ChannelStats {
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let count = 0;
    let sum = 0;
    for (let v = 0; v < 256; v++) {
      count += hist[c * 256 + v]!;
      sum += hist[c * 256 + v]! * v;
    }
    const m = count > 0 ? sum / count / 255 : 0;
    let sq = 0;
    for (let v = 0; v < 256; v++) sq += hist[c * 256 + v]! * (v / 255 - m) ** 2;
    mean.push(m);
    std.push(count > 0 ? Math.sqrt(sq / count) : 0);
  }
  return { mean, std };
}

/**
 * The look-up table of the normalised value of each byte in each channel, at index
 * `byte * channels + channel`. A channel whose std is 0 (a constant channel) is divided by 1.
 * @param set the set whose mean/std apply
 * @returns 256 × channels floats
 */
export function normalizationTable(set: Pick<ImageSet, 'channels' | 'mean' | 'std'>): Float32Array {
  const { channels, mean, std } = set;
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    const s = std[c]! > 0 ? std[c]! : 1;
    for (let v = 0; v < 256; v++) table[v * channels + c] = (v / 255 - mean[c]!) / s;
  }
  return table;
}

/** The output buffer for n floats: `out` (a prefix view when longer) or a new array. */
function outputFor(out: Float32Array | undefined, n: number): Float32Array {
  if (out === undefined) return new Float32Array(n);
  if (out.length < n) throw new RangeError(`toBatch: output buffer holds ${out.length} floats, the batch needs ${n}`);
  return out.length === n ? out : out.subarray(0, n);
}

/**
 * Where item `id`'s bytes are: `[bytes, start]`. In memory, the set's own pixels; on disk,
 * the item read into `scratch` (reused for every item: read each before asking for the next).
 */
function itemBytes(set: ImageSource, per: number): (id: number) => readonly [Uint8Array, number] {
  if (inMemory(set)) {
    const { pixels } = set;
    return (id) => [pixels, id * per];
  }
  const scratch = new Uint8Array(per);
  return (id) => {
    set.reader.read(id, scratch, 0);
    return [scratch, 0];
  };
}

function checkId(id: number, count: number): void {
  if (!(id >= 0 && id < count && Number.isInteger(id))) {
    throw new RangeError(`toBatch: id ${id} is not an item of a set of ${count}`);
  }
}

/**
 * Builds the normalised NHWC float batch of the items `ids` of a set: use it to feed a model
 * (wrap the result in `tf.tensor4d(batch, [ids.length, h, w, c])`).
 * Pass the same `out` buffer on every call to avoid allocating per batch.
 * @param set the images, with the mean/std to apply
 * @param ids the item indices, in batch order
 * @param out optional reusable buffer of at least ids.length·h·w·c floats
 * @returns `out` (or a prefix of it), or a new array, holding the batch
 * @example toBatch(set, [3, 1]) // Float32Array of 2·h·w·c values, item 3 then item 1
 */
export function toBatch(set: ImageSource, ids: ArrayLike<number>, out?: Float32Array): Float32Array {
  const { height, width, channels, count } = set;
  const per = height * width * channels;
  const bytesOf = itemBytes(set, per);
  const batch = outputFor(out, ids.length * per);
  const table = normalizationTable(set);
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    checkId(id, count);
    const [pixels, src] = bytesOf(id);
    const dst = k * per;
    if (channels === 1) {
      for (let i = 0; i < per; i++) batch[dst + i] = table[pixels[src + i]!]!;
    } else {
      for (let i = 0; i < per; i += channels) {
        for (let c = 0; c < channels; c++) batch[dst + i + c] = table[pixels[src + i + c]! * channels + c]!;
      }
    }
  }
  return batch;
}

/**
 * Builds a normalised NHWC batch like {@link toBatch}, each image randomly shifted by
 * −padding..padding pixels in each direction with zero padding (the random crop of a padded
 * image) and, when `augmentation.flip` is set, mirrored left-right with probability 1/2.
 * Use it for training batches only. Per image it draws, in order: the row shift, the column
 * shift, and (only when flip is on) the flip, each as one call of `rng`; so a seeded `rng`
 * gives the same batch every time.
 * @param set the images, with the mean/std to apply
 * @param ids the item indices, in batch order
 * @param augmentation the padding and whether to flip (see `set.augmentation` for the suggested one)
 * @param rng uniform numbers in [0, 1)
 * @param out optional reusable buffer of at least ids.length·h·w·c floats
 * @returns the batch
 * @example toAugmentedBatch(set, ids, { padding: 4, flip: true }, rng, buffer)
 */
export function toAugmentedBatch(
  set: ImageSource,
  ids: ArrayLike<number>,
  augmentation: Augmentation,
  rng: () => number,
  out?: Float32Array,
): Float32Array {
  const { height, width, channels, count } = set;
  const { padding, flip } = augmentation;
  if (!(Number.isInteger(padding) && padding >= 0)) {
    throw new RangeError(`toAugmentedBatch: padding must be a non-negative integer, got ${padding}`);
  }
  const per = height * width * channels;
  const bytesOf = itemBytes(set, per);
  const row = width * channels;
  const batch = outputFor(out, ids.length * per);
  const table = normalizationTable(set);
  const span = 2 * padding + 1;
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    checkId(id, count);
    const dy = Math.floor(rng() * span) - padding;
    const dx = Math.floor(rng() * span) - padding;
    const mirrored = flip && rng() < 0.5;
    const [pixels, src] = bytesOf(id);
    let o = k * per;
    for (let y = 0; y < height; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= height) {
        // The whole row is padding: byte 0 of each channel.
        for (let i = 0; i < row; i += channels) {
          for (let c = 0; c < channels; c++) batch[o + i + c] = table[c]!;
        }
        o += row;
        continue;
      }
      const srcRow = src + sy * row;
      for (let x = 0; x < width; x++) {
        const sx = (mirrored ? width - 1 - x : x) + dx;
        if (sx < 0 || sx >= width) {
          for (let c = 0; c < channels; c++) batch[o + c] = table[c]!;
        } else {
          const p = srcRow + sx * channels;
          for (let c = 0; c < channels; c++) batch[o + c] = table[pixels[p + c]! * channels + c]!;
        }
        o += channels;
      }
    }
  }
  return batch;
}
