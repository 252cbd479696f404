import * as t from 'io-ts';
import { canvasBoxes, type DetectionSet } from '../../data/detectionCanvas.ts';
import type { GroundTruth } from './matching.ts';

/** The label of a detection canvas: its objects, each a box [x1, y1, x2, y2] in canvas pixels and a class. */
export type DetectionLabel = ReadonlyArray<GroundTruth>;

const describe = (u: unknown): string => {
  const s = JSON.stringify(u);
  return s === undefined ? String(u) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** Why `u` is not a detection label, or undefined when it is one. */
const problemOf = (u: unknown, side: number, classes: number): string | undefined => {
  if (!Array.isArray(u)) return `expected an array of {box: [x1, y1, x2, y2], class}, got ${describe(u)}`;
  if (u.length === 0) return 'expected at least one object, got []';
  for (let k = 0; k < u.length; k++) {
    const o: unknown = u[k];
    if (typeof o !== 'object' || o === null) return `object ${k}: expected {box, class}, got ${describe(o)}`;
    const { box, class: c } = o as { box?: unknown; class?: unknown };
    if (!Array.isArray(box) || box.length !== 4) return `object ${k}: box must be [x1, y1, x2, y2], got ${describe(box)}`;
    for (let i = 0; i < 4; i++) {
      const v: unknown = box[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) return `object ${k}: box[${i}] must be a finite number, got ${describe(v)}`;
      if (v < 0 || v > side) return `object ${k}: box[${i}] = ${v} is outside the canvas [0, ${side}]`;
    }
    if (!(box[0] < box[2] && box[1] < box[3])) return `object ${k}: box ${describe(box)} needs x1 < x2 and y1 < y2`;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= classes) {
      return `object ${k}: class must be an integer in [0, ${classes}), got ${describe(c)}`;
    }
  }
  return undefined;
};

/**
 * The io-ts codec of a detection label: a non-empty array of `{ box: [x1, y1, x2, y2], class }`,
 * each box inside the `side`-pixel canvas with x1 < x2 and y1 < y2, each class an integer in
 * [0, classes). A failure's message names the object and the field.
 *
 * Use it at the edge where an oracle's answer comes in (the learner's `labelCodec`).
 *
 * @param side - canvas side in pixels
 * @param classes - number of object classes
 * @returns the codec
 * @example detectionLabelCodec(64, 10).decode([{ box: [3, 4, 20, 30], class: 7 }]) // Right
 */
export const detectionLabelCodec = (side: number, classes: number): t.Type<DetectionLabel, unknown, unknown> =>
  new t.Type<DetectionLabel, unknown, unknown>(
    `DetectionLabel<boxes in [0, ${side}], classes < ${classes}>`,
    (u): u is DetectionLabel => problemOf(u, side, classes) === undefined,
    (u, c) => {
      const problem = problemOf(u, side, classes);
      return problem === undefined
        ? t.success((u as Array<{ box: [number, number, number, number]; class: number }>).map((o) => ({ box: [o.box[0], o.box[1], o.box[2], o.box[3]] as const, class: o.class })))
        : t.failure(u, c, problem);
    },
    t.identity,
  );

/**
 * The true objects of canvas `id` (the simulated oracle's answer).
 * @param set - the canvases
 * @param id - a canvas index
 * @returns its boxes and classes
 */
export const detectionLabelOf = (set: Pick<DetectionSet, 'boxStart' | 'boxes' | 'boxClasses'>, id: number): DetectionLabel => canvasBoxes(set, id);
