import type { CycleRow } from '../results/cycleRow.ts';
import type { Evaluation, EpochReport } from '../tasks/learner.ts';

/** The results row and its stage times: one codec in src/results (store and report share it). */
export type { CycleRow, StageSeconds } from '../results/cycleRow.ts';

/** Why an answer never reached the labeled set. */
export type RejectionReason = string;

/**
 * Everything a run reports, as a discriminated union on `type`. Cycle 0 is the initial
 * random set; cycles 1 … N train, evaluate and (but the last) query.
 */
export type AlEvent<L = unknown> =
  | { readonly type: 'runStarted'; readonly poolSize: number; readonly cycles: number; readonly labeled: number; readonly firstCycle: number }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'cycleStarted'; readonly cycle: number; readonly cycles: number; readonly labeled: number }
  | { readonly type: 'epochTrained'; readonly cycle: number; readonly report: EpochReport }
  | { readonly type: 'evaluated'; readonly cycle: number; readonly evaluation: Evaluation }
  | { readonly type: 'batchScored'; readonly cycle: number; readonly scored: number; readonly total: number }
  | { readonly type: 'selected'; readonly cycle: number; readonly ids: ReadonlyArray<number>; readonly reserve: number }
  | { readonly type: 'queryReturned'; readonly cycle: number; readonly id: number; readonly attempt: number }
  | {
      readonly type: 'queryFailed';
      readonly cycle: number;
      readonly id: number;
      readonly attempt: number;
      readonly reason: string;
      /** No more retries: the query goes back to the pool (and a reserve candidate is asked). */
      readonly final: boolean;
    }
  | { readonly type: 'labelAccepted'; readonly cycle: number; readonly id: number; readonly label: L; readonly labeled: number }
  /** An accepted label taken back by the oracle (a person's undo) while its round was open; journaled. */
  | { readonly type: 'labelWithdrawn'; readonly cycle: number; readonly id: number; readonly labeled: number }
  | {
      readonly type: 'labelRejected';
      readonly cycle: number;
      /** null when the answer has no usable id. */
      readonly id: number | null;
      readonly reason: RejectionReason;
      readonly answer: unknown;
    }
  | { readonly type: 'cycleFinished'; readonly cycle: number; readonly row: CycleRow }
  | {
      /** The run stops early (after this cycle's evaluation, without its query): `--stop-when` or `--max-labels`. */
      readonly type: 'stopped';
      readonly cycle: number;
      readonly labeled: number;
      readonly criterion: 'stable-predictions' | 'loss-plateau' | 'max-labels';
      /** One line for people. */
      readonly reason: string;
    }
  | { readonly type: 'runFinished'; readonly labeled: number; readonly rows: ReadonlyArray<CycleRow> };

/** The `type`s of {@link AlEvent}. */
export type AlEventType = AlEvent['type'];
