import { concat, defer, ignoreElements, of, tap, toArray } from 'rxjs';
import { cohensKappa } from '../ops/stopping.ts';
import type { Learner } from '../tasks/learner.ts';
import { stateStep, type Stage } from './cycleState.ts';
import { concatBatches } from './gatherScores.ts';
import { onState } from './onState.ts';
import { scoreInBatches } from './scoreInBatches.ts';
import type { StopStatistics } from '../ops/stopCriteria.ts';

/** The stop set and how it is scored. */
export interface StopSetOptions {
  /** The fixed stop set's pool ids (drawn once: the same in every cycle and strategy). */
  readonly ids: Int32Array;
  /** Ids per forward pass (default 256). */
  readonly scoreBatchSize?: number;
}

/** Arg-max class per row. */
const argmaxRows = (values: Float32Array, width: number): Int32Array => {
  const n = width > 0 ? values.length / width : 0;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (values[r * width + c]! > values[r * width + best]!) best = c;
    out[r] = best;
  }
  return out;
};

/**
 * Measures the fixed stop set after evaluation: scores it (l̂, and the class probabilities when
 * the learner provides them) and keeps in the state Cohen's κ between this cycle's predicted
 * classes (arg-max) and the previous measured cycle's, and the mean l̂ — what `--stop-when`
 * reads and the results row carries. κ is null in the first measured cycle (and after a resume)
 * and for a task without probabilities. Each call of this function keeps its own previous
 * predictions: make one per run. Timed with evaluation when wrapped in `timeStage('evaluate', …)`.
 *
 * ## Example
 * ```ts
 * pipe(trainAndEvaluate(learner, { epochs, seed }), timeStage('evaluate', measureStopSet(learner, { ids: stopIds })), finishCycle());
 * ```
 * @param learner the learner
 * @param options the stop set's ids and the scoring batch size
 * @returns the stage (an empty stop set passes the state on unchanged)
 */
export const measureStopSet = <L>(learner: Pick<Learner<L>, 'score' | 'provides'>, options: StopSetOptions): Stage<L> => {
  let previous: Int32Array | undefined;
  const outputs = learner.provides.includes('probabilities') ? (['probabilities'] as const) : ([] as const);
  return onState((state) => {
    if (options.ids.length === 0) return of(stateStep(state));
    let stats: StopStatistics = { stopKappa: null, stopMeanPredictedLoss: null };
    return concat(
      of(options.ids).pipe(
        scoreInBatches(learner, options.scoreBatchSize ?? 256, outputs),
        toArray(),
        tap((batches) => {
          const all = concatBatches(batches);
          let sum = 0;
          for (const l of all.predictedLoss) sum += l;
          const mean = all.ids.length > 0 ? sum / all.ids.length : Number.NaN;
          let kappa: number | null = null;
          const probabilities = all.probabilities;
          if (probabilities !== undefined && probabilities.width > 0) {
            const predictions = argmaxRows(probabilities.values, probabilities.width);
            if (previous !== undefined) {
              const k = cohensKappa(previous, predictions);
              kappa = k._tag === 'Right' ? k.right : null;
            }
            previous = predictions;
          }
          stats = { stopKappa: kappa, stopMeanPredictedLoss: Number.isFinite(mean) ? mean : null };
        }),
        ignoreElements(),
      ),
      defer(() => of(stateStep({ ...state, stopStatistics: stats }))),
    );
  });
};
