import { defer, map, tap } from 'rxjs';
import type { StageSeconds } from './events.ts';
import type { CycleState, Stage } from './cycleState.ts';

const total = (s: StageSeconds): number => s.score + s.select + s.oracle + s.merge + s.train + s.evaluate;

/**
 * Times a stage: from the moment a state reaches it to the moment it hands on the next state,
 * less what stages inside it already counted (the journal's merge inside the oracle stage), is
 * added to `stageSeconds[name]` of that next state.
 *
 * Use it around any stage whose time a results row should show; what downstream stages do with
 * the state (even synchronously) is theirs.
 *
 * ## Example
 * ```ts
 * of(startCycle(1, pool)).pipe(timeStage('train', fitLearner(learner, { epochs: 2, seed })));
 * ```
 * @param name the stage's field in {@link StageSeconds}
 * @param stage the stage
 * @returns the timed stage
 */
export const timeStage =
  <L>(name: keyof StageSeconds, stage: Stage<L>): Stage<L> =>
  (source) =>
    defer(() => {
      let started = 0;
      let countedBefore = 0;
      return source.pipe(
        tap((step) => {
          if (step.type !== 'state') return;
          started = performance.now();
          countedBefore = total(step.state.stageSeconds);
        }),
        stage,
        map((step) => {
          if (step.type !== 'state') return step;
          const s = step.state.stageSeconds;
          const own = (performance.now() - started) / 1000 - (total(s) - countedBefore);
          const state: CycleState<L> = { ...step.state, stageSeconds: { ...s, [name]: s[name] + own } };
          return { type: 'state' as const, state };
        }),
      );
    });
