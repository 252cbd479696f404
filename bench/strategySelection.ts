/**
 * `npx tsx bench/strategySelection.ts [--subset 10000] [--budget 1000] [--labeled 1000] [--strategies a,b]`:
 * the selection time of every built-in strategy on synthetic scores of the paper's cycle shape
 * (subset M = 10,000 candidates, budget K = 1,000, plus K reserves as a run ranks them; 1,000
 * labeled for the strategies that read the labeled set; 10 classes, 128-wide embeddings, 10 MC
 * passes). Scoring is not included: only the strategy's `select` (and `scorer`, as rankBy calls it).
 */
import { firstValueFrom, of } from 'rxjs';
import { Rng } from '../src/ops/random.ts';
import { rankBy } from '../src/streams/rankBy.ts';
import { strategies, strategyNames } from '../src/streams/strategies.ts';
import type { ScoredBatch } from '../src/tasks/learner.ts';

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
};

/** n candidates: softmax of normal logits, ReLU'd normal embeddings, normal l̂, MC passes around the logits. */
const synthetic = (n: number, seed: number, classes = 10, dim = 128, passes = 10): ScoredBatch => {
  const rng = new Rng(seed);
  const probabilities = new Float32Array(n * classes);
  const mc = new Float32Array(n * passes * classes);
  const logits = new Float64Array(classes);
  const softmaxInto = (out: Float32Array, at: number, noise: number) => {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[c] + (noise > 0 ? rng.normal(0, noise) : 0));
    for (let c = 0; c < classes; c++) out[at + c] = Math.exp(logits[c]) / sum;
  };
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < classes; c++) logits[c] = rng.normal(0, 2);
    softmaxInto(probabilities, i * classes, 0);
    for (let t = 0; t < passes; t++) softmaxInto(mc, (i * passes + t) * classes, 0.5);
  }
  return {
    ids: Int32Array.from({ length: n }, (_, i) => i),
    predictedLoss: Float32Array.from({ length: n }, () => rng.normal()),
    probabilities: { values: probabilities, width: classes },
    embeddings: { values: Float32Array.from({ length: n * dim }, () => Math.max(0, rng.normal(0.3, 1))), width: dim },
    mcSamples: { values: mc, width: passes * classes },
  };
};

const subset = Number(arg('subset', '10000'));
const budget = Number(arg('budget', '1000'));
const labeledCount = Number(arg('labeled', '1000'));
const names = arg('strategies', strategyNames.join(',')).split(',');
const candidates = synthetic(subset, 1);
const labeled = synthetic(labeledCount, 2);
console.log(`selection time, subset ${subset}, budget ${budget} (+${budget} reserves ranked), ${labeledCount} labeled, 10 classes, 128-d embeddings, 10 MC passes; one run each`);
for (const name of names) {
  const strategy = strategies[name];
  if (strategy === undefined) throw new Error(`unknown strategy ${name}`);
  const start = performance.now();
  const ranking = await firstValueFrom(
    of(candidates).pipe(rankBy(strategy, { count: 2 * budget, budget, seed: 7, ...(strategy.needsLabeledScores ? { labeled } : {}) })),
  );
  const seconds = (performance.now() - start) / 1000;
  if (ranking.ids.length !== 2 * budget) throw new Error(`${name} ranked ${ranking.ids.length}`);
  console.log(`${name.padEnd(22)} ${seconds.toFixed(2)} s`);
}
