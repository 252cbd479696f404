import { InputError } from '../inputError.ts';
import type { Capability, Learner } from '../tasks/learner.ts';
import { resolveStrategy, strategyProtocols } from './strategies.ts';
import type { Strategy, StrategyInput, StrategyOperator } from './strategy.ts';

/** What a strategy is checked against: the learner's task, what it provides, how its loss module trains. */
export type LearnerCapabilities = Pick<Learner<unknown>, 'task' | 'provides' | 'lossObjective'>;

/**
 * Resolves a strategy and checks that the learner can serve it: every output it `requires` is
 * one the learner `provides`, and a protocol name (`learning-loss-mse`) meets a learner trained
 * with that loss objective. `activeLearning` calls it when subscribed, before any training;
 * the CLI calls it on the flags, before a run directory is made.
 *
 * @param input the strategy as given (a name, a Strategy, a select function, an operator)
 * @param learner the learner (or its task's capabilities)
 * @returns the resolved strategy
 * @throws InputError, one line naming the strategy, what is missing and what the learner has
 */
export const checkStrategy = (input: StrategyInput | string, learner: LearnerCapabilities): Strategy | StrategyOperator => {
  const strategy = resolveStrategy(input);
  const provides = learner.provides ?? [];
  const missing = (strategy.requires ?? []).filter((c) => !provides.includes(c));
  if (missing.length > 0) {
    throw new InputError(
      `strategy ${strategy.name} requires ${missing.join(' and ')}, which the ${learner.task} learner does not provide (it provides: ${provides.join(', ') || 'only ids and l̂'})`,
    );
  }
  const protocol = typeof input === 'string' ? strategyProtocols[input] : undefined;
  if (protocol !== undefined && learner.lossObjective !== protocol.lossObjective) {
    throw new InputError(
      `strategy ${input} needs a learner whose loss module trains with trainer.lossObjective '${protocol.lossObjective}'; the ${learner.task} learner trains with ${learner.lossObjective === undefined ? 'an objective it does not state' : `'${learner.lossObjective}'`}`,
    );
  }
  return strategy;
};

/**
 * The outputs to score for a strategy: what it requires, or — for a strategy that does not say
 * — everything the learner provides.
 * @param strategy the resolved strategy
 * @param learner the learner
 */
export const outputsFor = (strategy: Pick<Strategy, 'requires'>, learner: Pick<Learner<unknown>, 'provides'>): ReadonlyArray<Capability> =>
  strategy.requires ?? learner.provides;
