import { InputError } from '../../inputError.ts';

/**
 * Default boxes ("anchors") of a single-shot detector: on each source feature map of
 * size×size cells over a side×side canvas, one box per aspect ratio (plus one extra square box
 * of scale √(s·s_next), as in SSD) centred on every cell.
 */

/** One source feature map: its cells per side and its box scale (a fraction of the canvas side). */
export interface SourceMap {
  readonly size: number;
  readonly scale: number;
}

/** Where the default boxes lie. */
export interface AnchorGeometry {
  /** Canvas side in pixels. */
  readonly side: number;
  /** The source feature maps, finest first; the extra square of the last uses scale √(s·1). */
  readonly maps: ReadonlyArray<SourceMap>;
  /** Width/height ratios of the boxes at each cell (1 first), plus the extra square. */
  readonly aspectRatios: ReadonlyArray<number>;
}

/**
 * The default geometry of the 64×64 task: maps of 8×8, 4×4 and 2×2 cells (strides 8, 16, 32)
 * with boxes of 0.22, 0.4 and 0.65 of the side (14, 26 and 42 pixels) at aspect ratios 1, 2
 * and 1/2, plus the extra square: 4 boxes per cell, 336 in all.
 */
export const defaultAnchorGeometry: AnchorGeometry = {
  side: 64,
  maps: [
    { size: 8, scale: 0.22 },
    { size: 4, scale: 0.4 },
    { size: 2, scale: 0.65 },
  ],
  aspectRatios: [1, 2, 0.5],
};

/** Boxes per cell: one per aspect ratio, plus the extra square. */
export const anchorsPerCell = (geometry: AnchorGeometry): number => geometry.aspectRatios.length + 1;

/** Total anchors of a geometry. */
export const anchorCount = (geometry: AnchorGeometry): number =>
  geometry.maps.reduce((n, m) => n + m.size * m.size, 0) * anchorsPerCell(geometry);

/**
 * Checks a geometry: a positive side, at least one map of positive integer size with a scale in
 * (0, 1], and positive aspect ratios.
 * @param geometry - the geometry to check
 * @returns the geometry
 * @throws InputError naming the first bad field
 */
export const checkAnchorGeometry = (geometry: AnchorGeometry): AnchorGeometry => {
  if (!(Number.isInteger(geometry.side) && geometry.side > 0)) throw new InputError(`anchors: side must be a positive integer, got ${geometry.side}`);
  if (geometry.maps.length === 0) throw new InputError('anchors: maps must name at least one source feature map');
  geometry.maps.forEach((m, i) => {
    if (!(Number.isInteger(m.size) && m.size > 0)) throw new InputError(`anchors: maps[${i}].size must be a positive integer, got ${m.size}`);
    if (!(m.scale > 0 && m.scale <= 1)) throw new InputError(`anchors: maps[${i}].scale must lie in (0, 1], got ${m.scale}`);
  });
  if (geometry.aspectRatios.length === 0 || geometry.aspectRatios.some((r) => !(r > 0 && Number.isFinite(r)))) {
    throw new InputError(`anchors: aspectRatios must be positive numbers, got ${JSON.stringify(geometry.aspectRatios)}`);
  }
  return geometry;
};

/**
 * The default boxes in centre form [cx, cy, w, h] (pixels), in the order the detector's heads
 * emit them: map by map, then row, column, and box within the cell — the order of reshaping a
 * [size, size, perCell·k] head output to [size·size·perCell, k].
 *
 * Use it once per geometry; matching, encoding and decoding read it.
 *
 * @param geometry - the source maps, scales and aspect ratios
 * @returns 4 floats per anchor
 * @example makeAnchors(defaultAnchorGeometry).length / 4 // 336
 */
export const makeAnchors = (geometry: AnchorGeometry): Float32Array => {
  const { side, maps, aspectRatios } = checkAnchorGeometry(geometry);
  const out = new Float32Array(anchorCount(geometry) * 4);
  let o = 0;
  maps.forEach((map, i) => {
    const next = i + 1 < maps.length ? maps[i + 1]!.scale : 1;
    const extra = Math.sqrt(map.scale * next) * side;
    const base = map.scale * side;
    const cell = side / map.size;
    for (let y = 0; y < map.size; y++) {
      for (let x = 0; x < map.size; x++) {
        const cx = (x + 0.5) * cell;
        const cy = (y + 0.5) * cell;
        for (const ratio of aspectRatios) {
          out.set([cx, cy, base * Math.sqrt(ratio), base / Math.sqrt(ratio)], o);
          o += 4;
        }
        out.set([cx, cy, extra, extra], o);
        o += 4;
      }
    }
  });
  return out;
};
