export { CycleRow, NumberOrNaN, StageSeconds } from './cycleRow.ts';
export { fieldPath } from './fieldPath.ts';
