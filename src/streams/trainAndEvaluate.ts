import { pipe } from 'rxjs';
import type { Learner } from '../tasks/learner.ts';
import type { CycleState, Stage } from './cycleState.ts';
import { evaluateLearner } from './evaluateLearner.ts';
import { fitLearner } from './fitLearner.ts';
import { saveCheckpoint, type CheckpointStore } from './saveCheckpoint.ts';
import { timeStage } from './timeStage.ts';
import { unlessRestored } from './unlessRestored.ts';

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
