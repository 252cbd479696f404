/**
 * A custom active-learning cycle re-arranged from ll4al's stage operators, with a scorer of
 * your own (predicted loss × entropy), a stage of your own (the labeled set's class balance),
 * and an oracle that is a plain callback.
 *
 *     npx tsx examples/custom-pipeline.ts [--cycles 3] [--epochs 3] [--pool 1000] [--seed 1]
 *
 * Tiny on purpose (1,000 pool and 300 test images of the embedded Fashion-MNIST subset, 40
 * labels per cycle, small CNN): well under a minute on 2 busy cores. Prints per cycle
 * `cycle 1: 40 labels, testAccuracy 0.512, rankingAccuracy 0.601` and, after each query,
 * `labeled per class: 9 8 …`.
 * (It imports ll4al as a user does; in a clone the package's exports resolve to the built dist/.)
 */
import { parseArgs } from 'node:util';
import { of, pipe } from 'rxjs';
import { initBackend } from 'll4al/backend';
import { loadDataset, subsetOf } from 'll4al/data';
import { InputError } from 'll4al';
import { callbackOracle } from 'll4al/oracles';
import { memoryJournal } from 'll4al/store';
import {
  byScore, createPoolState, drawInitial, entropyScorer, finishCycle, labelSelection, onState, predictedLossScorer,
  repeatCycles, selectQueries, startCycle, stateStep, toEvents, trainAndEvaluate, type Stage,
} from 'll4al/streams';
import { createClassificationLearner } from 'll4al/tasks';

const { values: flags } = parseArgs({
  options: { cycles: { type: 'string', default: '3' }, epochs: { type: 'string', default: '3' }, pool: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } },
});
const count = (name: 'cycles' | 'epochs' | 'pool' | 'seed', min: number): number => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) throw new InputError(`--${name}: expected an integer ≥ ${min}, got '${flags[name]}'`);
  return n;
};
const [cycles, epochs, poolSize, seed] = [count('cycles', 1), count('epochs', 1), count('pool', 500), count('seed', 0)];
const budget = 40; // labels asked per cycle (and the size of the initial random set)

await initBackend(); // native TensorFlow when installed, else the embedded wasm backend
const full = await loadDataset({ kind: 'embedded' });
const first = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const data = { ...full, train: subsetOf(full.train, first(poolSize)), test: subsetOf(full.test, first(300)) };
const learner = createClassificationLearner({ data, model: 'small-cnn', seed, trainer: { batchSize: 16, augment: false } });

// The oracle: any function from a query to a label (a value, a Promise or an Observable).
const oracle = callbackOracle(async ({ id }) => data.train.labels[id]);
const journal = memoryJournal<number>();

// A strategy of your own: softplus(l̂) × entropy, top-K. It reads probabilities, so it says so.
const softplus = (x: number): number => (x > 20 ? x : Math.log1p(Math.exp(x)));
const lossTimesEntropy = byScore(
  'loss-times-entropy',
  (candidates) => {
    const entropy = entropyScorer(candidates);
    return predictedLossScorer(candidates).map((l, i) => softplus(l) * entropy[i]!);
  },
  ['probabilities'],
);

// A stage of your own: reads the explicit pool state, emits nothing, passes the state on.
const printClassBalance: Stage<number> = onState((state) => {
  const perClass = new Array<number>(data.train.classes).fill(0);
  for (const label of state.pool.labeled.values()) perClass[label]!++;
  console.log(`labeled per class: ${perClass.join(' ')}`);
  return of(stateStep(state));
});

// The stages, re-arranged: initial set → (train → evaluate → score → rank → label → your stage → row) per cycle.
const label = labelSelection(oracle, journal, { labelCodec: learner.labelCodec, source: 'callback' });
const run = of(startCycle(0, createPoolState<number>(poolSize))).pipe(
  drawInitial({ initial: budget, seed }),
  label,
  repeatCycles({ last: cycles }, (cycle) =>
    pipe(
      trainAndEvaluate(learner, { epochs, seed }),
      cycle < cycles ? pipe(selectQueries(learner, lossTimesEntropy, { budget, subset: 400, seed, scoreBatchSize: 200 }), label, printClassBalance) : (steps) => steps,
      finishCycle(),
    ),
  ),
  toEvents(),
);

run.subscribe({
  next: (event) => {
    if (event.type !== 'cycleFinished') return;
    const { row } = event;
    console.log(`cycle ${row.cycle}: ${row.labeled} labels, ${row.metricName} ${row.metric.toFixed(3)}, rankingAccuracy ${row.rankingAccuracy.toFixed(3)}`);
  },
  complete: () => {
    console.log(`journaled ${journal.entries.length} labels from the callback oracle`);
    learner.dispose();
  },
});
