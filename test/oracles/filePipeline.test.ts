import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { fileOracle } from '../../src/oracles/fileOracle.ts';
import { memoryJournal } from '../../src/store/labelJournal.ts';
import { activeLearning } from '../../src/streams/activeLearning.ts';
import { createFakeLearner, fakeTruth } from '../support/fakeLearner.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('a run answered by a person through files', () => {
  it('should collect every label from appended answers and report the bad lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'll4al-person-'));
    dirs.push(dir);
    const queriesPath = join(dir, 'queries.jsonl');
    const answersPath = join(dir, 'answers.jsonl');
    const truth = fakeTruth(4);
    // The "person": reads new queries every few ms and appends answers, with some mistakes.
    let seen = 0;
    let mistakes = 0;
    const person = setInterval(() => {
      if (!existsSync(queriesPath)) return;
      const asked = readFileSync(queriesPath, 'utf8').split('\n').filter(Boolean).slice(seen);
      seen += asked.length;
      for (const line of asked) {
        const { id, attempt } = JSON.parse(line) as { id: number; attempt: number };
        if (attempt === 1 && id % 5 === 0 && mistakes < 6) {
          mistakes++;
          appendFileSync(answersPath, `{"id":${id},"label":42}\nthis is not json\n`);
          continue;
        }
        appendFileSync(answersPath, `{"id":${id},"label":${truth(id)}}\n`);
        if (id % 7 === 0) appendFileSync(answersPath, `{"id":${id},"label":${truth(id)}}\n`); // answered twice
      }
    }, 3);
    try {
      const journal = memoryJournal<number>();
      const events = await lastValueFrom(
        activeLearning({
          learner: createFakeLearner({ poolSize: 300 }),
          strategy: 'entropy',
          oracle: fileOracle({ queriesPath, answersPath, pollMs: 5 }),
          oracleName: 'file',
          journal,
          cycles: 2,
          initial: 20,
          budget: 20,
          subset: 100,
          epochs: 1,
          seed: 2,
          query: { backoffMs: 1 },
        }).pipe(toArray()),
      );
      expect(journal.entries).toHaveLength(40);
      expect(journal.entries.every((e) => e.label === truth(e.id) && e.source === 'file')).toBe(true);
      const rejected = events.flatMap((e) => (e.type === 'labelRejected' ? [e.reason] : []));
      expect(rejected.filter((r) => r.startsWith('out-of-range label 42'))).toHaveLength(mistakes);
      expect(rejected.some((r) => r.startsWith('malformed answer "this is not json"'))).toBe(true);
      expect(mistakes).toBeGreaterThan(0);
    } finally {
      clearInterval(person);
    }
  });
});
