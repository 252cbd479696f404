import { Observable, switchMap, type OperatorFunction } from 'rxjs';
import type { EpochReport, Learner } from '../tasks/learner.ts';
import { labeledPairs, type PoolState } from './poolState.ts';

/** How to train. */
export interface RetrainOptions {
  readonly epochs: number;
  /** Seed of this fit (shuffling, augmentation). */
  readonly seed: number;
}

/**
 * Trains the learner on the labeled set, emitting one report per epoch as it ends, and
 * completing when training is done.
 *
 * Use it for the retrain stage. Unsubscribing aborts the fit through its AbortSignal: it
 * stops between two batches (the learner frees its tensors). A new state while training
 * restarts on that state.
 *
 * ## Example
 * ```ts
 * of(state).pipe(retrain(learner, { epochs: 2, seed: 1 })).subscribe((r) => console.log(r.epoch, r.targetLoss));
 * ```
 * @param learner the learner to fit
 * @param options epochs and seed
 * @returns pool states in, epoch reports out
 */
export const retrain =
  <L>(learner: Pick<Learner<L>, 'fit'>, options: RetrainOptions): OperatorFunction<PoolState<L>, EpochReport> =>
  (source) =>
    source.pipe(
      switchMap(
        (state) =>
          new Observable<EpochReport>((subscriber) => {
            const controller = new AbortController();
            learner
              .fit(labeledPairs(state), {
                epochs: options.epochs,
                seed: options.seed,
                signal: controller.signal,
                onEpoch: (report) => {
                  if (!controller.signal.aborted) subscriber.next(report);
                },
              })
              .then(
                () => subscriber.complete(),
                (error: unknown) => {
                  if (!controller.signal.aborted) subscriber.error(error);
                },
              );
            return () => controller.abort();
          }),
      ),
    );
