import { of } from 'rxjs';
import { deriveSeed, sampleWithoutReplacement } from '../ops/random.ts';
import { stateStep, type Stage } from './cycleState.ts';
import { onState } from './onState.ts';

/** The initial random set. */
export interface InitialOptions {
  /** Its size. */
  readonly initial: number;
  /** The run's seed: the set is drawn from deriveSeed(seed, 'initial') alone, so every strategy shares it. */
  readonly seed: number;
  /** Extra candidates for queries given up (default: `initial`). */
  readonly reserve?: number;
  /** Labels of the initial set already in the pool (a resumed run): only the rest is asked. */
  readonly alreadyLabeled?: number;
}

/**
 * Draws the initial random labeled set as the state's selection (for {@link labelSelection}).
 * A prefix of one seeded draw: the first `initial` ids are the same whatever the reserve.
 *
 * ## Example
 * ```ts
 * of(startCycle(0, createPoolState(poolSize))).pipe(drawInitial({ initial: 200, seed: 1 }), labelSelection(oracle, journal, { labelCodec }));
 * ```
 * @param options size, seed, reserve
 * @returns the stage
 */
export const drawInitial = <L>(options: InitialOptions): Stage<L> =>
  onState((state) => {
    const { pool } = state;
    const missing = Math.min(options.initial - (options.alreadyLabeled ?? 0), pool.poolSize - pool.labeled.size);
    if (missing <= 0) return of(stateStep(state));
    const draw = sampleWithoutReplacement(options.initial + (options.reserve ?? options.initial), deriveSeed(options.seed, 'initial'))(pool.poolSize).filter(
      (id) => !pool.labeled.has(id),
    );
    const selection = { picks: Int32Array.from(draw.slice(0, missing)), reserve: Int32Array.from(draw.slice(missing)) };
    return of(stateStep({ ...state, selection }));
  });
