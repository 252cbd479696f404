/**
 * Keypoints ↔ Gaussian heatmaps. A heatmap grid of `gridSize × gridSize` cells covers a
 * square canvas of `side` pixels; cell (row i, column j) is centred on pixel coordinates
 * ((j + 0.5)·stride, (i + 0.5)·stride), stride = side / gridSize. A keypoint at (x, y) pixels is
 * at (u, v) = (x / stride − 0.5, y / stride − 0.5) in cell units, and its heatmap is
 * exp(−((j − u)² + (i − v)²) / (2σ²)) with σ in cells (peak 1 on the keypoint).
 *
 * Decoding is argmax with sub-pixel refinement: along each axis a parabola is fitted to the log
 * of the peak cell and its two neighbours (exact for a sampled Gaussian); on the grid's border,
 * where one neighbour is missing, the known σ and the one neighbour give the offset (also exact).
 * Layout everywhere: NHWC, [count, gridSize, gridSize, keypoints].
 */
import { InputError } from '../../inputError.ts';

/** How heatmaps map onto the canvas. */
export interface HeatmapGeometry {
  /** Canvas side in pixels (48). */
  readonly side: number;
  /** Heatmap side in cells (12: a stride of 4 pixels). */
  readonly gridSize: number;
  /** Gaussian σ in cells (2 = 8 pixels at a stride of 4). */
  readonly sigma: number;
  /** Keypoints per item (5). */
  readonly keypoints: number;
}

/**
 * The geometry of the keypoints task: 48×48 canvases, 12×12 heatmaps (stride 4), σ = 2 cells
 * (8 pixels), 5 keypoints. σ = 2 was measured to train much faster than σ = 1 with SGD (PCK@0.5
 * 0.71 against 0.15 after 4 epochs on 300 labels at lr 1): a wider peak gives the heads more gradient.
 */
export const defaultHeatmapGeometry: HeatmapGeometry = { side: 48, gridSize: 12, sigma: 2, keypoints: 5 };

/**
 * Checks a geometry (positive side and grid, σ > 0, at least one keypoint).
 * @param g - the geometry
 * @returns the same geometry
 * @throws InputError naming the bad field
 */
export const checkHeatmapGeometry = (g: HeatmapGeometry): HeatmapGeometry => {
  if (!(Number.isFinite(g.side) && g.side > 0)) throw new InputError(`heatmap geometry: side must be > 0, got ${g.side}`);
  if (!(Number.isInteger(g.gridSize) && g.gridSize >= 2)) throw new InputError(`heatmap geometry: gridSize must be an integer ≥ 2, got ${g.gridSize}`);
  if (!(Number.isFinite(g.sigma) && g.sigma > 0)) throw new InputError(`heatmap geometry: sigma must be > 0, got ${g.sigma}`);
  if (!(Number.isInteger(g.keypoints) && g.keypoints >= 1)) throw new InputError(`heatmap geometry: keypoints must be a positive integer, got ${g.keypoints}`);
  return g;
};

/** Floats per item's heatmaps: gridSize² × keypoints. */
export const heatmapSize = (g: HeatmapGeometry): number => g.gridSize * g.gridSize * g.keypoints;

/**
 * Encodes keypoints as Gaussian heatmaps.
 *
 * Use it to build the training target of a batch (wrap the result in a tensor4d of shape
 * [count, gridSize, gridSize, keypoints]).
 *
 * @param g - the geometry
 * @param points - count × keypoints × (x, y) in canvas pixels; a NaN coordinate (a keypoint not labeled) gives that keypoint an all-zero map
 * @param out - optional reusable buffer of at least count × {@link heatmapSize} floats
 * @returns the heatmaps, NHWC
 * @example encodeHeatmaps(defaultHeatmapGeometry, Float32Array.of(0,0, 48,0, 48,48, 0,48, 24,24)) // 720 floats
 */
export const encodeHeatmaps = (g: HeatmapGeometry, points: ArrayLike<number>, out?: Float32Array): Float32Array => {
  const { gridSize: n, keypoints: k, side, sigma } = g;
  const count = Math.floor(points.length / (2 * k));
  const size = count * heatmapSize(g);
  const maps = out === undefined ? new Float32Array(size) : out.subarray(0, size);
  const stride = side / n;
  const inv = 1 / (2 * sigma * sigma);
  const gx = new Float64Array(n);
  const gy = new Float64Array(n);
  for (let item = 0; item < count; item++) {
    const base = item * n * n * k;
    for (let p = 0; p < k; p++) {
      const u = points[(item * k + p) * 2]! / stride - 0.5;
      const v = points[(item * k + p) * 2 + 1]! / stride - 0.5;
      if (!(Number.isFinite(u) && Number.isFinite(v))) {
        // A keypoint that is not labeled: its target is an empty map (no peak anywhere).
        for (let i = 0; i < n * n; i++) maps[base + i * k + p] = 0;
        continue;
      }
      for (let c = 0; c < n; c++) {
        gx[c] = Math.exp(-(c - u) * (c - u) * inv);
        gy[c] = Math.exp(-(c - v) * (c - v) * inv);
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) maps[base + (i * n + j) * k + p] = gy[i]! * gx[j]!;
      }
    }
  }
  return maps;
};

const FLOOR = 1e-12;
const logOf = (h: number): number => Math.log(Math.max(h, FLOOR));
const clampHalf = (x: number): number => (x < -0.5 ? -0.5 : x > 0.5 ? 0.5 : Number.isFinite(x) ? x : 0);

/**
 * Sub-cell offset of the peak along one axis, from the peak value and its neighbours
 * (undefined when a neighbour is off the grid), clamped to [−0.5, 0.5].
 */
const refine = (before: number | undefined, at: number, after: number | undefined, sigma: number): number => {
  if (!(at > FLOOR)) return 0;
  const b = logOf(at);
  if (before !== undefined && after !== undefined) {
    const a = logOf(before);
    const c = logOf(after);
    const curvature = a - 2 * b + c;
    return curvature < 0 ? clampHalf((0.5 * (a - c)) / curvature) : 0;
  }
  const s2 = sigma * sigma;
  if (after !== undefined) return clampHalf(0.5 - s2 * (b - logOf(after)));
  if (before !== undefined) return clampHalf(-0.5 + s2 * (b - logOf(before)));
  return 0;
};

/**
 * Decodes heatmaps to keypoints: per item and keypoint, the argmax cell (the first one on a
 * tie, row-major), refined along x and y (see the module comment), converted to pixels and
 * clamped to [0, side].
 *
 * Use it on a network's predicted heatmaps (any real values: a non-positive peak decodes to
 * its cell's centre).
 *
 * @param g - the geometry
 * @param maps - count × {@link heatmapSize} floats, NHWC
 * @returns count × keypoints × (x, y) in canvas pixels
 * @example decodeHeatmaps(g, encodeHeatmaps(g, pts)) // ≈ pts (to 0.01 px)
 */
export const decodeHeatmaps = (g: HeatmapGeometry, maps: ArrayLike<number>): Float32Array => {
  const { gridSize: n, keypoints: k, side, sigma } = g;
  const per = heatmapSize(g);
  const count = Math.floor(maps.length / per);
  const points = new Float32Array(count * k * 2);
  const stride = side / n;
  const at = (base: number, i: number, j: number, p: number): number => maps[base + (i * n + j) * k + p]!;
  for (let item = 0; item < count; item++) {
    const base = item * per;
    for (let p = 0; p < k; p++) {
      let best = -Infinity;
      let bi = 0;
      let bj = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const h = at(base, i, j, p);
          if (h > best) {
            best = h;
            bi = i;
            bj = j;
          }
        }
      }
      const dx = refine(bj > 0 ? at(base, bi, bj - 1, p) : undefined, best, bj < n - 1 ? at(base, bi, bj + 1, p) : undefined, sigma);
      const dy = refine(bi > 0 ? at(base, bi - 1, bj, p) : undefined, best, bi < n - 1 ? at(base, bi + 1, bj, p) : undefined, sigma);
      const x = (bj + dx + 0.5) * stride;
      const y = (bi + dy + 0.5) * stride;
      points[(item * k + p) * 2] = Math.min(side, Math.max(0, x));
      points[(item * k + p) * 2 + 1] = Math.min(side, Math.max(0, y));
    }
  }
  return points;
};
