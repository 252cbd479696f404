import { concat, EMPTY, expand, of, type Observable } from 'rxjs';
import { startCycle, type Stage, type Step } from './cycleState.ts';
import type { PoolState } from './poolState.ts';

/** Which cycles to run. */
export interface CycleRange<L> {
  /** The first cycle (default: the one after the incoming state's). */
  readonly first?: number;
  /** The last cycle. */
  readonly last: number;
  /** The labels cycle c trains on (default: the whole pool at its start). */
  readonly training?: (cycle: number, pool: PoolState<L>) => PoolState<L>;
}

/**
 * Runs cycles one after the other over the pool state: each time a state leaves the stages
 * (the initial set, or a finished cycle), the next cycle starts from its pool (`expand`),
 * announced by `cycleStarted`, through the stages of that cycle.
 *
 * ## Example
 * ```ts
 * of(startCycle(0, createPoolState(poolSize))).pipe(
 *   drawInitial({ initial: 200, seed }), labelSelection(oracle, journal, { labelCodec }),
 *   repeatCycles({ last: 3 }, (cycle) => pipe(trainAndEvaluate(learner, { epochs, seed }),
 *     cycle < 3 ? pipe(selectQueries(learner, 'learning-loss', { budget: 200, subset: 2000, seed }), labelSelection(oracle, journal, { labelCodec })) : (s) => s,
 *     finishCycle())),
 *   toEvents());
 * ```
 * @param range the first and last cycle, and what each trains on
 * @param cycle the stages of cycle c
 * @returns steps in (ending with a state), every cycle's steps out
 */
export const repeatCycles =
  <L>(range: CycleRange<L>, cycle: (c: number) => Stage<L>): Stage<L> =>
  (source) =>
    source.pipe(
      expand(
        (step): Observable<Step<L>> => {
          if (step.type !== 'state') return EMPTY;
          const { state } = step;
          const next = range.first !== undefined && state.cycle < range.first ? range.first : state.cycle + 1;
          if (next > range.last) return EMPTY;
          const start = startCycle(next, state.pool, range.training?.(next, state.pool) ?? state.pool);
          return concat(
            of<Step<L>>({ type: 'cycleStarted', cycle: next, cycles: range.last, labeled: start.state.training.labeled.size }),
            of<Step<L>>(start).pipe(cycle(next)),
          );
        },
        // Unbounded: every step is emitted as it comes (a bound would hold a cycle's events back
        // until it completes). Only a cycle's last step, its state, starts the next cycle.
      ),
    );
