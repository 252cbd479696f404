/**
 * The k-center greedy of ll4al before its SIMD kernel, kept as the baseline that
 * `npm run bench -- --selection-baseline` times against `kCenterGreedy`: squared distances
 * summed directly over (x − c)² in double precision, one centre at a time over every row,
 * then a separate pass for the farthest row. Same picks as `kCenterGreedy` on data without
 * near-ties; labeled rows must be given (the bench always labels some).
 *
 * @param k - picks
 * @param x - rows × dim embeddings
 * @param dim - width
 * @param labeled - the initial centres
 * @returns picked rows in pick order
 */
export const directKCenterGreedy = (k: number, x: Float32Array, dim: number, labeled: ReadonlyArray<number>): number[] => {
  const rows = x.length / dim;
  const isCentre = new Uint8Array(rows);
  const nearest = new Float64Array(rows).fill(Infinity);
  const addCentre = (c: number): void => {
    isCentre[c] = 1;
    for (let r = 0; r < rows; r++) {
      if (isCentre[r]) continue;
      let sum = 0;
      for (let d = 0; d < dim; d++) {
        const diff = x[r * dim + d] - x[c * dim + d];
        sum += diff * diff;
      }
      if (sum < nearest[r]) nearest[r] = sum;
    }
  };
  for (const c of new Set(labeled)) addCentre(c);
  const picked: number[] = [];
  while (picked.length < Math.min(k, rows - new Set(labeled).size)) {
    let best = -1;
    for (let r = 0; r < rows; r++) if (!isCentre[r] && (best < 0 || nearest[r] > nearest[best])) best = r;
    picked.push(best);
    addCentre(best);
  }
  return picked;
};
