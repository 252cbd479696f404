import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { LabelQueue, type Lease } from '../../src/oracles/browser/labelQueue.ts';

const SESSIONS = ['page-a', 'page-b', 'page-c'] as const;
const session = fc.constantFrom(...SESSIONS);
/** What pages do, in any order: lease, answer or release a held lease, undo, renew, wait. */
const op = fc.oneof(
  fc.record({ kind: fc.constant('lease' as const), session }),
  fc.record({ kind: fc.constant('answer' as const), session, which: fc.nat(3), label: fc.nat(2) }),
  fc.record({ kind: fc.constant('release' as const), session, which: fc.nat(3) }),
  fc.record({ kind: fc.constant('undo' as const), session }),
  fc.record({ kind: fc.constant('renew' as const), session }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 1500 }) }),
);

describe('LabelQueue', () => {
  test.prop([fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 60 })])(
    'should never lease one item to two pages at once, nor take two annotations of one item from one page',
    (items, perItem, ops) => {
      const clock = { now: 0 };
      const queue = new LabelQueue({ leaseMs: 1000, annotationsPerItem: perItem, now: () => clock.now });
      for (let id = 0; id < items; id++) queue.add(id, 1);
      /** The model: each item's annotations by session, and whether it was sent. */
      const annotations = new Map<number, Map<string, number>>();
      const sent = new Set<number>();
      for (const o of ops) {
        if (o.kind === 'wait') clock.now += o.ms;
        else if (o.kind === 'lease') {
          const lease = queue.lease(o.session);
          if (lease) {
            expect(sent.has(lease.id)).toBe(false);
            expect(annotations.get(lease.id)?.has(o.session) ?? false).toBe(false);
          }
        } else if (o.kind === 'answer' || o.kind === 'release') {
          const held = queue.leasesOf(o.session);
          const lease: Lease | undefined = held[o.which % Math.max(1, held.length)];
          if (!lease) continue;
          if (o.kind === 'release') {
            queue.release(o.session, [lease.lease]);
            continue;
          }
          const checked = queue.check(o.session, lease.lease, lease.id);
          expect('status' in checked).toBe(false);
          const result = queue.annotate(lease, o.label);
          const mine = annotations.get(lease.id) ?? new Map<string, number>();
          mine.set(o.session, o.label);
          annotations.set(lease.id, mine);
          expect(result.complete).toBe(mine.size >= perItem);
          if (result.complete) {
            sent.add(lease.id);
            expect(new Set(result.annotations.map((a) => a.session)).size).toBe(result.annotations.length);
          }
        } else if (o.kind === 'undo') {
          const undone = queue.undo(o.session);
          if ('status' in undone) continue;
          expect(annotations.get(undone.id)?.has(o.session)).toBe(true);
          expect(sent.has(undone.id)).toBe(undone.wasAnswered);
          annotations.get(undone.id)!.delete(o.session);
          sent.delete(undone.id);
        } else {
          queue.renew(o.session, queue.leasesOf(o.session).map((l) => l.lease));
        }
        // The invariant after every step: each item is held by at most one page.
        const holders = new Map<number, string>();
        for (const s of SESSIONS) {
          for (const l of queue.leasesOf(s)) {
            expect(holders.has(l.id)).toBe(false);
            holders.set(l.id, s);
          }
        }
        expect(queue.answeredCount()).toBe(sent.size);
      }
    },
  );
});
