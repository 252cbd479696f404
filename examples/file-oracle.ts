/**
 * A person as the oracle: the run appends its queries to a file and waits for answers that
 * the person appends, one JSON line each, to another file; every accepted label is journaled
 * (fsynced) before it joins the labeled set.
 *
 *     npx tsx examples/file-oracle.ts                # you answer (see the instructions it prints)
 *     npx tsx examples/file-oracle.ts --auto         # a simulated person answers: finishes by itself
 *     LL4AL_EXAMPLE_AUTO=1 npx tsx examples/file-oracle.ts   # the same
 *     flags: [--dir DIR] [--cycles 2] [--epochs 2] [--delay 200 (ms per auto answer)]
 *
 * Sizes are tiny on purpose (500 pool images and 200 test images of the embedded
 * Fashion-MNIST subset, 20 initial labels, 10 per cycle, 2 cycles): with --auto it runs in
 * well under a minute on 2 busy cores. Without --auto it waits for you as long as you like.
 * The CLI does the same with crash-safe resume: `ll4al run --oracle file --out DIR`.
 *
 * (It imports ll4al as a user does; in a clone the package's exports resolve to the built dist/.)
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lastValueFrom, tap } from 'rxjs';
import { initBackend } from 'll4al/backend';
import { loadDataset, subsetOf } from 'll4al/data';
import type { ImageSet } from 'll4al/data';
import { InputError } from 'll4al';
import { fileOracle, type Oracle } from 'll4al/oracles';
import { openFileJournal, readJournal } from 'll4al/store';
import { activeLearning } from 'll4al/streams';
import { createClassificationLearner } from 'll4al/tasks';

const { values: flags } = parseArgs({
  options: {
    auto: { type: 'boolean', default: false },
    dir: { type: 'string' },
    cycles: { type: 'string', default: '2' },
    epochs: { type: 'string', default: '2' },
    delay: { type: 'string', default: '200' },
  },
});
const count = (name: 'cycles' | 'epochs' | 'delay', min: number): number => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) throw new InputError(`--${name}: expected an integer ≥ ${min}, got '${flags[name]}'`);
  return n;
};
const auto = flags.auto || process.env['LL4AL_EXAMPLE_AUTO'] === '1';
const cycles = count('cycles', 1);
const epochs = count('epochs', 1);
const delayMs = count('delay', 0);
const dir = flags.dir ?? mkdtempSync(join(tmpdir(), 'll4al-file-oracle-'));
mkdirSync(dir, { recursive: true });
const queriesPath = join(dir, 'queries.jsonl');
const answersPath = join(dir, 'answers.jsonl');
const journalPath = join(dir, 'labels.jsonl');
if (existsSync(journalPath)) {
  throw new InputError(`--dir: ${journalPath} already exists; this example starts a fresh run (choose a new --dir; \`ll4al resume DIR\` continues a CLI run)`);
}

await initBackend();
const full = await loadDataset({ kind: 'embedded' });
const first = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const data = { ...full, train: subsetOf(full.train, first(500)), test: subsetOf(full.test, first(200)) };
const learner = createClassificationLearner({ data, model: 'small-cnn', seed: 1, trainer: { batchSize: 16, augment: false } });
const classes = (data.train.classNames ?? []).map((name, i) => `${i} ${name}`).join(', ');

console.log(`Queries are appended to ${queriesPath}  (one line each: {"id":…,"attempt":…,"cycle":…,"time":…})`);
console.log(`Answer each one by appending a line to ${answersPath}, exactly:`);
console.log(`    {"id": 123, "label": 4}`);
console.log(`  e.g.  echo '{"id": 123, "label": 4}' >> ${answersPath}`);
console.log(`  label = the class index: ${classes}`);
console.log(`  (a query you cannot answer: {"id": 123, "error": "blurry"}; it is asked again, then replaced)`);
console.log(`Accepted labels are journaled to ${journalPath}`);

/** The image of pool item `id` in 14×14 characters, for the person to look at. */
const preview = (set: ImageSet, id: number): string => {
  const shades = ' .:-=+*#%@';
  const rows: string[] = [];
  for (let y = 0; y < set.height; y += 2) {
    let row = '';
    for (let x = 0; x < set.width; x += 2) row += shades[Math.floor((set.pixels[id * set.height * set.width + y * set.width + x] / 256) * shades.length)];
    rows.push(`    |${row}|`);
  }
  return rows.join('\n');
};

/** An oracle that also shows each query on the terminal: oracles are operators, so they compose. */
const showingQueries =
  (oracle: Oracle): Oracle =>
  (queries) =>
    oracle(queries.pipe(tap((q) => console.log(`query: id ${q.id} (cycle ${q.cycle}, attempt ${q.attempt})\n${preview(data.train, q.id)}`))));

/**
 * The --auto person: follows the queries file and appends each answer after `delayMs`, from
 * the held-back labels. Its very first answer is a typo (label 42), to show that a bad line is
 * reported, asked again and never reaches the labeled set.
 * @returns a function that stops it
 */
const simulatedPerson = (): (() => void) => {
  let linesDone = 0;
  let typoMade = false;
  const pending = new Set<NodeJS.Timeout>();
  const poll = setInterval(() => {
    if (!existsSync(queriesPath)) return;
    const lines = readFileSync(queriesPath, 'utf8').split('\n').slice(0, -1); // complete lines only
    for (const line of lines.slice(linesDone)) {
      const { id } = JSON.parse(line) as { id: number };
      const label = typoMade ? data.train.labels[id] : 42;
      typoMade = true;
      const answer = setTimeout(() => {
        pending.delete(answer);
        appendFileSync(answersPath, `${JSON.stringify({ id, label })}\n`);
      }, delayMs);
      pending.add(answer);
    }
    linesDone = lines.length;
  }, 50);
  return () => {
    clearInterval(poll);
    for (const answer of pending) clearTimeout(answer);
  };
};

const stopPerson = auto ? simulatedPerson() : () => {};
const journal = openFileJournal(journalPath, learner.labelCodec);
if (!auto) console.log('Waiting for your answers (Ctrl-C stops; labels already journaled stay in the journal)…');

try {
  await lastValueFrom(
    activeLearning({
      learner,
      strategy: 'learning-loss',
      oracle: auto ? fileOracle({ queriesPath, answersPath, pollMs: 50 }) : showingQueries(fileOracle({ queriesPath, answersPath })),
      oracleName: 'file',
      journal,
      cycles,
      initial: 20,
      budget: 10,
      subset: 200,
      epochs,
      seed: 1,
      query: { timeoutMs: 0 }, // a person may take as long as they like
    }).pipe(
      tap((event) => {
        if (event.type === 'selected') console.log(`cycle ${event.cycle}: ${event.ids.length} queries written to ${queriesPath}`);
        if (event.type === 'labelRejected') console.log(`rejected: ${event.reason}`);
        if (event.type === 'cycleFinished') {
          const { row } = event;
          console.log(`cycle ${row.cycle}: ${row.labeled} labels, ${row.metricName} ${row.metric.toFixed(3)}, rankingAccuracy ${row.rankingAccuracy.toFixed(3)}`);
        }
      }),
    ),
  );
} finally {
  stopPerson();
  journal.close();
  learner.dispose();
}

const { entries } = readJournal(journalPath, learner.labelCodec);
console.log(`journaled ${entries.length} labels in ${journalPath}`);
