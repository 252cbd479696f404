import { concatMap, defer, type OperatorFunction } from 'rxjs';
import type { LabelJournal } from '../store/labelJournal.ts';
import type { AlEvent } from './events.ts';
import { withLabel, withoutLabel, type PoolState } from './poolState.ts';
import type { QueryEvent } from './queryOracle.ts';

/** An event of the merge, with the pool state after it. */
export interface Merged<L> {
  readonly event: AlEvent<L>;
  readonly state: PoolState<L>;
}

/** Where merged labels came from, for the journal. */
export interface MergeOptions {
  /** The oracle's name (simulated, file, callback, …). */
  readonly source: string;
  /** The clock of the journal's `time` (default: now). */
  readonly now?: () => Date;
}

/**
 * Merges answered queries into the labeled set: each label is appended to the journal (and
 * flushed to disk, when the journal is a file) BEFORE it enters the labeled set, so a label
 * the run has accepted is never lost; an id already labeled is rejected as a duplicate and
 * never journaled twice. A withdrawn answer (`labelWithdrawn`, a person's undo) is journaled
 * as a withdrawal and leaves the labeled set; the journal must then have `withdraw` (a journal
 * without it ends the stream with an error). Other query events pass through.
 *
 * Use it right after {@link queryOracle}. The state lives per subscription, starting at
 * `initial`; every output carries the state after it.
 *
 * ## Example
 * ```ts
 * of(selection).pipe(queryOracle(oracle, options), mergeLabels(journal, state, { source: 'simulated' }))
 *   .subscribe(({ event, state }) => console.log(event.type, state.labeled.size));
 * ```
 * @param journal where accepted labels are made durable
 * @param initial the pool state before the merge
 * @param options the source name and clock
 * @returns query events in, merged events with states out
 */
export const mergeLabels =
  <L>(journal: LabelJournal<L>, initial: PoolState<L>, options: MergeOptions): OperatorFunction<QueryEvent<L>, Merged<L>> =>
  (source) =>
    defer(() => {
      let state = initial;
      const now = options.now ?? (() => new Date());
      return source.pipe(
        concatMap((event): Iterable<Merged<L>> => {
          if (event.type === 'labelWithdrawn') {
            const { id, cycle } = event;
            if (!state.labeled.has(id)) return [];
            if (journal.withdraw === undefined) throw new Error(`the label journal cannot record the withdrawal of id ${id} (it has no withdraw)`);
            journal.withdraw({ id, cycle, source: options.source, time: now().toISOString() });
            state = withoutLabel(state, id);
            return [{ event: { type: 'labelWithdrawn', cycle, id, labeled: state.labeled.size }, state }];
          }
          if (event.type !== 'queryReturned') return [{ event, state }];
          const { id, label, cycle, attempt } = event;
          if (state.labeled.has(id)) {
            return [
              {
                event: { type: 'labelRejected', cycle, id, reason: `duplicate answer for id ${id}: already labeled`, answer: { id, label } },
                state,
              },
            ];
          }
          const returned: Merged<L> = { event: { type: 'queryReturned', cycle, id, attempt }, state };
          journal.append({ id, label, cycle, source: options.source, time: now().toISOString() });
          state = withLabel(state, id, label);
          return [returned, { event: { type: 'labelAccepted', cycle, id, label, labeled: state.labeled.size }, state }];
        }),
      );
    });

