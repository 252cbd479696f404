import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/inputError.ts';
import { pck, pckLength, PCK_LENGTH_OF_DIAGONAL } from '../../src/tasks/keypoints/pck.ts';

describe('PCK', () => {
  it('counts a keypoint within α × length, boundary included', () => {
    // one keypoint per item; lengths 10 → threshold 5 at α = 0.5
    const truth = [0, 0, 10, 10, 20, 20];
    const predicted = [3, 4, 10, 15.01, 20, 20];
    // 5 px (correct, on the boundary), 5.01 px (wrong), 0 px (correct)
    expect(pck(predicted, truth, [10, 10, 10], 0.5, 1)).toBeCloseTo(2 / 3, 12);
    expect(pck(predicted, truth, [10, 10, 10], 1, 1)).toBe(1);
    expect(pck(predicted, truth, [9, 10, 10], 0.5, 1)).toBeCloseTo(1 / 3, 12);
  });

  it('scores 5-keypoint items per keypoint, with a quarter of the box diagonal as length', () => {
    // box (4, 6)–(34, 46): diagonal 50, length 12.5, threshold 6.25 px at PCK@0.5
    const keypoints = Float32Array.of(4, 6, 34, 6, 34, 46, 4, 46, 19, 26);
    expect(PCK_LENGTH_OF_DIAGONAL).toBe(0.25);
    expect(pckLength({ keypoints }, 0)).toBeCloseTo(12.5, 6);
    const predicted = Float32Array.from(keypoints);
    predicted[0] += 6; // 6 px: correct
    predicted[3] += 6.3; // 6.3 px: wrong
    predicted[8] -= 25; // the centre 25 px off: wrong
    // kp 0 and the untouched kp 2 and kp 3 are correct
    expect(pck(predicted, keypoints, [pckLength({ keypoints }, 0)])).toBeCloseTo(3 / 5, 12);
    // guessing the centre for every keypoint: only the centre itself is correct
    const centre = Float32Array.of(19, 26, 19, 26, 19, 26, 19, 26, 19, 26);
    expect(pck(centre, keypoints, [12.5])).toBeCloseTo(1 / 5, 12);
  });

  it('is NaN for no item and an InputError for mismatched sizes', () => {
    expect(pck([], [], [])).toBeNaN();
    expect(() => pck([1, 2], [1, 2, 3, 4], [1], 0.5, 1)).toThrow(InputError);
  });
});
