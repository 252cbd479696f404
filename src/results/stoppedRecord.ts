/**
 * Why a run stopped before its last cycle (`--stop-when`, `--max-labels`): the `stopped`
 * event's fields, as results.json holds them — one codec, shared by the store and the reports.
 */
import * as t from 'io-ts';

/** The codec of results.json's `stopped`. */
export const StoppedRecord = t.type({ criterion: t.string, cycle: t.number, labeled: t.number, reason: t.string }, 'Stopped');
export type StoppedRecord = t.TypeOf<typeof StoppedRecord>;
