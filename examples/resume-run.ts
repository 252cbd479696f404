/**
 * A run that survives a stop, from code: `runInDirectory` writes a run directory (config.json,
 * the label journal, checkpoints, results.json, the lock), the run is stopped in its second
 * cycle, just after that cycle's training — as a crash or Ctrl-C would stop it — and
 * `resumeRun` finishes it with a new learner, as a new process would. The labels journaled
 * before the stop are kept and not asked again; cycle 2's checkpoint is loaded, not trained
 * again; the run ends with the labels of an uninterrupted one.
 *
 *     npx tsx examples/resume-run.ts [--dir DIR] [--cycles 3] [--epochs 1] [--seed 1]
 *
 * Prints one line per cycle (`cycle 2: 80 labels, testAccuracy 0.412`), the stop, what the
 * resume found (`resumed at cycle 2 from 80 journaled labels (its checkpoint: loaded)`), and
 * `finished: 120 labels in DIR`. docs/reliability.md says what is promised.
 *
 * (It imports ll4al as a user does, from the package's sub-paths.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lastValueFrom, tap } from 'rxjs';
import { initBackend } from 'll4al/backend';
import { loadDataset, subsetOf } from 'll4al/data';
import { simulatedOracle } from 'll4al/oracles';
import { resumeRun, runInDirectory, type RunSpec } from 'll4al/run';
import { readResults } from 'll4al/store';
import type { AlEvent } from 'll4al/streams';
import { createClassificationLearner } from 'll4al/tasks';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    cycles: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
  },
});
const dir = values.dir ?? join(mkdtempSync(join(tmpdir(), 'll4al-resume-example-')), 'run');
const seed = Number(values.seed);

await initBackend();
const full = await loadDataset({ kind: 'embedded' });
const first = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const data = { ...full, train: subsetOf(full.train, first(1000)), test: subsetOf(full.test, first(300)) };
const newLearner = () => createClassificationLearner({ data, model: 'small-cnn', seed, trainer: { batchSize: 16, augment: false } });

// One description of the run, for the start and the resume alike (a resume must match it).
const spec = (learner: ReturnType<typeof newLearner>): RunSpec<number> => ({
  learner,
  strategy: 'learning-loss',
  oracle: simulatedOracle((id) => data.train.labels[id], { seed }),
  oracleName: 'simulated',
  cycles: Number(values.cycles),
  initial: 40,
  budget: 40,
  subset: 300,
  epochs: Number(values.epochs),
  seed,
  config: { data: 'embedded, first 1000 images' },
});

const show = (event: AlEvent<number>): void => {
  if (event.type === 'cycleFinished') console.log(`cycle ${event.row.cycle}: ${event.row.labeled} labels, testAccuracy ${event.row.metric.toFixed(3)}`);
  if (event.type === 'warning') console.log(`warning: ${event.message}`);
};

// Start, and stop once cycle 2 has trained (unsubscribing stops the run and releases the lock).
const learner = newLearner();
const trained: number[] = [];
await new Promise<void>((resolve, reject) => {
  const subscription = runInDirectory(dir, spec(learner)).subscribe({
    next: (event) => {
      show(event);
      if (event.type === 'epochTrained') trained.push(event.cycle);
      if (event.type === 'evaluated' && event.cycle === 2) {
        subscription.unsubscribe();
        resolve();
      }
    },
    error: reject,
  });
});
learner.dispose();
console.log(`stopped in cycle 2 after its training, with ${readResults(join(dir, 'results.json'))!.cycles.length} row(s) in ${dir}`);

// Resume with a new learner, as a new process would.
const again = newLearner();
const retrained: number[] = [];
await lastValueFrom(resumeRun(dir, spec(again)).pipe(tap(show), tap((e) => e.type === 'epochTrained' && retrained.push(e.cycle))));
again.dispose();
const results = readResults(join(dir, 'results.json'))!;
const resume = results.resumes![0]!;
console.log(`resumed at cycle ${resume.cycle} from ${resume.labels} journaled labels (its checkpoint: ${resume.checkpoint})`);
console.log(`cycles trained before the stop: ${[...new Set(trained)].join(', ')}; after it: ${[...new Set(retrained)].join(', ')}`);
console.log(`finished: ${results.cycles.at(-1)!.labeled} labels in ${dir}`);
