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
import { InputError } from '../inputError.ts';
import type { Capability, ScoredBatch, ScoreRows } from '../tasks/learner.ts';
import type { LossObjective } from '../tasks/rankingLoss.ts';
import type { Scorer, Select, Strategy, StrategyInput, StrategyOperator } from './strategy.ts';

const orThrow = <A>(either: E.Either<string, A>): A => {
  if (E.isLeft(either)) throw new RangeError(either.left);
  return either.right;
};

/**
 * The rows of an optional output that a scorer reads.
 * @param candidates the scores
 * @param name the output
 * @param reader who reads it (for the error)
 * @returns the rows (empty rows for no candidates)
 * @throws RangeError when the scores lack it (the strategy did not declare it in `requires`)
 */
export const outputRows = (candidates: ScoredBatch, name: Capability, reader: string): ScoreRows => {
  const rows = candidates[name];
  if (rows !== undefined) return rows;
  if (candidates.ids.length === 0) return { values: new Float32Array(0), width: 0 };
  throw new RangeError(`${reader} reads ${name}, which these scores do not carry (declare it in the strategy's requires)`);
};

/**
 * The top-`count` selector over a scorer: a strategy is `scoreThenTake(scorer)`.
 *
 * Use it to build a score-based strategy of your own: `byScore('my-score', (c) => …, ['probabilities'])`.
 * @param name the strategy's name
 * @param scorer one score per candidate, higher = more informative
 * @param requires the optional score outputs the scorer reads ([] for l̂ only); absent: every
 *   output the learner provides is computed, and nothing is checked before the run
 * @returns the strategy
 */
export const byScore = (name: string, scorer: Scorer, requires?: ReadonlyArray<Capability>): Strategy => ({
  name,
  scorer,
  select: (candidates, { count }) => topK(count)(scorer(candidates)),
  needsLabeledScores: false,
  ...(requires === undefined ? {} : { requires }),
});

/** The loss module's predicted loss l̂ (Learning Loss). */
export const predictedLossScorer: Scorer = (c) => c.predictedLoss;
const probabilityScorer =
  (name: string, score: (classes: number) => (p: Float32Array) => E.Either<string, Float32Array>): Scorer =>
  (c) => {
    const rows = outputRows(c, 'probabilities', name);
    return rows.values.length === 0 ? new Float32Array(0) : orThrow(score(rows.width)(rows.values));
  };
/** Entropy of the softmax (reads `probabilities`). */
export const entropyScorer: Scorer = probabilityScorer('entropy', entropyScores);
/** One minus the gap between the two most likely classes (reads `probabilities`). */
export const marginScorer: Scorer = probabilityScorer('margin', marginScores);
/** One minus the top probability (reads `probabilities`). */
export const leastConfidenceScorer: Scorer = probabilityScorer('least-confidence', leastConfidenceScores);

/** Uniform random picks, drawn from the selection's seed. */
export const randomStrategy: Strategy = {
  name: 'random',
  select: (candidates, { count, seed }) => sampleWithoutReplacement(count, seed)(candidates.ids.length),
  needsLabeledScores: false,
  requires: [],
};

/**
 * Core-set: k-center greedy on the penultimate embeddings, the labeled set's embeddings as the
 * initial centres (Sener & Savarese 2018).
 */
export const coreSetStrategy: Strategy = {
  name: 'core-set',
  needsLabeledScores: true,
  requires: ['embeddings'],
  select: (candidates: ScoredBatch, { count, labeled }) => {
    const own = outputRows(candidates, 'embeddings', 'core-set');
    const dim = own.width;
    const centres = labeled && labeled.ids.length > 0 ? outputRows(labeled, 'embeddings', 'core-set') : undefined;
    if (centres && candidates.ids.length > 0 && centres.width !== dim) {
      throw new RangeError(`core-set: labeled embeddings have ${centres.width} dims, candidates ${dim}`);
    }
    const l = centres ? labeled!.ids.length : 0;
    const embeddings = new Float32Array((l + candidates.ids.length) * dim);
    if (centres) embeddings.set(centres.values, 0);
    embeddings.set(own.values, l * dim);
    const rows = orThrow(kCenterGreedy(count)({ embeddings, dim, labeled: Array.from({ length: l }, (_, i) => i) }));
    return rows.map((row) => row - l);
  },
};

/** Every built-in strategy, by name. */
export const strategies: Readonly<Record<string, Strategy>> = {
  random: randomStrategy,
  entropy: byScore('entropy', entropyScorer, ['probabilities']),
  margin: byScore('margin', marginScorer, ['probabilities']),
  'least-confidence': byScore('least-confidence', leastConfidenceScorer, ['probabilities']),
  'core-set': coreSetStrategy,
  'learning-loss': byScore('learning-loss', predictedLossScorer, []),
};

/**
 * A protocol name that sets a strategy AND how the learner's loss module trains: the paper's MSE
 * ablation is `learning-loss` ranked by l̂ from a loss module trained with (l̂ − l)². Training is
 * the learner's config (`trainer.lossObjective`); the name only says what it must be, so the CLI
 * sets both from it, and `activeLearning` refuses a learner that trains otherwise.
 */
export interface StrategyProtocol {
  readonly strategy: string;
  readonly lossObjective: LossObjective;
}

/** The protocol names besides the strategies' own. */
export const strategyProtocols: Readonly<Record<string, StrategyProtocol>> = {
  'learning-loss-mse': { strategy: 'learning-loss', lossObjective: 'mse' },
};

/** Every name a run accepts as its strategy: the strategies', then the protocols'. */
export const strategyNames: ReadonlyArray<string> = [...Object.keys(strategies), ...Object.keys(strategyProtocols)];

/**
 * A strategy given as a name, a Strategy, a bare select function, or an operator, made
 * uniform. A protocol name resolves to its strategy under the protocol's name.
 * @param input what the user gave
 * @returns a Strategy or a StrategyOperator
 * @throws InputError for an unknown name
 */
export const resolveStrategy = (input: StrategyInput | string): Strategy | StrategyOperator => {
  if (typeof input === 'string') {
    const protocol = strategyProtocols[input];
    const found = strategies[protocol?.strategy ?? input];
    if (!found) throw new InputError(`unknown strategy "${input}" (known: ${strategyNames.join(', ')})`);
    return protocol ? { ...found, name: input } : found;
  }
  if (typeof input === 'function') return { name: input.name || 'custom', select: input as Select, needsLabeledScores: false };
  return input;
};
