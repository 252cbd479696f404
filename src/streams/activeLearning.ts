import { concat, defer, EMPTY, from, ignoreElements, map, mergeMap, Observable, of, tap, type OperatorFunction } from 'rxjs';
import { deriveSeed, sampleWithoutReplacement } from '../ops/random.ts';
import type { Oracle } from '../oracles/oracle.ts';
import type { JournalEntry, LabelJournal } from '../store/labelJournal.ts';
import type { Evaluation, Learner, ScoredBatch } from '../tasks/learner.ts';
import type { AlEvent, CycleRow, StageSeconds } from './events.ts';
import { evaluate } from './evaluate.ts';
import { concatBatches, inIdOrder } from './gatherScores.ts';
import { mergeLabels } from './mergeLabels.ts';
import { createPoolState, type PoolState } from './poolState.ts';
import { queryOracle, type QueryOracleOptions } from './queryOracle.ts';
import { rankBy } from './rankBy.ts';
import { retrain } from './retrain.ts';
import { sampleSubset } from './sampleSubset.ts';
import { localScoring, type ScoreStage } from './scoreStage.ts';
import { resolveStrategy } from './strategies.ts';
import type { Ranking, SelectionContext, StrategyInput } from './strategy.ts';
import { takeTopK, type Selection } from './takeTopK.ts';

/** Where a run's learner weights are kept between cycles (a run directory's checkpoints/). */
export interface CheckpointStore {
  /** Saves the learner after the training of `cycle`. */
  save(cycle: number): Promise<void>;
  /** Loads the learner saved after the training of `cycle`; false when there is none. */
  load(cycle: number): Promise<boolean>;
}

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
}

type MutableStageSeconds = { -readonly [K in keyof StageSeconds]: number };
const noSeconds = (): MutableStageSeconds => ({ score: 0, select: 0, oracle: 0, merge: 0, train: 0, evaluate: 0 });
const seconds = (since: number): number => (performance.now() - since) / 1000;

/** Adds the time from subscription to completion (or unsubscription) of `work` to `into[stage]`. */
const timed = <T>(into: MutableStageSeconds, stage: keyof StageSeconds, work: Observable<T>, until: 'complete' | 'first' = 'complete'): Observable<T> =>
  defer(() => {
    const start = performance.now();
    let counted = false;
    const count = (): void => {
      if (counted) return;
      counted = true;
      into[stage] += seconds(start);
    };
    // tap's complete fires when `work` completes, even inside a mergeMap whose inner work
    // goes on (finalize would wait for the whole outer subscription to be torn down). A stage
    // with one result stops at that result ('first'): tap sees it before the operators
    // downstream do, and what they run synchronously (the oracle, the journal) is theirs.
    return work.pipe(tap({ next: until === 'first' ? count : undefined, complete: count, error: count, unsubscribe: count }));
  });

/**
 * An active-learning run as a stream of events: the initial random set is drawn (from the
 * seed alone) and labeled through the oracle and the journal; then each cycle 1 … N
 * retrains, evaluates and — but the last — samples a subset of the unlabeled pool, scores
 * it in batches, ranks it with the strategy, takes the top `budget`, asks the oracle and
 * merges the answers. `--cycles 3 --initial 200 --budget 200` ends with 600 labels and rows
 * for 200, 400 and 600.
 *
 * Use it to run a whole experiment; subscribe to see progress and results (`cycleFinished`
 * carries each results row). Each subscription is an independent run with its own state;
 * unsubscribing stops it promptly (between two batches of training or scoring; oracle
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
    const poolSize = learner.poolSize;
    const strategy = resolveStrategy(config.strategy);
    const batchSize = config.scoreBatchSize ?? 256;
    const scoreStage = config.scoreStage ?? localScoring(learner, batchSize);
    const reserve = config.reserve ?? budget;
    const source = config.oracleName ?? 'oracle';
    const restored = config.restored ?? { entries: [], rows: [] };
    const restoredPerCycle = new Map<number, number>();
    for (const e of restored.entries) restoredPerCycle.set(e.cycle, (restoredPerCycle.get(e.cycle) ?? 0) + 1);
    const rows: CycleRow[] = [...restored.rows];
    let state: PoolState<L> = createPoolState(
      poolSize,
      restored.entries.map((e) => [e.id, e.label] as const),
    );

    /** Asks the oracle for a selection and merges the answers; counts into `tally`. */
    const askAndMerge = (
      cycle: number,
      selection: Selection,
      stages: MutableStageSeconds,
      tally: { answered: number; failed: number; rejected: number },
    ): Observable<AlEvent<L>> =>
      defer(() => {
        const timedJournal: LabelJournal<L> = {
          append: (entry) => {
            const start = performance.now();
            journal.append(entry);
            stages.merge += seconds(start);
          },
        };
        const mergeBefore = stages.merge;
        const start = performance.now();
        return concat(
          of<AlEvent<L>>({ type: 'selected', cycle, ids: Array.from(selection.picks), reserve: selection.reserve.length }),
          of(selection).pipe(
            queryOracle(oracle, { ...config.query, labelCodec: learner.labelCodec, poolSize, cycle }),
            mergeLabels(timedJournal, state, { source }),
            tap(({ state: next, event }) => {
              state = next;
              if (event.type === 'labelAccepted') tally.answered++;
              if (event.type === 'queryFailed') tally.failed++;
              if (event.type === 'labelRejected') tally.rejected++;
            }),
            map(({ event }) => event),
            tap({ finalize: () => (stages.oracle += seconds(start) - (stages.merge - mergeBefore)) }),
          ),
        );
      });

    /** Cycle 0: the initial random set, or what is missing of it after a resume. */
    const initialSet = defer(() => {
      const missing = Math.min(initial - (restoredPerCycle.get(0) ?? 0), poolSize - state.labeled.size);
      if (missing <= 0) return EMPTY;
      // A prefix of one seeded draw: the first `initial` ids are the same whatever the reserve.
      const draw = sampleWithoutReplacement(initial + reserve, deriveSeed(seed, 'initial'))(poolSize).filter((id) => !state.labeled.has(id));
      const selection: Selection = { picks: Int32Array.from(draw.slice(0, missing)), reserve: Int32Array.from(draw.slice(missing)) };
      return askAndMerge(0, selection, noSeconds(), { answered: 0, failed: 0, rejected: 0 });
    });

    const rank = (context: SelectionContext): OperatorFunction<ScoredBatch, Ranking> =>
      'operator' in strategy ? strategy.operator(context) : rankBy(strategy, context);

    /** Scores a subset of the unlabeled pool, ranks it, takes the top K and asks for them. */
    const selectAndQuery = (cycle: number, stages: MutableStageSeconds, tally: { queried: number; answered: number; failed: number; rejected: number }) =>
      defer(() => {
        const k = Math.min(budget - (restoredPerCycle.get(cycle) ?? 0), poolSize - state.labeled.size);
        if (k <= 0) return EMPTY;
        tally.queried = k;
        const candidates: ScoredBatch[] = [];
        const labeledScores: ScoredBatch[] = [];
        let scored = 0;
        const subsetSize = Math.min(subset, poolSize - state.labeled.size);
        let subsetIds: Int32Array = new Int32Array(0);
        const labeledIds = Int32Array.from([...state.labeled.keys()].sort((a, b) => a - b));
        const scoring = concat(
          of(state).pipe(
            sampleSubset(subset, deriveSeed(seed, 'subset', cycle)),
            tap((ids) => (subsetIds = ids)),
            scoreStage({ cycle, part: 'subset' }),
            tap((batch) => candidates.push(batch)),
            map((batch): AlEvent<L> => ({ type: 'batchScored', cycle, scored: (scored += batch.ids.length), total: subsetSize })),
          ),
          strategy.needsLabeledScores
            ? of(labeledIds).pipe(
                scoreStage({ cycle, part: 'labeled' }),
                tap((batch) => labeledScores.push(batch)),
                ignoreElements(),
              )
            : EMPTY,
        );
        const selecting = defer(() => {
          // rows in the subset's draw order, whatever order the stage delivered them in
          const all = inIdOrder(subsetIds)(concatBatches(candidates));
          const context: SelectionContext = {
            count: Math.min(all.ids.length, k + reserve),
            seed: deriveSeed(seed, 'select', cycle),
            ...(strategy.needsLabeledScores ? { labeled: inIdOrder(labeledIds)(concatBatches(labeledScores)) } : {}),
          };
          return timed(stages, 'select', of(all).pipe(rank(context), takeTopK(k)), 'first');
        });
        return concat(
          timed(stages, 'score', scoring),
          selecting.pipe(mergeMap((selection) => askAndMerge(cycle, selection, stages, tally))),
        );
      });

    const firstCycle = rows.length + 1;
    const runCycle = (cycle: number): Observable<AlEvent<L>> =>
      defer(() => {
        const start = performance.now();
        const stages = noSeconds();
        const tally = { queried: 0, answered: 0, failed: 0, rejected: 0 };
        const midCycle = (restoredPerCycle.get(cycle) ?? 0) > 0;
        // Resumed in the middle of a cycle: its training saw only the labels of earlier cycles.
        const trainingState = midCycle
          ? createPoolState(
              poolSize,
              restored.entries.filter((e) => e.cycle < cycle).map((e) => [e.id, e.label] as const),
            )
          : state;
        let evaluation: Evaluation | undefined;
        const training = timed(
          stages,
          'train',
          of(trainingState).pipe(
            retrain(learner, { epochs, seed: deriveSeed(seed, 'fit', cycle) }),
            map((report): AlEvent<L> => ({ type: 'epochTrained', cycle, report })),
          ),
        );
        // The first cycle of a resumed run restores weights: this cycle's own checkpoint when
        // its training had finished (it was trained on the labels of earlier cycles only, so it
        // is the model an uninterrupted run has), else the previous cycle's (the warm start).
        const resumed = cycle === firstCycle && (restored.rows.length > 0 || restored.entries.length > 0);
        const loadCheckpoint = async (): Promise<boolean> => {
          const store = config.checkpoints;
          if (!resumed || !store) return false;
          if (await store.load(cycle)) return true;
          if (cycle > 1) await store.load(cycle - 1);
          return false;
        };
        const trainOrLoad = defer(loadCheckpoint).pipe(
          mergeMap((loaded) =>
            loaded ? EMPTY : concat(training, defer(() => config.checkpoints?.save(cycle) ?? Promise.resolve()).pipe(ignoreElements())),
          ),
        );
        return concat(
          of<AlEvent<L>>({ type: 'cycleStarted', cycle, cycles, labeled: trainingState.labeled.size }),
          trainOrLoad,
          timed(
            stages,
            'evaluate',
            of(null).pipe(
              evaluate(learner),
              tap((e) => (evaluation = e)),
              map((e): AlEvent<L> => ({ type: 'evaluated', cycle, evaluation: e })),
            ),
          ),
          cycle < cycles ? selectAndQuery(cycle, stages, tally) : EMPTY,
          defer(() => {
            const e = evaluation!;
            const row = {
              cycle,
              labeled: trainingState.labeled.size,
              metricName: e.metricName,
              metric: e.metric,
              [e.metricName]: e.metric,
              rankingAccuracy: e.rankingAccuracy,
              meanTargetLoss: e.meanTargetLoss,
              seconds: seconds(start),
              stageSeconds: { ...stages },
              queried: tally.queried,
              answered: tally.answered,
              failedQueries: tally.failed,
              rejectedAnswers: tally.rejected,
            } as CycleRow;
            rows.push(row);
            return of<AlEvent<L>>({ type: 'cycleFinished', cycle, row });
          }),
        );
      });

    return concat(
      from((restored.warnings ?? []).map((message): AlEvent<L> => ({ type: 'warning', message }))),
      of<AlEvent<L>>({ type: 'runStarted', poolSize, cycles, labeled: state.labeled.size, firstCycle }),
      initialSet,
      ...Array.from({ length: Math.max(0, cycles - firstCycle + 1) }, (_, i) => runCycle(firstCycle + i)),
      defer(() => of<AlEvent<L>>({ type: 'runFinished', labeled: state.labeled.size, rows: [...rows] })),
    );
  });
