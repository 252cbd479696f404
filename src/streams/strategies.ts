/**
 * The strategies, each a scorer composed with a selector (modAL/baal style): higher score =
 * more informative, stated once in {@link Scorer}; the selector is top-K (ops/topK: NaN
 * ranks last), k-center greedy (core-set) or a seeded draw (random).
 */
import * as E from 'fp-ts/lib/Either.js';
import { kCenterGreedy } from '../ops/kCenterGreedy.ts';
import { sampleWithoutReplacement } from '../ops/random.ts';
import { topK } from '../ops/topK.ts';
import { entropyScores, leastConfidenceScores, marginScores } from '../ops/uncertainty.ts';
import type { ScoredBatch } from '../tasks/learner.ts';
import { badgeStrategy, learningLossDiverseStrategy, typiclustStrategy, type DiverseStrategyOptions, type TypiClustStrategyOptions } from './diversityStrategies.ts';
import { baldScorer, DEFAULT_MC_PASSES, mcEntropyScorer } from './mcDropoutStrategies.ts';
import { powerStrategy } from './powerStrategies.ts';
import type { Scorer, Select, Strategy, StrategyInput, StrategyOperator } from './strategy.ts';

const orThrow = <A>(either: E.Either<string, A>): A => {
  if (E.isLeft(either)) throw new RangeError(either.left);
  return either.right;
};

/**
 * The top-`count` selector over a scorer: a strategy is `scoreThenTake(scorer)`.
 *
 * Use it to build a score-based strategy of your own: `byScore('my-score', (c) => …)`.
 * @param name the strategy's name
 * @param scorer one score per candidate, higher = more informative
 * @param lossObjective the loss-module objective the learner should train with
 * @returns the strategy
 */
export const byScore = (name: string, scorer: Scorer, lossObjective: 'ranking' | 'mse' = 'ranking'): Strategy => ({
  name,
  scorer,
  select: (candidates, { count }) => topK(count)(scorer(candidates)),
  needsLabeledScores: false,
  lossObjective,
});

/** The loss module's predicted loss l̂ (Learning Loss). */
export const predictedLossScorer: Scorer = (c) => c.predictedLoss;
/** Entropy of the softmax. */
export const entropyScorer: Scorer = (c) => orThrow(entropyScores(c.classes)(c.probabilities));
/** One minus the gap between the two most likely classes. */
export const marginScorer: Scorer = (c) => orThrow(marginScores(c.classes)(c.probabilities));
/** One minus the top probability. */
export const leastConfidenceScorer: Scorer = (c) => orThrow(leastConfidenceScores(c.classes)(c.probabilities));

/** Uniform random picks, drawn from the selection's seed. */
export const randomStrategy: Strategy = {
  name: 'random',
  select: (candidates, { count, seed }) => sampleWithoutReplacement(count, seed)(candidates.ids.length),
  needsLabeledScores: false,
};

/**
 * Core-set: k-center greedy on the penultimate embeddings, the labeled set's embeddings as the
 * initial centres (Sener & Savarese 2018).
 */
export const coreSetStrategy: Strategy = {
  name: 'core-set',
  needsLabeledScores: true,
  select: (candidates: ScoredBatch, { count, labeled }) => {
    const dim = candidates.embeddingDim;
    const centres = labeled && labeled.ids.length > 0 ? labeled : undefined;
    if (centres && centres.embeddingDim !== dim) {
      throw new RangeError(`core-set: labeled embeddings have ${centres.embeddingDim} dims, candidates ${dim}`);
    }
    const l = centres ? centres.ids.length : 0;
    const embeddings = new Float32Array((l + candidates.ids.length) * dim);
    if (centres) embeddings.set(centres.embeddings, 0);
    embeddings.set(candidates.embeddings, l * dim);
    const rows = orThrow(kCenterGreedy(count)({ embeddings, dim, labeled: Array.from({ length: l }, (_, i) => i) }));
    return rows.map((row) => row - l);
  },
};

/** The tunable parameters of the built-in strategies (each strategy reads its own). */
export interface StrategyOptions {
  /** Power sampling's β (power-*; default 1). */
  readonly beta?: number;
  /** MC-dropout passes T (bald, mc-entropy, power-bald; default 10). */
  readonly mcPasses?: number;
  /** learning-loss-diverse's α (default 10) and method ('kmeans++'). */
  readonly diverseFactor?: DiverseStrategyOptions['factor'];
  readonly diverseMethod?: DiverseStrategyOptions['method'];
  /** TypiClust's neighbours (20) and cluster cap (500). */
  readonly typiclustNeighbours?: TypiClustStrategyOptions['neighbours'];
  readonly typiclustMaxClusters?: TypiClustStrategyOptions['maxClusters'];
}

/**
 * Every built-in strategy with the given parameters, by the name the CLI takes.
 * @param options the strategies' parameters (defaults where absent)
 * @returns the registry
 */
export const createStrategies = (options: StrategyOptions = {}): Readonly<Record<string, Strategy>> => {
  const passes = options.mcPasses ?? DEFAULT_MC_PASSES;
  const beta = options.beta ?? 1;
  return {
    random: randomStrategy,
    entropy: byScore('entropy', entropyScorer),
    margin: byScore('margin', marginScorer),
    'least-confidence': byScore('least-confidence', leastConfidenceScorer),
    'core-set': coreSetStrategy,
    'learning-loss': byScore('learning-loss', predictedLossScorer),
    'learning-loss-mse': byScore('learning-loss-mse', predictedLossScorer, 'mse'),
    bald: { ...byScore('bald', baldScorer), mcPasses: passes },
    'mc-entropy': { ...byScore('mc-entropy', mcEntropyScorer), mcPasses: passes },
    badge: badgeStrategy,
    typiclust: typiclustStrategy({ neighbours: options.typiclustNeighbours, maxClusters: options.typiclustMaxClusters }),
    'learning-loss-diverse': learningLossDiverseStrategy({ factor: options.diverseFactor, method: options.diverseMethod }),
    'power-learning-loss': powerStrategy('power-learning-loss', predictedLossScorer, beta),
    'power-entropy': powerStrategy('power-entropy', entropyScorer, beta),
    'power-bald': { ...powerStrategy('power-bald', baldScorer, beta), mcPasses: passes },
  };
};

/** Every built-in strategy with its default parameters, by the name the CLI takes. */
export const strategies: Readonly<Record<string, Strategy>> = createStrategies();

/** The names of the built-in strategies. */
export const strategyNames: ReadonlyArray<string> = Object.keys(strategies);

/**
 * A strategy given as a name, a Strategy, a bare select function, or an operator, made
 * uniform.
 * @param input what the user gave
 * @returns a Strategy or a StrategyOperator
 * @throws RangeError for an unknown name
 */
export const resolveStrategy = (input: StrategyInput | string): Strategy | StrategyOperator => {
  if (typeof input === 'string') {
    const found = strategies[input];
    if (!found) throw new RangeError(`unknown strategy "${input}" (known: ${strategyNames.join(', ')})`);
    return found;
  }
  if (typeof input === 'function') return { name: input.name || 'custom', select: input as Select, needsLabeledScores: false };
  return input;
};
