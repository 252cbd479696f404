/** The part of jstat (no types of its own) that src/report/intervals.ts uses. */
declare module 'jstat' {
  export const jStat: {
    readonly studentt: { inv(p: number, dof: number): number };
  };
}
