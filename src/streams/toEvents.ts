import { filter, type OperatorFunction } from 'rxjs';
import type { Step } from './cycleState.ts';
import type { AlEvent } from './events.ts';

/** Keeps the events of a run, dropping the states between stages. */
export const toEvents =
  <L>(): OperatorFunction<Step<L>, AlEvent<L>> =>
  (source) =>
    source.pipe(filter((step): step is AlEvent<L> => step.type !== 'state'));
