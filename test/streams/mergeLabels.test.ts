import { describe, expect, it } from 'vitest';
import { of, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { JournalEntry, LabelJournal } from '../../src/store/labelJournal.ts';
import type { AlEvent } from '../../src/streams/events.ts';
import { mergeLabels } from '../../src/streams/mergeLabels.ts';
import { createPoolState } from '../../src/streams/poolState.ts';
import type { QueryEvent } from '../../src/streams/queryOracle.ts';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const now = () => new Date(0);
const returned = (id: number, label: number): QueryEvent<number> => ({ type: 'queryReturned', cycle: 2, id, attempt: 1, label });

describe('mergeLabels', () => {
  it('should journal each label before it enters the labeled set, and reject an id already labeled', () => {
    const log: string[] = [];
    const journal: LabelJournal<number> = { append: (e: JournalEntry<number>) => void log.push(`journal ${e.id}`) };
    scheduler().run(({ cold, expectObservable, flush }) => {
      const merged = cold('-a----b----c|', { a: returned(3, 1), b: returned(7, 0), c: returned(3, 2) }).pipe(
        mergeLabels(journal, createPoolState<number>(10, [[5, 1]]), { source: 'test', now }),
        tap(({ event, state }) => {
          if (event.type !== 'labelAccepted') return;
          // When a label is seen accepted, it is in the state and already journaled.
          expect(state.labeled.get(event.id)).toBe(event.label);
          expect(log).toContain(`journal ${event.id}`);
          log.push(`accepted ${event.id}`);
        }),
      );
      const events = (e: AlEvent<number>) => e;
      expectObservable(merged).toBe('-(pa)-(qb)-r|', {
        p: { event: events({ type: 'queryReturned', cycle: 2, id: 3, attempt: 1 }), state: expect.anything() },
        a: { event: { type: 'labelAccepted', cycle: 2, id: 3, label: 1, labeled: 2 }, state: expect.anything() },
        q: { event: { type: 'queryReturned', cycle: 2, id: 7, attempt: 1 }, state: expect.anything() },
        b: { event: { type: 'labelAccepted', cycle: 2, id: 7, label: 0, labeled: 3 }, state: expect.anything() },
        r: {
          event: { type: 'labelRejected', cycle: 2, id: 3, reason: 'duplicate answer for id 3: already labeled', answer: { id: 3, label: 2 } },
          state: expect.anything(),
        },
      });
      flush();
    });
    expect(log).toEqual(['journal 3', 'accepted 3', 'journal 7', 'accepted 7']);
  });

  it('should not merge a label whose journal write fails', () => {
    const journal: LabelJournal<number> = {
      append: () => {
        throw new Error('disk full');
      },
    };
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold('-a|', { a: returned(3, 1) }).pipe(mergeLabels(journal, createPoolState<number>(10), { source: 'test', now })),
      ).toBe('-#', undefined, new Error('disk full'));
    });
  });

  it('should keep state per subscription', () => {
    const entries: number[] = [];
    const journal: LabelJournal<number> = { append: (e) => void entries.push(e.id) };
    scheduler().run(({ cold, expectObservable }) => {
      const merged = cold('-(a|)', { a: returned(3, 1) }).pipe(mergeLabels(journal, createPoolState<number>(10), { source: 'test', now }));
      const accepted = { event: { type: 'labelAccepted', cycle: 2, id: 3, label: 1, labeled: 1 }, state: expect.anything() };
      const returnedEvent = { event: { type: 'queryReturned', cycle: 2, id: 3, attempt: 1 }, state: expect.anything() };
      // Two subscriptions each merge id 3 into their own state: no duplicate across them.
      expectObservable(merged).toBe('-(ra|)', { r: returnedEvent, a: accepted });
      expectObservable(merged).toBe('-(ra|)', { r: returnedEvent, a: accepted });
    });
    expect(entries).toEqual([3, 3]);
  });

  it('should journal a withdrawal and take the label out of the state, so the next answer is merged', () => {
    const log: string[] = [];
    const journal: LabelJournal<number> = {
      append: (e) => void log.push(`label ${e.id}=${e.label}`),
      withdraw: (e) => void log.push(`withdraw ${e.id}`),
    };
    const states: number[] = [];
    const withdrawn: QueryEvent<number> = { type: 'labelWithdrawn', cycle: 2, id: 3 };
    of(returned(3, 1), withdrawn, returned(3, 2))
      .pipe(mergeLabels(journal, createPoolState<number>(10), { source: 'test', now }))
      .subscribe(({ event, state }) => {
        if (event.type === 'labelWithdrawn' || event.type === 'labelAccepted') states.push(state.labeled.get(3) ?? -1);
      });
    expect(log).toEqual(['label 3=1', 'withdraw 3', 'label 3=2']);
    expect(states).toEqual([1, -1, 2]);
  });
});
