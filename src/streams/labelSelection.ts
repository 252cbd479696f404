import { concat, defer, map, of, tap } from 'rxjs';
import type { Oracle } from '../oracles/oracle.ts';
import type { LabelJournal } from '../store/labelJournal.ts';
import type { Learner } from '../tasks/learner.ts';
import { stateStep, type Stage, type Step } from './cycleState.ts';
import { onState } from './onState.ts';
import { mergeLabels } from './mergeLabels.ts';
import { queryOracle, type QueryOracleOptions } from './queryOracle.ts';
import { timeStage } from './timeStage.ts';

/** How a selection is asked and merged. */
export interface LabelOptions<L> {
  /** Decodes the oracle's answers (the learner's labelCodec). */
  readonly labelCodec: Learner<L>['labelCodec'];
  /** The journal's `source` of each label (default 'oracle'). */
  readonly source?: string;
  /** Timeouts, retries and backoff of the oracle. */
  readonly query?: Pick<QueryOracleOptions<L>, 'timeoutMs' | 'maxAttempts' | 'backoffMs' | 'maxBackoffMs' | 'scheduler'>;
}

/**
 * Asks the oracle for the state's selection and merges the answers: emits `selected`, then the
 * query events (returned, failed, rejected, accepted), each accepted label journaled before it
 * enters the pool; the next state has the new pool, the cycle's tally, and no selection. Timed
 * as `oracle`, less the journal's writes (timed as `merge`). A state without a selection passes.
 *
 * ## Example
 * ```ts
 * of(startCycle(1, pool)).pipe(selectQueries(learner, strategy, options), labelSelection(oracle, journal, { labelCodec: learner.labelCodec }));
 * ```
 * @param oracle who answers
 * @param journal where accepted labels are made durable first
 * @param options the label codec, journal source, query timing
 * @returns the stage
 */
export const labelSelection = <L>(oracle: Oracle, journal: LabelJournal<L>, options: LabelOptions<L>): Stage<L> =>
  timeStage(
    'oracle',
    onState((state) =>
      defer(() => {
        const { selection, cycle } = state;
        if (selection === undefined) return of(stateStep(state));
        let pool = state.pool;
        let merge = 0;
        const tally = { ...state.tally };
        const timedJournal: LabelJournal<L> = {
          append: (entry) => {
            const start = performance.now();
            journal.append(entry);
            merge += (performance.now() - start) / 1000;
          },
          ...(journal.withdraw === undefined
            ? {}
            : {
                withdraw: (entry) => {
                  const start = performance.now();
                  journal.withdraw!(entry);
                  merge += (performance.now() - start) / 1000;
                },
              }),
        };
        const { selection: _asked, ...rest } = state;
        return concat(
          of<Step<L>>({ type: 'selected', cycle, ids: Array.from(selection.picks), reserve: selection.reserve.length }),
          of(selection).pipe(
            queryOracle(oracle, { ...options.query, labelCodec: options.labelCodec, poolSize: pool.poolSize, cycle }),
            mergeLabels(timedJournal, pool, { source: options.source ?? 'oracle' }),
            tap(({ state: next, event }) => {
              pool = next;
              if (event.type === 'labelAccepted') tally.answered++;
              if (event.type === 'labelWithdrawn') tally.answered--;
              if (event.type === 'queryFailed') tally.failed++;
              if (event.type === 'labelRejected') tally.rejected++;
            }),
            map(({ event }): Step<L> => event),
          ),
          defer(() => of(stateStep({ ...rest, pool, tally, stageSeconds: { ...state.stageSeconds, merge: state.stageSeconds.merge + merge } }))),
        );
      }),
    ),
  );
