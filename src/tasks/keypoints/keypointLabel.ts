import * as t from 'io-ts';
import { KEYPOINTS_PER_ITEM, keypointCountOf, type KeypointParts } from '../../data/keypointCanvas.ts';

/**
 * The label of a keypoints item: K points [x, y] in input pixels (canvases: 5, the box corners
 * clockwise from top-left, then the centre); `null` for a keypoint that is not labeled (it is not
 * visible or not known: COCO's visibility 0), where a codec allows it.
 */
export type Keypoints = ReadonlyArray<readonly [number, number] | null>;

const describe = (u: unknown): string => {
  const s = JSON.stringify(u);
  return s === undefined ? String(u) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** Why `u` is not a keypoints label of a `side`-pixel canvas, or undefined when it is one. */
const problemOf = (u: unknown, side: number, count: number, absent: boolean): string | undefined => {
  if (!Array.isArray(u)) return `expected an array of ${count} [x, y] points, got ${describe(u)}`;
  if (u.length !== count) return `expected ${count} [x, y] points, got ${u.length}`;
  if (absent && u.every((point) => point === null)) return 'expected at least one labeled point, got none';
  for (let p = 0; p < count; p++) {
    const point: unknown = u[p];
    if (absent && point === null) continue;
    if (!Array.isArray(point) || point.length !== 2) return `point ${p}: expected [x, y], got ${describe(point)}`;
    for (const [axis, v] of [['x', point[0]], ['y', point[1]]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `point ${p}: ${axis} must be a finite number, got ${describe(v)}`;
      if (v < 0 || v > side) return `point ${p}: ${axis} = ${v} is outside the canvas [0, ${side}]`;
    }
  }
  return undefined;
};

/**
 * The io-ts codec of a keypoints label: exactly `count` points [x, y], each coordinate a
 * finite number in [0, side]. A failure's message names the point and the coordinate.
 *
 * Use it at the edge where an oracle's answer comes in (the learner's `labelCodec`).
 *
 * @param side - canvas side in pixels
 * @param count - points per label (default 5)
 * @param absent - whether a point may be `null` (not labeled; at least one must be labeled)
 * @returns the codec
 * @example keypointsCodec(48).decode([[1, 2], [40, 2], [40, 30], [1, 30], [20.5, 16]]) // Right
 */
export const keypointsCodec = (side: number, count = KEYPOINTS_PER_ITEM, absent = false): t.Type<Keypoints, unknown, unknown> =>
  new t.Type<Keypoints, unknown, unknown>(
    `Keypoints<${count} in [0, ${side}]${absent ? ' or null' : ''}>`,
    (u): u is Keypoints => problemOf(u, side, count, absent) === undefined,
    (u, c) => {
      const problem = problemOf(u, side, count, absent);
      return problem === undefined
        ? t.success((u as Array<[number, number] | null>).map((point) => (point === null ? null : ([point[0], point[1]] as const))))
        : t.failure(u, c, problem);
    },
    t.identity,
  );

/**
 * The true keypoints of item `id` (the simulated oracle's answer).
 * @param set - the canvases (or images with keypoints)
 * @param id - an item index
 * @returns its K points, `null` where a point is not labeled
 */
export const keypointsOf = (set: Pick<KeypointParts, 'keypoints' | 'keypointCount'>, id: number): Keypoints => {
  const k = keypointCountOf(set);
  const o = id * k * 2;
  return Array.from({ length: k }, (_, p) => {
    const x = set.keypoints[o + 2 * p]!;
    const y = set.keypoints[o + 2 * p + 1]!;
    return Number.isFinite(x) && Number.isFinite(y) ? ([x, y] as const) : null;
  });
};
