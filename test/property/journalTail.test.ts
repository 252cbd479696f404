/**
 * Properties of the label journal's crash repair: whatever byte a crash cuts the last append
 * at, a resume keeps exactly the lines written before it and the next append is whole.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as t from 'io-ts';
import { openFileJournal, readJournal, repairJournalTail } from '../../src/store/labelJournal.ts';

const work = mkdtempSync(join(tmpdir(), 'll4al-journal-prop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let files = 0;

const entryArb = fc.record({
  id: fc.integer({ min: 0, max: 10_000 }),
  label: fc.integer({ min: 0, max: 9 }),
  cycle: fc.integer({ min: 0, max: 5 }),
  source: fc.constantFrom('simulated', 'file', 'person with a long name, ünïcode'),
  time: fc.constant('2026-12-01T00:00:00.000Z'),
});
const journalArb = fc.uniqueArray(entryArb, { selector: (e) => e.id, minLength: 1, maxLength: 12 });

describe('label journal after a crash', () => {
  test.prop([journalArb, fc.double({ min: 0, max: 1, noNaN: true }), entryArb])(
    'should keep exactly the lines written before a cut anywhere in the last append, and append whole after the repair',
    (entries, where, next) => {
      const path = join(work, `labels-${files++}.jsonl`);
      const lines = entries.map((e) => `${JSON.stringify(e)}\n`);
      const last = Buffer.from(lines.at(-1)!, 'utf8');
      // The crash wrote `cut` bytes of the last line: 0 … all but its newline.
      const cut = Math.floor(where * (last.length - 1));
      writeFileSync(path, lines.slice(0, -1).join(''));
      appendFileSync(path, last.subarray(0, cut));
      const read = readJournal(path, t.number);
      expect(read.entries).toEqual(entries.slice(0, -1));
      expect(read.warnings).toHaveLength(cut > 0 ? 1 : 0);
      expect(repairJournalTail(path)).toBe(cut);
      const journal = openFileJournal(path, t.number);
      const fresh = { ...next, id: 10_001 };
      journal.append(fresh);
      journal.close();
      expect(readJournal(path, t.number)).toEqual({ entries: [...entries.slice(0, -1), fresh], warnings: [] });
      expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
    },
  );
});
