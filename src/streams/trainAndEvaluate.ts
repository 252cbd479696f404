import { concat, defer, from, ignoreElements, map, mergeMap, of, pipe, type Observable } from 'rxjs';
import { deriveSeed } from '../ops/random.ts';
import type { Learner } from '../tasks/learner.ts';
import { onState, stateStep, type CycleState, type Stage, type Step } from './cycleState.ts';
import { evaluate } from './evaluate.ts';
import { retrain } from './retrain.ts';
import { timeStage } from './timeStage.ts';

/** Where a run's learner weights are kept between cycles (a run directory's checkpoints/). */
export interface CheckpointStore {
  /** Saves the learner after the training of `cycle`. */
  save(cycle: number): Promise<void>;
  /** Loads the learner saved after the training of `cycle`; false when there is none. */
  load(cycle: number): Promise<boolean>;
}

/** How a cycle trains. */
export interface TrainOptions {
  readonly epochs: number;
  /** The run's seed: the fit of cycle c draws from deriveSeed(seed, 'fit', c). */
  readonly seed: number;
  /** Saves the weights after each training. */
  readonly checkpoints?: Pick<CheckpointStore, 'save'>;
  /**
   * Called before training (a resumed run restores weights here): resolving true skips the
   * training of that cycle (its trained weights were loaded), false trains as usual.
   */
  readonly restore?: (state: CycleState<unknown>) => Promise<boolean>;
}

/**
 * Trains the learner on the cycle's training labels (`state.training`), emitting `epochTrained`
 * per epoch, then saves a checkpoint when a store is given.
 * @param learner the learner
 * @param options epochs, the run's seed, checkpoints
 * @returns the stage
 */
export const fitLearner = <L>(learner: Pick<Learner<L>, 'fit'>, options: TrainOptions): Stage<L> =>
  onState((state) =>
    concat(
      of(state.training).pipe(
        retrain(learner, { epochs: options.epochs, seed: deriveSeed(options.seed, 'fit', state.cycle) }),
        map((report): Step<L> => ({ type: 'epochTrained', cycle: state.cycle, report })),
      ),
      of(stateStep(state)),
    ),
  );

/**
 * Evaluates the learner on its test set: emits `evaluated` and keeps the evaluation in the state.
 * @param learner the learner
 * @returns the stage
 */
export const evaluateLearner = <L>(learner: Pick<Learner<L>, 'evaluate'>): Stage<L> =>
  onState((state) =>
    of(null).pipe(
      evaluate(learner),
      mergeMap((evaluation) => from<Step<L>[]>([{ type: 'evaluated', cycle: state.cycle, evaluation }, stateStep({ ...state, evaluation })])),
    ),
  );

/**
 * Instead of a stage, a shortcut: when `restore(state)` resolves true the state passes on as it
 * is (e.g. a resumed cycle whose trained weights were loaded from its checkpoint), else the
 * stage runs.
 * @param restore decides (and restores) per state
 * @param stage the stage it may skip
 * @returns the stage
 */
export const unlessRestored = <L>(restore: (state: CycleState<L>) => Promise<boolean>, stage: Stage<L>): Stage<L> =>
  onState((state) => defer(() => restore(state)).pipe(mergeMap((restored): Observable<Step<L>> => (restored ? of(stateStep(state)) : of(stateStep(state)).pipe(stage)))));

/**
 * Retrains the learner, saves a checkpoint, and evaluates it — the first half of a cycle, timed
 * as `train` and `evaluate`.
 *
 * ## Example
 * ```ts
 * of(startCycle(1, pool)).pipe(trainAndEvaluate(learner, { epochs: 2, seed: 1 }), toEvents()).subscribe(console.log);
 * ```
 * @param learner the learner
 * @param options epochs, the run's seed, checkpoints
 * @returns the stage
 */
export const trainAndEvaluate = <L>(learner: Pick<Learner<L>, 'fit' | 'evaluate'>, options: TrainOptions): Stage<L> => {
  const fitted = timeStage('train', fitLearner<L>(learner, options));
  const training: Stage<L> = options.checkpoints === undefined ? fitted : pipe(fitted, saveCheckpoint<L>(options.checkpoints));
  return pipe(options.restore === undefined ? training : unlessRestored<L>(options.restore, training), timeStage('evaluate', evaluateLearner<L>(learner)));
};

/**
 * Saves the learner's weights after the cycle's training.
 * @param store where
 * @returns the stage
 */
export const saveCheckpoint = <L>(store: Pick<CheckpointStore, 'save'>): Stage<L> =>
  onState((state) => concat(defer(() => store.save(state.cycle)).pipe(ignoreElements()), of(stateStep(state))));

