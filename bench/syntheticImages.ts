/**
 * Fills `out` with standard-normal-ish pixels from a seeded xorshift generator (sum of uniforms):
 * synthetic images for timing, cheap enough to stream a 200,000-image pool.
 *
 * @param out - the buffer to fill
 * @param seed - any integer; the same seed gives the same pixels
 * @returns `out`
 */
export const fillSyntheticPixels = (out: Float32Array, seed: number): Float32Array => {
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const a = s & 0xffff;
    const b = s >>> 16;
    out[i] = (a + b) / 65536 - 1;
  }
  return out;
};
