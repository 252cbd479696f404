import * as t from 'io-ts';
import { KEYPOINTS_PER_ITEM, type KeypointSet } from '../../data/keypointCanvas.ts';

/** The label of a keypoints item: 5 points [x, y] in canvas pixels (box corners clockwise from top-left, centre). */
export type Keypoints = ReadonlyArray<readonly [number, number]>;

const describe = (u: unknown): string => {
  const s = JSON.stringify(u);
  return s === undefined ? String(u) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** Why `u` is not a keypoints label of a `side`-pixel canvas, or undefined when it is one. */
const problemOf = (u: unknown, side: number, count: number): string | undefined => {
  if (!Array.isArray(u)) return `expected an array of ${count} [x, y] points, got ${describe(u)}`;
  if (u.length !== count) return `expected ${count} [x, y] points, got ${u.length}`;
  for (let p = 0; p < count; p++) {
    const point: unknown = u[p];
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
 * @returns the codec
 * @example keypointsCodec(48).decode([[1, 2], [40, 2], [40, 30], [1, 30], [20.5, 16]]) // Right
 */
export const keypointsCodec = (side: number, count = KEYPOINTS_PER_ITEM): t.Type<Keypoints, unknown, unknown> =>
  new t.Type<Keypoints, unknown, unknown>(
    `Keypoints<${count} in [0, ${side}]>`,
    (u): u is Keypoints => problemOf(u, side, count) === undefined,
    (u, c) => {
      const problem = problemOf(u, side, count);
      return problem === undefined ? t.success((u as Array<[number, number]>).map(([x, y]) => [x, y] as const)) : t.failure(u, c, problem);
    },
    t.identity,
  );

/**
 * The true keypoints of canvas `id` (the simulated oracle's answer).
 * @param set - the canvases
 * @param id - a canvas index
 * @returns its 5 points
 */
export const keypointsOf = (set: Pick<KeypointSet, 'keypoints'>, id: number): Keypoints => {
  const o = id * KEYPOINTS_PER_ITEM * 2;
  return Array.from({ length: KEYPOINTS_PER_ITEM }, (_, p) => [set.keypoints[o + 2 * p]!, set.keypoints[o + 2 * p + 1]!] as const);
};
