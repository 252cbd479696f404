import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, of, Subject, take, throwError, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { callbackOracle } from '../../src/oracles/callbackOracle.ts';
import { fileOracle } from '../../src/oracles/fileOracle.ts';
import type { Query } from '../../src/oracles/oracle.ts';
import { simulatedOracle } from '../../src/oracles/simulatedOracle.ts';

const q = (id: number, attempt = 1): Query => ({ id, attempt, cycle: 1 });
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'll4al-oracle-'));
  dirs.push(dir);
  return dir;
};

describe('simulatedOracle', () => {
  it('should answer one query after another, delayMs each', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const queries = cold('(abc)', { a: q(1), b: q(2), c: q(3) });
      expectObservable(queries.pipe(simulatedOracle((id) => id * 10, { delayMs: 5 }))).toBe('5ms a 4ms b 4ms c', {
        a: { id: 1, label: 10 },
        b: { id: 2, label: 20 },
        c: { id: 3, label: 30 },
      });
    });
  });

  it('should fail about failureRate of the queries, the same ones for the same seed', async () => {
    const queries = Array.from({ length: 2000 }, (_, i) => q(i));
    const answer = (seed: number) => lastValueFrom(of(...queries).pipe(simulatedOracle((id) => id % 3, { failureRate: 0.3, seed }), toArray()));
    const a = await answer(1);
    const failures = a.filter((x) => 'error' in (x as object)).length;
    expect(failures / 2000).toBeGreaterThan(0.26);
    expect(failures / 2000).toBeLessThan(0.34);
    expect(await answer(1)).toEqual(a);
    expect(await answer(2)).not.toEqual(a);
  });
});

describe('callbackOracle', () => {
  it('should turn values, promises and observables into answers, and throws into errors', async () => {
    const oracle = callbackOracle(({ id }) => {
      if (id === 1) return 7;
      if (id === 2) return Promise.resolve(8);
      if (id === 3) return of(9);
      if (id === 4) return Promise.reject(new Error('offline'));
      if (id === 5) return throwError(() => new Error('nope'));
      throw new Error('boom');
    });
    const answers = await lastValueFrom(of(q(1), q(2), q(3), q(4), q(5), q(6)).pipe(oracle, toArray()));
    expect(answers).toEqual(
      expect.arrayContaining([
        { id: 1, label: 7 },
        { id: 2, label: 8 },
        { id: 3, label: 9 },
        { id: 4, error: 'offline' },
        { id: 5, error: 'nope' },
        { id: 6, error: 'boom' },
      ]),
    );
    expect(answers).toHaveLength(6);
  });
});

/** Waits for `condition` (polled every few ms), failing after 10 s of a stuck oracle, not on a slow machine. */
const until = async (condition: () => boolean): Promise<void> => {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 10_000) throw new Error('timed out waiting for the oracle');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('fileOracle', () => {
  it('should append queries and follow the answers file as it grows, waiting for a partial line to end', async () => {
    const dir = tempDir();
    const queriesPath = join(dir, 'queries.jsonl');
    const answersPath = join(dir, 'answers.jsonl');
    const queries = new Subject<Query>();
    const received: unknown[] = [];
    const subscription = queries.pipe(fileOracle({ queriesPath, answersPath, pollMs: 5 })).subscribe((a) => received.push(a));
    queries.next(q(4));
    queries.next(q(8));
    const asked = readFileSync(queriesPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Query);
    expect(asked.map((x) => x.id)).toEqual([4, 8]);
    appendFileSync(answersPath, '{"id":4,"label":1}\n{"id":8,"la');
    // The poll that delivers id 4 has read the partial line too: it must hold it back.
    await until(() => received.length >= 1);
    expect(received).toEqual([{ id: 4, label: 1 }]);
    appendFileSync(answersPath, 'bel":2}\nnot json\n');
    await until(() => received.length >= 3);
    expect(received).toEqual([{ id: 4, label: 1 }, { id: 8, label: 2 }, 'not json']);
    subscription.unsubscribe();
  });

  it('should use answers written while the run was down for ids queried again, and ignore the others', async () => {
    const dir = tempDir();
    const answersPath = join(dir, 'answers.jsonl');
    writeFileSync(answersPath, '{"id":1,"label":0}\n{"id":2,"label":1}\n');
    const queries = new Subject<Query>();
    const first = firstValueFrom(queries.pipe(fileOracle({ queriesPath: join(dir, 'q.jsonl'), answersPath, pollMs: 5 }), take(2), toArray()));
    await new Promise((r) => setTimeout(r, 30)); // the old lines are read before id 2 is asked
    queries.next(q(2));
    appendFileSync(answersPath, '{"id":7,"label":3}\n');
    expect(await first).toEqual([{ id: 2, label: 1 }, { id: 7, label: 3 }]);
    expect(existsSync(join(dir, 'q.jsonl'))).toBe(true);
  });
});
