import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as t from 'io-ts';
import { InputError } from '../../src/inputError.ts';
import * as nodeFs from 'node:fs';
import type { DurableFs } from '../../src/store/durableFs.ts';
import { StorageError } from '../../src/store/durableFs.ts';
import { openFileJournal, readJournal, repairJournalTail } from '../../src/store/labelJournal.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'll4al-journal-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const entry = (id: number, label: number, cycle = 1) => ({ id, label, cycle, source: 'test', time: '2026-01-01T00:00:00.000Z' });

describe('label journal', () => {
  it('should write one JSON line per label, on disk when append returns', () => {
    const path = join(tempDir(), 'labels.jsonl');
    const journal = openFileJournal(path, t.number);
    journal.append(entry(4, 2));
    // Read by another handle before close: the line is already there.
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(entry(4, 2))}\n`);
    journal.append(entry(9, 0, 2));
    journal.close();
    expect(readJournal(path, t.number).entries).toEqual([entry(4, 2), entry(9, 0, 2)]);
  });

  it('should skip a torn last line with a warning, and cut it off before appending again', () => {
    const path = join(tempDir(), 'labels.jsonl');
    writeFileSync(path, `${JSON.stringify(entry(1, 1))}\n${JSON.stringify(entry(2, 0))}\n{"id":3,"la`);
    const read = readJournal(path, t.number);
    expect(read.entries.map((e) => e.id)).toEqual([1, 2]);
    expect(read.warnings).toHaveLength(1);
    expect(read.warnings[0]).toContain('torn last line');
    expect(repairJournalTail(path)).toBe('{"id":3,"la'.length);
    const journal = openFileJournal(path, t.number);
    journal.append(entry(3, 1));
    journal.close();
    expect(readJournal(path, t.number)).toEqual({ entries: [entry(1, 1), entry(2, 0), entry(3, 1)], warnings: [] });
  });

  it('should refuse a corrupt line that is not the last, naming the file and line', () => {
    const path = join(tempDir(), 'labels.jsonl');
    writeFileSync(path, `${JSON.stringify(entry(1, 1))}\ngarbage\n${JSON.stringify(entry(2, 0))}\n`);
    expect(() => readJournal(path, t.number)).toThrow(InputError);
    expect(() => readJournal(path, t.number)).toThrow(`${path}:2: not valid JSON`);
  });

  it('should keep the first label of an id journaled twice, with a warning', () => {
    const path = join(tempDir(), 'labels.jsonl');
    appendFileSync(path, `${JSON.stringify(entry(1, 1))}\n${JSON.stringify(entry(1, 3))}\n`);
    const read = readJournal(path, t.number);
    expect(read.entries).toEqual([entry(1, 1)]);
    expect(read.warnings[0]).toContain('id 1 is journaled twice');
  });

  it('should read a missing journal as empty', () => {
    expect(readJournal(join(tempDir(), 'none.jsonl'), t.number)).toEqual({ entries: [], warnings: [] });
  });

  it('should read a withdrawn label as gone, and the label after the withdrawal as the one that counts', () => {
    const path = join(tempDir(), 'labels.jsonl');
    const journal = openFileJournal(path, t.number);
    journal.append(entry(4, 2));
    journal.append(entry(7, 1));
    journal.withdraw!({ id: 4, cycle: 1, source: 'test', time: '2026-01-01T00:00:01.000Z' });
    expect(readJournal(path, t.number).entries).toEqual([entry(7, 1)]);
    journal.append(entry(4, 0));
    journal.close();
    const read = readJournal(path, t.number);
    expect(read.entries).toEqual([entry(7, 1), entry(4, 0)]);
    expect(read.warnings).toEqual([]);
    expect(readFileSync(path, 'utf8').split('\n')[2]).toBe('{"id":4,"withdrawn":true,"cycle":1,"source":"test","time":"2026-01-01T00:00:01.000Z"}');
  });

  it('should skip a last line without its newline even when it parses: it was never acknowledged', () => {
    const path = join(tempDir(), 'labels.jsonl');
    writeFileSync(path, `${JSON.stringify(entry(1, 1))}\n${JSON.stringify(entry(2, 0))}`);
    const read = readJournal(path, t.number);
    expect(read.entries.map((e) => e.id)).toEqual([1]);
    expect(read.warnings[0]).toContain(':2: skipped a torn last line');
    expect(repairJournalTail(path)).toBe(JSON.stringify(entry(2, 0)).length);
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(entry(1, 1))}\n`);
  });

  it('should name the line of an id outside the pool', () => {
    const path = join(tempDir(), 'labels.jsonl');
    writeFileSync(path, `${JSON.stringify(entry(1, 1))}\n${JSON.stringify(entry(12, 0))}\n`);
    expect(() => readJournal(path, t.number, { poolSize: 10 })).toThrow(`${path}:2: id 12 is outside the pool of 10 items (0 … 9)`);
  });

  it('should cut a line the disk took only in part, refuse further appends, and name the id', () => {
    const path = join(tempDir(), 'labels.jsonl');
    let writes = 0;
    // The second write takes 10 bytes, then the disk is full.
    const fullDisk: DurableFs = {
      ...nodeFs,
      writeSync: ((fd: number, buffer: Uint8Array, offset: number, length: number) => {
        writes++;
        if (writes === 2) return nodeFs.writeSync(fd, buffer, offset, Math.min(10, length));
        if (writes === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return nodeFs.writeSync(fd, buffer, offset, length);
      }) as DurableFs['writeSync'],
    };
    const journal = openFileJournal(path, t.number, fullDisk);
    journal.append(entry(1, 1));
    expect(() => journal.append(entry(2, 0))).toThrow(StorageError);
    expect(() => journal.append(entry(3, 0))).toThrow(`cannot append to ${path} (ENOSPC: no space left on device): the answer for id 2 was not merged`);
    journal.close();
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(entry(1, 1))}\n`);
  });
});
