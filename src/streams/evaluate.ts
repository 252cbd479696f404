import { defer, switchMap, type OperatorFunction } from 'rxjs';
import type { Evaluation, Learner } from '../tasks/learner.ts';

/**
 * Evaluates the learner on its held-out test set each time a value arrives (e.g. at the end
 * of training).
 *
 * Use it after {@link retrain}. The evaluation is the learner's metric (under its
 * `metricName`) and the loss module's ranking accuracy.
 *
 * ## Example
 * ```ts
 * of(state).pipe(retrain(learner, options), last(), evaluate(learner)).subscribe((e) => console.log(e.metric));
 * ```
 * @param learner the learner to evaluate
 * @returns any trigger in, evaluations out
 */
export const evaluate =
  (learner: Pick<Learner<unknown>, 'evaluate'>): OperatorFunction<unknown, Evaluation> =>
  (source) =>
    source.pipe(switchMap(() => defer(() => learner.evaluate())));
