export { CycleRow, NumberOrNaN, StageSeconds } from './cycleRow.ts';
