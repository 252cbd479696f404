import { describe, expect, it } from 'vitest';
import { map, mergeMap, NEVER, of, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import * as t from 'io-ts';
import type { Oracle } from '../../src/oracles/oracle.ts';
import { queryOracle, type QueryEvent } from '../../src/streams/queryOracle.ts';
import type { Selection } from '../../src/streams/takeTopK.ts';

const labelCodec = new t.Type<number, unknown, unknown>(
  'Class4',
  (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0 && u < 4,
  (u, c) => (typeof u === 'number' && Number.isInteger(u) && u >= 0 && u < 4 ? t.success(u) : t.failure(u, c)),
  t.identity,
);
const options = { labelCodec, poolSize: 100, cycle: 1 };
const selection = (picks: number[], reserve: number[] = []): Selection => ({ picks: Int32Array.from(picks), reserve: Int32Array.from(reserve) });
const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const returned = (id: number, attempt = 1): QueryEvent<number> => ({ type: 'queryReturned', cycle: 1, id, attempt, label: id % 4 });
const failed = (id: number, attempt: number, reason: string, final = false): QueryEvent<number> => ({
  type: 'queryFailed',
  cycle: 1,
  id,
  attempt,
  reason,
  final,
});

describe('queryOracle', () => {
  it('should retry a failed query after its backoff and complete once the budget is answered', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const oracle: Oracle = (queries) =>
        queries.pipe(
          mergeMap((q) => timer(10).pipe(map(() => (q.id === 2 && q.attempt === 1 ? { id: 2, error: 'busy' } : { id: q.id, label: q.id % 4 })))),
        );
      const source = cold('(a|)', { a: selection([1, 2, 3]) });
      expectObservable(source.pipe(queryOracle(oracle, { ...options, backoffMs: 5 }))).toBe('10ms (abc) 10ms (d|)', {
        a: returned(1),
        b: failed(2, 1, 'busy'),
        c: returned(3),
        d: returned(2, 2),
      });
    });
  });

  it('should double the backoff at each attempt', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // Fails attempts 1 and 2 at once; attempt 3 answers at once.
      const oracle: Oracle = (queries) => queries.pipe(map((q) => (q.attempt < 3 ? { id: q.id, error: 'no' } : { id: q.id, label: 1 })));
      expectObservable(cold('(a|)', { a: selection([5]) }).pipe(queryOracle(oracle, { ...options, backoffMs: 4 }))).toBe('a 3ms b 7ms (c|)', {
        a: failed(5, 1, 'no'),
        b: failed(5, 2, 'no'),
        c: { type: 'queryReturned', cycle: 1, id: 5, attempt: 3, label: 1 },
      });
    });
  });

  it('should fail a query that gets no answer within the timeout, then retry it', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const oracle: Oracle = (queries) => queries.pipe(mergeMap((q) => (q.attempt === 1 ? NEVER : timer(1).pipe(map(() => ({ id: q.id, label: 1 }))))));
      expectObservable(cold('(a|)', { a: selection([5]) }).pipe(queryOracle(oracle, { ...options, timeoutMs: 20, backoffMs: 5 }))).toBe('20ms a 5ms (b|)', {
        a: failed(5, 1, 'no answer within 20 ms'),
        b: { type: 'queryReturned', cycle: 1, id: 5, attempt: 2, label: 1 },
      });
    });
  });

  it('should give a query up after maxAttempts and ask the next-ranked candidate instead', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const oracle: Oracle = (queries) =>
        queries.pipe(mergeMap((q) => timer(1).pipe(map(() => (q.id === 1 ? { id: 1, error: 'cannot tell' } : { id: q.id, label: q.id % 4 })))));
      expectObservable(cold('(a|)', { a: selection([1, 2], [3, 4]) }).pipe(queryOracle(oracle, { ...options, maxAttempts: 2, backoffMs: 4 }))).toBe(
        '- (ab) 1ms c (d|)',
        { a: failed(1, 1, 'cannot tell'), b: returned(2), c: failed(1, 2, 'cannot tell', true), d: returned(3) },
      );
    });
  });

  it('should reject malformed, unknown, out-of-range and duplicate answers, and give back what the oracle never answered', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const answers = cold('-a-b-c----d-e|', {
        a: 'not json',
        b: { id: 99999, label: 1 },
        c: { id: 1, label: 9 },
        d: { id: 2, label: 2 },
        e: { id: 2, label: 2 },
      });
      const oracle: Oracle = () => answers;
      const rejected = (id: number | null, reason: string, answer: unknown): QueryEvent<number> => ({ type: 'labelRejected', cycle: 1, id, reason, answer });
      expectObservable(cold('(a|)', { a: selection([1, 2]) }).pipe(queryOracle(oracle, { ...options, backoffMs: 100 }))).toBe('-a-b-(cf) 1ms d-e(g|)', {
        a: rejected(null, 'malformed answer "not json": expected {"id": integer, "label": …}', 'not json'),
        b: rejected(99999, 'unknown id 99999: outside the pool of 100', { id: 99999, label: 1 }),
        c: rejected(1, 'out-of-range label 9 for id 1', { id: 1, label: 9 }),
        f: failed(1, 1, 'rejected label'),
        d: returned(2),
        e: rejected(2, 'duplicate answer for id 2', { id: 2, label: 2 }),
        g: failed(1, 1, 'the oracle completed without answering', true),
      });
    });
  });

  it('should stop asking when unsubscribed', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const oracle: Oracle = (queries) => queries.pipe(mergeMap((q) => timer(10 * q.id).pipe(map(() => ({ id: q.id, label: 1 })))));
      expectObservable(cold('(a|)', { a: selection([1, 2, 3]) }).pipe(queryOracle(oracle, options)), '^ 25ms !').toBe('10ms a 9ms b', {
        a: { type: 'queryReturned', cycle: 1, id: 1, attempt: 1, label: 1 },
        b: { type: 'queryReturned', cycle: 1, id: 2, attempt: 1, label: 1 },
      });
    });
  });

  it('should work with an oracle that answers synchronously', () => {
    const oracle: Oracle = (queries) => queries.pipe(map((q) => ({ id: q.id, label: q.id % 4 })));
    const events: QueryEvent<number>[] = [];
    of(selection([1, 2, 3])).pipe(queryOracle(oracle, options)).subscribe((e) => events.push(e));
    expect(events).toEqual([returned(1), returned(2), returned(3)]);
  });

  it('should give a skipped query up at once and ask the next reserve candidate', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const oracle: Oracle = (queries) =>
        queries.pipe(mergeMap((q) => timer(q.id === 2 ? 10 : 2).pipe(map(() => (q.id === 1 ? { id: 1, skip: true } : { id: q.id, label: q.id % 4 })))));
      expectObservable(cold('(a|)', { a: selection([1, 2], [9]) }).pipe(queryOracle(oracle, { ...options, maxAttempts: 4 }))).toBe('2ms a 1ms b 5ms (c|)', {
        a: failed(1, 1, 'skipped', true),
        b: returned(9),
        c: returned(2),
      });
    });
  });

  it('should reopen a withdrawn answer and take the next answer for it, and reject a withdrawal of an id not answered', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // id 1 is answered 1, withdrawn, then answered 3; id 2 is withdrawn before any answer.
      const answers = cold('-a-b-c-d', { a: { id: 1, label: 1 }, b: { id: 2, withdraw: true }, c: { id: 1, withdraw: true }, d: { id: 1, label: 3 } });
      const oracle: Oracle = () => answers;
      // id 5 never answers, so the round stays open.
      expectObservable(cold('(a|)', { a: selection([1, 5]) }).pipe(queryOracle(oracle, options))).toBe('-a-b-c-d', {
        a: { type: 'queryReturned', cycle: 1, id: 1, attempt: 1, label: 1 },
        b: { type: 'labelRejected', cycle: 1, id: 2, reason: 'withdrawal for id 2: it has no answer in this round', answer: { id: 2, withdraw: true } },
        c: { type: 'labelWithdrawn', cycle: 1, id: 1 },
        d: { type: 'queryReturned', cycle: 1, id: 1, attempt: 1, label: 3 },
      });
    });
  });
});
