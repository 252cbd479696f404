// A user's script in a plain Node project that installed ll4al from its tarball: no tsx, no
// loader, only `node app.mjs`. Two cycles of learning loss on the embedded Fashion-MNIST subset,
// a callback oracle, two training threads and two scoring threads. Prints one JSON line.
import { lastValueFrom, toArray } from 'rxjs';
import { activeLearning, callbackOracle, createClassificationLearner, initBackend, loadDataset, memoryJournal, subsetOf } from 'll4al';
import { topK } from 'll4al/ops';

// Worker threads started (the training worker, the scoring workers) and fallback warnings.
let workers = 0;
const warnings = [];
process.on('worker', () => workers++);
process.on('warning', (w) => warnings.push(w.message));

const backend = await initBackend('wasm');
const full = await loadDataset({ kind: 'embedded' });
const first = (n) => Array.from({ length: n }, (_, i) => i);
const data = { ...full, train: subsetOf(full.train, first(400)), test: subsetOf(full.test, first(100)) };
const learner = createClassificationLearner({ data, model: 'small-cnn', seed: 3, scoreThreads: 2, trainer: { batchSize: 16, augment: false, trainThreads: 2 } });
let asked = 0;
const oracle = callbackOracle(async ({ id }) => {
  asked++;
  return data.train.labels[id];
});
const events = await lastValueFrom(
  activeLearning({ learner, strategy: 'learning-loss', oracle, journal: memoryJournal(), cycles: 2, initial: 40, budget: 20, subset: 100, epochs: 1, seed: 3 }).pipe(toArray()),
);
learner.dispose();
const rows = events.filter((e) => e.type === 'cycleFinished').map((e) => e.row);
await new Promise((resolve) => setImmediate(resolve)); // warnings arrive on a later tick
console.log(JSON.stringify({ backend: backend.name, asked, rows, workers, warnings, topK: topK(2)([0.1, 0.9, 0.5]) }));
