/**
 * A custom active-learning cycle composed from ll4al's stage operators, with a scorer of your
 * own (predicted loss × entropy) and an oracle that is a plain callback.
 *
 *     npx tsx examples/custom-pipeline.ts [--cycles 3] [--epochs 3] [--pool 1000] [--seed 1]
 *
 * Sizes are tiny on purpose (1,000 pool images and 300 test images of the embedded
 * Fashion-MNIST subset, 40 labels per cycle, 3 epochs, small CNN): it runs in well under a minute on 2
 * busy cores. Accuracy is low at this size; the point is the shape of the code.
 * Prints one line per cycle: `cycle 1: 40 labels, testAccuracy 0.512, rankingAccuracy 0.601`.
 *
 * (Imports are relative to this repository; from the installed package they are `ll4al/...`.)
 */
import { parseArgs } from 'node:util';
import { last, lastValueFrom, of } from 'rxjs';
import { initBackend } from '../src/backend/index.ts';
import { loadDataset, subsetOf } from '../src/data/index.ts';
import { InputError } from '../src/inputError.ts';
import { deriveSeed, sampleWithoutReplacement } from '../src/ops/index.ts';
import { callbackOracle } from '../src/oracles/index.ts';
import { memoryJournal } from '../src/store/index.ts';
import {
  byScore,
  createPoolState,
  entropyScorer,
  evaluate,
  gatherScores,
  mergeLabels,
  predictedLossScorer,
  queryOracle,
  rankBy,
  retrain,
  sampleSubset,
  scoreInBatches,
  takeTopK,
  type PoolState,
  type Selection,
} from '../src/streams/index.ts';
import { createClassificationLearner } from '../src/tasks/index.ts';

const { values: flags } = parseArgs({
  options: {
    cycles: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '3' },
    pool: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
  },
});
const count = (name: 'cycles' | 'epochs' | 'pool' | 'seed', min: number): number => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) throw new InputError(`--${name}: expected an integer ≥ ${min}, got '${flags[name]}'`);
  return n;
};
const cycles = count('cycles', 1);
const epochs = count('epochs', 1);
const poolSize = count('pool', 500);
const seed = count('seed', 0);
const budget = 40; // labels asked per cycle (and the size of the initial random set)
const subset = 400; // the random subset M of the unlabeled pool scored per cycle

await initBackend(); // native TensorFlow when installed, else the embedded wasm backend
const full = await loadDataset({ kind: 'embedded' });
const first = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const data = { ...full, train: subsetOf(full.train, first(poolSize)), test: subsetOf(full.test, first(300)) };
const learner = createClassificationLearner({ data, model: 'small-cnn', seed, trainer: { batchSize: 16, augment: false } });

// The oracle: any function from a query to a label (a value, a Promise or an Observable).
// Here it answers from the held-back labels, as an annotator service would over the network.
const oracle = callbackOracle(async ({ id }) => data.train.labels[id]);
const journal = memoryJournal<number>();

// The strategy: a scorer of your own (higher = more informative), turned into top-K.
// softplus keeps the predicted loss l̂ positive and in the same order, so the product ranks
// first what the loss module AND the classifier's uncertainty both point at.
const softplus = (x: number): number => (x > 20 ? x : Math.log1p(Math.exp(x)));
const lossTimesEntropy = byScore('loss-times-entropy', (candidates) => {
  const loss = predictedLossScorer(candidates);
  const entropy = entropyScorer(candidates);
  return loss.map((l, i) => softplus(l) * entropy[i]);
});

/** Asks the oracle for a selection and merges its answers into the labeled set. */
const label = (state: PoolState<number>, selection: Selection, cycle: number): Promise<PoolState<number>> =>
  lastValueFrom(
    of(selection).pipe(
      queryOracle(oracle, { labelCodec: learner.labelCodec, poolSize, cycle }),
      mergeLabels(journal, state, { source: 'callback' }),
      last(undefined, { state }),
    ),
  ).then((merged) => merged.state);

// Cycle 0: a random initial labeled set.
const initial = Int32Array.from(sampleWithoutReplacement(budget, deriveSeed(seed, 'initial'))(poolSize));
let state = await label(createPoolState<number>(poolSize), { picks: initial, reserve: new Int32Array(0) }, 0);

for (let cycle = 1; cycle <= cycles; cycle++) {
  // retrain → evaluate
  const evaluation = await lastValueFrom(
    of(state).pipe(retrain(learner, { epochs, seed: deriveSeed(seed, 'fit', cycle) }), last(), evaluate(learner)),
  );
  console.log(
    `cycle ${cycle}: ${state.labeled.size} labels, ${evaluation.metricName} ${evaluation.metric.toFixed(3)}, rankingAccuracy ${evaluation.rankingAccuracy.toFixed(3)}`,
  );
  if (cycle === cycles) break;
  // sample subset → score in batches → rank with the custom scorer → top-K → oracle → merge
  const selection = await lastValueFrom(
    of(state).pipe(
      sampleSubset(subset, deriveSeed(seed, 'subset', cycle)),
      scoreInBatches(learner, 200),
      gatherScores(),
      rankBy(lossTimesEntropy, { count: budget, seed: deriveSeed(seed, 'select', cycle) }),
      takeTopK(budget),
    ),
  );
  state = await label(state, selection, cycle);
}

console.log(`journaled ${journal.entries.length} labels from the callback oracle`);
learner.dispose();
