import { concat, defer, from, of, pipe, tap, type Observable } from 'rxjs';
import { deriveSeed, sampleWithoutReplacement } from '../ops/random.ts';
import type { Oracle } from '../oracles/oracle.ts';
import type { JournalEntry, LabelJournal } from '../store/labelJournal.ts';
import type { Learner } from '../tasks/learner.ts';
import { checkStrategy } from './checkStrategy.ts';
import { startCycle, type CycleState, type Stage } from './cycleState.ts';
import { toEvents } from './toEvents.ts';
import { decideStopping, unlessStopped } from './decideStopping.ts';
import { measureStopSet } from './measureStopSet.ts';
import type { StoppingConfig } from '../ops/stopCriteria.ts';
import { timeStage } from './timeStage.ts';
import { drawInitial } from './drawInitial.ts';
import type { AlEvent, CycleRow } from './events.ts';
import { finishCycle } from './finishCycle.ts';
import { labelSelection } from './labelSelection.ts';
import { createPoolState, type PoolState } from './poolState.ts';
import type { QueryOracleOptions } from './queryOracle.ts';
import { repeatCycles } from './repeatCycles.ts';
import { selectQueries } from './selectQueries.ts';
import type { StrategyOptions } from './strategies.ts';
import type { StrategyInput } from './strategy.ts';
import type { CheckpointStore } from './saveCheckpoint.ts';
import type { ScoreStage } from './scoreStage.ts';
import { trainAndEvaluate } from './trainAndEvaluate.ts';

export type { CheckpointStore } from './saveCheckpoint.ts';

/** What a resumed run starts from: its journal and its finished cycles. */
export interface RestoredRun<L> {
  readonly entries: ReadonlyArray<JournalEntry<L>>;
  readonly rows: ReadonlyArray<CycleRow>;
  /** Reported as `warning` events (e.g. a torn journal line skipped). */
  readonly warnings?: ReadonlyArray<string>;
}

/** Everything an active-learning run needs. */
export interface ActiveLearningConfig<L> {
  readonly learner: Learner<L>;
  /** A built-in name (`learning-loss`, `core-set`, …), a Strategy, a select function or an operator. */
  readonly strategy: StrategyInput | string;
  /** The built-in strategies' parameters (β, MC passes T, α, …) when `strategy` is a name (default: their defaults). */
  readonly strategyOptions?: StrategyOptions;
  readonly oracle: Oracle;
  /** The journal's `source` of each label (default 'oracle'). */
  readonly oracleName?: string;
  /** Accepted labels are appended here before they are merged. */
  readonly journal: LabelJournal<L>;
  /** Cycles of train → evaluate → query; the last one does not query. */
  readonly cycles: number;
  /** Size of the initial random labeled set (drawn from the seed alone, so every strategy shares it). */
  readonly initial: number;
  /** Labels queried per cycle. */
  readonly budget: number;
  /** Size M of the random subset of the unlabeled pool scored per cycle. */
  readonly subset: number;
  readonly epochs: number;
  readonly seed: number;
  /** Ids per forward pass when scoring (default 256). */
  readonly scoreBatchSize?: number;
  /**
   * The scoring stage (default: {@link localScoring} with the learner and scoreBatchSize);
   * `scoreOnWorkers` scores on BullMQ workers. Its batches may come in any order.
   */
  readonly scoreStage?: ScoreStage;
  /** Ranked candidates kept in reserve for queries given up (default: the budget). */
  readonly reserve?: number;
  /** Timeouts, retries and backoff of the oracle. */
  readonly query?: Pick<QueryOracleOptions<L>, 'timeoutMs' | 'maxAttempts' | 'backoffMs' | 'maxBackoffMs' | 'scheduler'>;
  /** Continue a run from its journal and results. */
  readonly restored?: RestoredRun<L>;
  /** Save after each training, load when resuming in the middle of a cycle. */
  readonly checkpoints?: CheckpointStore;
  /**
   * The stop set measured after each evaluation (κ, mean l̂ in every row) and when to stop early
   * (`--stop-when`, `--max-labels`); absent: no stop set, every cycle runs.
   */
  readonly stopping?: StoppingConfig;
}

/**
 * An active-learning run as a stream of events: the initial random set is drawn (from the
 * seed alone) and labeled through the oracle and the journal; then each cycle 1 … N
 * retrains, evaluates and — but the last — samples a subset of the unlabeled pool, scores
 * it in batches, ranks it with the strategy, takes the top `budget`, asks the oracle and
 * merges the answers. `--cycles 3 --initial 200 --budget 200` ends with 600 labels and rows
 * for 200, 400 and 600.
 *
 * It is a composition of the stage operators, over an explicit pool state:
 * `drawInitial → labelSelection`, then `repeatCycles` of
 * `trainAndEvaluate → measureStopSet → decideStopping → selectQueries → labelSelection →
 * finishCycle` — rearrange them for a cycle of your own (examples/custom-pipeline.ts). With
 * `stopping`, a fixed stop set (drawn once from the seed) is measured after each evaluation,
 * and a run that reaches `maxLabels` or whose `when` criterion holds stops after that cycle's
 * evaluation, without its query: a `stopped` event follows its `cycleFinished`.
 *
 * Use it to run a whole experiment; subscribe to see progress and results (`cycleFinished`
 * carries each results row). Subscribing first checks the strategy against the learner (what
 * it `requires` against what the learner `provides`, and a protocol name such as
 * `learning-loss-mse` against the learner's loss objective): an impossible pairing errors with
 * one InputError line before any training. Each subscription is an independent run with its own
 * state; unsubscribing stops it promptly (between two batches of training or scoring; oracle
 * rounds are cancelled) — the learner's tensors are the caller's to dispose. Resumed runs
 * (`restored`) continue the current cycle with its remaining budget: the label count is that
 * of an uninterrupted run, the selections after the resume follow from the restored state
 * (a new subset of the remaining pool), so they are not bit-identical to it.
 *
 * ## Example
 * ```ts
 * activeLearning({
 *   learner, strategy: 'learning-loss', oracle: simulatedOracle((id) => labels[id]), journal: memoryJournal(),
 *   cycles: 3, initial: 200, budget: 200, subset: 2000, epochs: 2, seed: 1,
 * }).pipe(filter((e) => e.type === 'cycleFinished')).subscribe((e) => console.log(e.row));
 * ```
 * @param config the learner, strategy, oracle, journal and protocol
 * @returns the run's events
 */
export const activeLearning = <L>(config: ActiveLearningConfig<L>): Observable<AlEvent<L>> =>
  defer(() => {
    const { learner, oracle, journal, cycles, initial, budget, subset, epochs, seed } = config;
    const strategy = checkStrategy(config.strategy, learner, config.strategyOptions);
    const poolSize = learner.poolSize;
    const restored = config.restored ?? { entries: [], rows: [] };
    const restoredIn = (cycle: number): number => restored.entries.filter((e) => e.cycle === cycle).length;
    const rows: CycleRow[] = [...restored.rows];
    const pool = createPoolState(
      poolSize,
      restored.entries.map((e) => [e.id, e.label] as const),
    );
    let final: PoolState<L> = pool;
    const firstCycle = rows.length + 1;
    const resumed = restored.rows.length > 0 || restored.entries.length > 0;
    const stopping = config.stopping;
    // The fixed stop set: drawn once from the whole pool by the seed alone (the same in every cycle and strategy).
    const stopIds = Int32Array.from(sampleWithoutReplacement(stopping?.setSize ?? 0, deriveSeed(seed, 'stop-set'))(poolSize));
    // Its previous cycle's predictions are the stage's (lost at a resume: the first cycle after has κ null).
    const stopSet = timeStage<L>('evaluate', measureStopSet<L>(learner, { ids: stopIds, scoreBatchSize: config.scoreBatchSize }));
    const label = labelSelection<L>(oracle, journal, { labelCodec: learner.labelCodec, source: config.oracleName, query: config.query });
    // The first cycle of a resumed run restores weights: this cycle's own checkpoint when its
    // training had finished (trained on the labels of earlier cycles only, it is the model an
    // uninterrupted run has; the cycle does not train again), else the previous cycle's (the warm start).
    const restore = async (state: CycleState<unknown>): Promise<boolean> => {
      const store = config.checkpoints;
      if (!resumed || !store || state.cycle !== firstCycle) return false;
      if (await store.load(state.cycle)) return true;
      if (state.cycle > 1) await store.load(state.cycle - 1);
      return false;
    };
    const cycle = (c: number): Stage<L> =>
      pipe(
        trainAndEvaluate<L>(learner, { epochs, seed, checkpoints: config.checkpoints, restore }),
        stopSet,
        decideStopping<L>(stopping, cycles, () => rows),
        c < cycles
          ? unlessStopped<L>(
              pipe(
              selectQueries<L>(learner, strategy, {
                budget: (n) => budget - restoredIn(n),
                subset,
                seed,
                scoreBatchSize: config.scoreBatchSize,
                reserve: config.reserve ?? budget,
                scoreStage: config.scoreStage,
                ...(stopping?.maxLabels === undefined ? {} : { maxLabels: stopping.maxLabels }),
              }),
              label,
              ),
            )
          : (steps) => steps,
        finishCycle<L>(),
      );
    return concat(
      from((restored.warnings ?? []).map((message): AlEvent<L> => ({ type: 'warning', message }))),
      of<AlEvent<L>>({ type: 'runStarted', poolSize, cycles, labeled: pool.labeled.size, firstCycle }),
      of(startCycle(0, pool)).pipe(
        drawInitial<L>({ initial, seed, reserve: config.reserve ?? budget, alreadyLabeled: restoredIn(0) }),
        label,
        repeatCycles<L>(
          {
            first: firstCycle,
            last: cycles,
            // Resumed in the middle of a cycle: its training sees only the labels of earlier cycles.
            training: (c, now) =>
              restoredIn(c) > 0
                ? createPoolState(
                    poolSize,
                    restored.entries.filter((e) => e.cycle < c).map((e) => [e.id, e.label] as const),
                  )
                : now,
          },
          cycle,
        ),
        tap((step) => {
          if (step.type === 'state') final = step.state.pool;
        }),
        toEvents(),
        tap((event) => {
          if (event.type === 'cycleFinished') rows.push(event.row);
        }),
      ),
      defer(() => of<AlEvent<L>>({ type: 'runFinished', labeled: final.labeled.size, rows: [...rows] })),
    );
  });
