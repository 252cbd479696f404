import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as t from 'io-ts';
import { of, type Subscription } from 'rxjs';
import type { FastifyInstance } from 'fastify';
import { imageSetItemImage } from '../../src/oracles/browser/itemImage.ts';
import { browserOracle, type BrowserOracle, type BrowserOracleOptions } from '../../src/oracles/browserOracle.ts';
import { memoryJournal, type MemoryJournal } from '../../src/store/labelJournal.ts';
import type { AlEvent } from '../../src/streams/events.ts';
import { mergeLabels } from '../../src/streams/mergeLabels.ts';
import { createPoolState } from '../../src/streams/poolState.ts';
import { queryOracle } from '../../src/streams/queryOracle.ts';

const CLASSES = 4;
const POOL = 40;
const classCodec = new t.Type<number, unknown, unknown>(
  'Class4',
  (u): u is number => Number.isInteger(u) && (u as number) >= 0 && (u as number) < CLASSES,
  (u, c) => (Number.isInteger(u) && (u as number) >= 0 && (u as number) < CLASSES ? t.success(u as number) : t.failure(u, c, `expected a class in [0, ${CLASSES}), got ${JSON.stringify(u)}`)),
  t.identity,
);
const pool = { count: POOL, height: 4, width: 4, channels: 1, pixels: new Uint8Array(POOL * 16).map((_, i) => i % 256) };

/** A round of the pipeline's query stage over the oracle, journaled in memory. */
interface Round {
  readonly oracle: BrowserOracle;
  readonly app: FastifyInstance;
  readonly host: string;
  readonly token: string;
  readonly journal: MemoryJournal<number>;
  readonly events: AlEvent<number>[];
  readonly done: () => boolean;
  readonly clock: { now: number };
}

const opened: { oracle: BrowserOracle; subscription?: Subscription }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    o.subscription?.unsubscribe();
    await o.oracle.close();
  }
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const startRound = async (picks: number[], reserve: number[] = [], options: Partial<BrowserOracleOptions> = {}): Promise<Round> => {
  const clock = { now: 1_000_000 };
  const oracle = browserOracle({
    task: { kind: 'classification', classNames: ['a', 'b', 'c', 'd'] },
    labelCodec: classCodec,
    itemImage: imageSetItemImage(pool),
    token: 'secret-token-0123456789',
    leaseMs: 10_000,
    now: () => clock.now,
    ...options,
  });
  const entry: { oracle: BrowserOracle; subscription?: Subscription } = { oracle };
  opened.push(entry);
  const { app, port } = await oracle.ready;
  const journal = memoryJournal<number>();
  const events: AlEvent<number>[] = [];
  let complete = false;
  entry.subscription = of({ picks: Int32Array.from(picks), reserve: Int32Array.from(reserve) })
    .pipe(queryOracle(oracle, { labelCodec: classCodec, poolSize: POOL, cycle: 1 }), mergeLabels(journal, createPoolState<number>(POOL), { source: 'browser' }))
    .subscribe({
      next: ({ event }) => {
        events.push(event);
        oracle.observe(event);
      },
      complete: () => (complete = true),
    });
  return { oracle, app, host: `127.0.0.1:${port}`, token: 'secret-token-0123456789', journal, events, done: () => complete, clock };
};

const post = (round: Round, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  round.app.inject({ method: 'POST', url, payload: payload as object, headers: { host: round.host, 'x-ll4al-token': round.token, ...headers } });
const get = (round: Round, url: string, headers: Record<string, string> = {}) =>
  round.app.inject({ method: 'GET', url, headers: { host: round.host, 'x-ll4al-token': round.token, ...headers } });

const A = 'session-aaaaaaaa';
const B = 'session-bbbbbbbb';
const lease = async (round: Round, session: string) => {
  const response = await post(round, '/api/lease', { session });
  expect(response.statusCode).toBe(200);
  return response.json().lease as { lease: string; id: number; previous?: unknown } | null;
};
const answer = (round: Round, session: string, l: { lease: string; id: number }, label: unknown) =>
  post(round, '/api/answer', { session, lease: l.lease, id: l.id, label });

/** No response may carry a file path or a stack trace. */
const expectNoLeak = (body: string) => {
  expect(body).not.toMatch(/\/(work|home|tmp|usr)\/|node_modules|\.ts:\d|\bat .+\(.+\)/);
};

describe('browser oracle: security', () => {
  it('should answer 401 without the token or with a wrong one, on every route, and journal nothing', async () => {
    const round = await startRound([1, 2]);
    for (const [method, url] of [
      ['GET', '/'],
      ['GET', '/api/state'],
      ['POST', '/api/lease'],
      ['POST', '/api/answer'],
      ['GET', '/api/items/1/image'],
      ['GET', '/nowhere'],
    ] as const) {
      const none = await round.app.inject({ method, url, headers: { host: round.host }, payload: method === 'POST' ? { session: A } : undefined });
      expect(none.statusCode, `${method} ${url}`).toBe(401);
      const wrong = await round.app.inject({ method, url: `${url}?token=secret-token-0123456780`, headers: { host: round.host } });
      expect(wrong.statusCode, `${method} ${url} wrong token`).toBe(401);
      expectNoLeak(none.body);
    }
    // The token in the query string, as the printed URL carries it, and as a bearer token.
    expect((await round.app.inject({ method: 'GET', url: `/?token=${round.token}`, headers: { host: round.host } })).statusCode).toBe(200);
    expect((await round.app.inject({ method: 'GET', url: '/api/state', headers: { host: round.host, authorization: `Bearer ${round.token}` } })).statusCode).toBe(200);
    expect(round.journal.entries).toEqual([]);
  });

  it('should answer 403 to a Host header that is not the bound host (DNS rebinding), even with the token', async () => {
    const round = await startRound([1]);
    const port = round.host.split(':')[1];
    for (const host of ['evil.example:' + port, `127.0.0.1:${Number(port) + 1}`, 'attacker.test']) {
      const response = await get(round, '/api/state', { host });
      expect(response.statusCode, host).toBe(403);
    }
    expect((await get(round, '/api/state', { host: `localhost:${port}` })).statusCode).toBe(200);
  });

  it('should refuse bad bodies, unknown items, expired and foreign leases and out-of-range labels with a 4xx and a reason, journaling nothing', async () => {
    const round = await startRound([1, 2, 3]);
    const mine = (await lease(round, A))!;
    const theirs = (await lease(round, B))!;
    expect(mine.id).not.toBe(theirs.id);
    const cases: ReadonlyArray<readonly [string, () => Promise<{ statusCode: number; body: string }>, number, RegExp]> = [
      ['not JSON', () => round.app.inject({ method: 'POST', url: '/api/answer', payload: '{"session":', headers: { host: round.host, 'x-ll4al-token': round.token, 'content-type': 'application/json' } }), 400, /JSON/i],
      ['missing field', () => post(round, '/api/answer', { session: A, lease: mine.lease, id: mine.id }), 400, /label/],
      ['extra field', () => post(round, '/api/answer', { session: A, lease: mine.lease, id: mine.id, label: 1, path: '/etc/passwd' }), 400, /additional/],
      ['bad session', () => post(round, '/api/lease', { session: '../../x' }), 400, /session/],
      ['too large', () => post(round, '/api/answer', { session: A, lease: mine.lease, id: mine.id, label: 'x'.repeat(70_000) }), 413, /too large/i],
      ['out-of-range label', () => answer(round, A, mine, 7), 400, /out of range for item .*got 7/],
      ['label of the wrong type', () => answer(round, A, mine, 'cat'), 400, /out of range/],
      ['someone else’s lease', () => answer(round, B, mine, 1), 409, /leased by another page/],
      ['lease of another item', () => answer(round, A, { lease: mine.lease, id: theirs.id }, 1), 409, /not item/],
      ['unknown lease and item', () => answer(round, A, { lease: '00000000-0000-0000-0000-000000000000', id: 39 }, 1), 404, /unknown item 39/],
      ['unknown item image', () => get(round, '/api/items/39/image'), 404, /unknown item 39/],
      ['item id out of the schema', () => get(round, '/api/items/-1/image'), 400, /id/],
      ['no prediction hook', () => get(round, `/api/items/${mine.id}/prediction`), 404, /no class probabilities/],
      ['undo with nothing answered', () => post(round, '/api/undo', { session: A }), 409, /nothing to undo/],
    ];
    for (const [what, request, status, reason] of cases) {
      const response = await request();
      expect(response.statusCode, what).toBe(status);
      expect(JSON.parse(response.body).error, what).toMatch(reason);
      expectNoLeak(response.body);
    }
    // An expired lease: the item went back to the queue and the late answer is refused.
    round.clock.now += 10_001;
    const late = await answer(round, A, mine, 1);
    expect(late.statusCode).toBe(410);
    expect(late.json().error).toMatch(/expired/);
    expect(round.journal.entries).toEqual([]);
    expect(round.events.filter((e) => e.type === 'labelRejected')).toEqual([]);
  });
});

describe('browser oracle: leases, answers, undo and skip', () => {
  it('should never lease one item to two pages, and return an expired lease’s item to the queue', async () => {
    const round = await startRound([5, 6, 7]);
    const a1 = (await lease(round, A))!;
    const a2 = (await lease(round, A))!;
    const b1 = (await lease(round, B))!;
    expect(new Set([a1.id, a2.id, b1.id]).size).toBe(3);
    expect(await lease(round, B)).toBeNull();
    // A renews its first lease only; after the lease time the second is free again.
    round.clock.now += 6_000;
    const renewed = await post(round, '/api/renew', { session: A, leases: [a1.lease] });
    expect(renewed.json()).toEqual({ renewed: [a1.lease], gone: [] });
    round.clock.now += 5_000;
    const again = (await lease(round, B))!;
    expect(new Set([a2.id, b1.id]).has(again.id)).toBe(true);
    expect(again.id).not.toBe(a1.id);
  });

  it('should free the leases a page no longer says it holds before leasing it another item', async () => {
    const round = await startRound([5, 6, 7]);
    const a1 = (await lease(round, A))!;
    const a2 = (await lease(round, A))!;
    // A holds a1 and a2 but says it holds only a1 (a2's release is still on its way): a2 is freed.
    const third = (await post(round, '/api/lease', { session: A, keep: [a1.lease] })).json().lease;
    expect(third.id).toBe(a2.id);
    expect(third.lease).not.toBe(a2.lease);
    expect((await post(round, '/api/renew', { session: A, leases: [a1.lease, a2.lease, third.lease] })).json()).toEqual({
      renewed: [a1.lease, third.lease],
      gone: [a2.lease],
    });
  });

  it('should journal an answer before replying, withdraw it on undo and merge the corrected label', async () => {
    const round = await startRound([5, 6]);
    const first = (await lease(round, A))!;
    const ok = await answer(round, A, first, 2);
    expect(ok.statusCode).toBe(200);
    expect(round.journal.entries.map((e) => [e.id, e.label])).toEqual([[first.id, 2]]);
    expect(ok.json().status.answered).toBe(1);
    const undone = await post(round, '/api/undo', { session: A });
    expect(undone.statusCode).toBe(200);
    const back = undone.json().lease;
    expect(back).toMatchObject({ id: first.id, previous: 2 });
    expect(round.journal.entries).toEqual([]);
    expect(round.events.some((e) => e.type === 'labelWithdrawn' && e.id === first.id)).toBe(true);
    // Another page cannot answer the item the undo leased back.
    expect((await answer(round, B, back, 1)).statusCode).toBe(409);
    expect((await answer(round, A, back, 3)).statusCode).toBe(200);
    const second = (await lease(round, A))!;
    expect((await answer(round, A, second, 0)).statusCode).toBe(200);
    expect(round.done()).toBe(true);
    expect(new Map(round.journal.entries.map((e) => [e.id, e.label]))).toEqual(new Map([[first.id, 3], [second.id, 0]]));
    // The round is closed: training has started, so undo is refused.
    const closed = await post(round, '/api/undo', { session: A });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error).toMatch(/training/);
  });

  it('should give a skipped item up and serve the next-ranked candidate in its place', async () => {
    const round = await startRound([5, 6], [9, 10]);
    const first = (await lease(round, A))!;
    expect(first.id).toBe(5);
    expect((await post(round, '/api/skip', { session: A, lease: first.lease, id: 5 })).statusCode).toBe(200);
    const ids = [(await lease(round, A))!.id, (await lease(round, A))!.id];
    expect(ids).toEqual([6, 9]);
    expect(round.events).toContainEqual({ type: 'queryFailed', cycle: 1, id: 5, attempt: 1, reason: 'skipped', final: true });
    expect(round.journal.entries).toEqual([]);
  });

  it('should merge several people’s answers by majority, report their agreement, and keep one person from answering an item twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'll4al-browser-'));
    dirs.push(dir);
    const lines: string[] = [];
    const round = await startRound([5], [], { annotationsPerItem: 3, annotationsPath: join(dir, 'annotations.jsonl'), log: (l) => lines.push(l) });
    const C = 'session-cccccccc';
    const a = (await lease(round, A))!;
    expect((await answer(round, A, a, 1)).json()).toMatchObject({ complete: false });
    expect(await lease(round, A)).toBeNull(); // A already answered item 5
    const b = (await lease(round, B))!;
    expect((await answer(round, B, b, 2)).json()).toMatchObject({ complete: false });
    expect(round.journal.entries).toEqual([]);
    const c = (await lease(round, C))!;
    expect((await answer(round, C, c, 2)).json()).toMatchObject({ complete: true });
    expect(round.journal.entries.map((e) => [e.id, e.label])).toEqual([[5, 2]]);
    expect(round.done()).toBe(true);
    expect(round.oracle.observe).toBeTypeOf('function');
    expect(lines).toEqual(['cycle 1: 1 items with 3 annotations each, agreement 0.667']);
    const log = readFileSync(join(dir, 'annotations.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((r) => [r.session, r.id, r.label])).toEqual([[A, 5, 1], [B, 5, 2], [C, 5, 2]]);
  });

  it('should replay the annotations of an item still waiting for people after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'll4al-browser-'));
    dirs.push(dir);
    const path = join(dir, 'annotations.jsonl');
    const before = await startRound([5], [], { annotationsPerItem: 2, annotationsPath: path });
    const a = (await lease(before, A))!;
    expect((await answer(before, A, a, 3)).json()).toMatchObject({ complete: false });
    const o = opened.pop()!;
    o.subscription?.unsubscribe();
    await o.oracle.close();
    // The run restarts and asks for item 5 again: A's annotation is there, B completes it.
    const after = await startRound([5], [], { annotationsPerItem: 2, annotationsPath: path });
    expect(await lease(after, A)).toBeNull();
    const b = (await lease(after, B))!;
    expect((await answer(after, B, b, 3)).json()).toMatchObject({ complete: true });
    expect(after.journal.entries.map((e) => [e.id, e.label])).toEqual([[5, 3]]);
  });
});

describe('ll4al run --oracle browser: flags', () => {
  it('should refuse serving flags without --oracle browser, and several annotations per item outside classification, in one line', async () => {
    const { runConfigFromFlags } = await import('../../src/cli/runCommand.ts');
    const { InputError } = await import('../../src/inputError.ts');
    const refused = (flags: Record<string, string>) => {
      try {
        runConfigFromFlags(flags);
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refused({ oracle: 'simulated', port: '8080' })).toBe('--port applies to --oracle browser, not to --oracle simulated');
    expect(refused({ oracle: 'browser', task: 'detection', annotationsPerItem: '2' })).toBe(
      '--annotations-per-item 2 merges class labels by majority: it needs --task classification, not detection',
    );
    expect(refused({ oracle: 'browser', port: '70000' })).toBe('--port must be an integer in [0, 65535], got "70000"');
    expect(refused({ oracle: 'browser', oracleDelayMs: '5' })).toBe('--oracle-delay-ms applies to the simulated oracle, not to --oracle browser');
    expect(refused({ oracle: 'browser', port: '0', annotationsPerItem: '3', host: '127.0.0.1' })).toBe('accepted');
  });
});

describe('item images', () => {
  it('should draw an item of a typed-array pool as a PNG of its own pixels (gray and RGB)', async () => {
    const { PNG } = await import('pngjs');
    const gray = imageSetItemImage(pool)(3) as { contentType: string; body: Uint8Array };
    expect(gray.contentType).toBe('image/png');
    const g = PNG.sync.read(Buffer.from(gray.body));
    expect([g.width, g.height]).toEqual([4, 4]);
    expect(Array.from({ length: 16 }, (_, p) => g.data[p * 4])).toEqual(Array.from(pool.pixels.subarray(48, 64)));
    const rgb = { count: 2, height: 1, width: 2, channels: 3, pixels: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) };
    const c = PNG.sync.read(Buffer.from((imageSetItemImage(rgb)(1) as { body: Uint8Array }).body));
    expect(Array.from(c.data)).toEqual([7, 8, 9, 255, 10, 11, 12, 255]);
    expect(() => imageSetItemImage(pool)(POOL)).toThrow(RangeError);
  });

  it('should show a data source’s own files where it has them, with the ids of a subset mapped back', async () => {
    const { poolItemImage } = await import('../../src/oracles/browser/itemImage.ts');
    const { subsetOf } = await import('../../src/data/subset.ts');
    const file = (id: number) => ({ contentType: 'image/jpeg', body: Uint8Array.of(id) });
    const set = { ...pool, name: 'folder', classes: 4, labels: new Uint8Array(POOL), mean: [0], std: [1], itemImage: file };
    expect(await poolItemImage(set)(7)).toEqual(file(7));
    expect(await poolItemImage(subsetOf(set, [9, 2]))(0)).toEqual(file(9));
    expect((await poolItemImage({ ...pool })(0)).contentType).toBe('image/png');
  });
});

describe('browser oracle: what the pages are told', () => {
  it('should report labels per hour of labeling time, the ETA, and while waiting the stage and when the next batch comes', async () => {
    const round = await startRound([5, 6]);
    const state = async () => (await get(round, '/api/state')).json().status;
    round.clock.now += 60_000;
    expect((await answer(round, A, (await lease(round, A))!, 1)).statusCode).toBe(200);
    expect(await state()).toMatchObject({ phase: 'labeling', cycle: 1, answered: 1, budget: 2, labelsPerHour: 60, etaSeconds: 60, waiting: null });
    round.clock.now += 60_000;
    expect((await answer(round, A, (await lease(round, A))!, 2)).statusCode).toBe(200);
    expect(round.done()).toBe(true);
    // The round is over: the last tally stays in view, the stage follows the run's events.
    expect(await state()).toMatchObject({ phase: 'waiting', answered: 2, budget: 2, labelsPerHour: 60, etaSeconds: null, waiting: { stage: 'training cycle 2', nextInSeconds: null } });
    round.oracle.observe({ type: 'cycleStarted', cycle: 2, cycles: 3, labeled: 2 });
    round.clock.now += 4_000;
    round.oracle.observe({ type: 'epochTrained', cycle: 2, report: { epoch: 1, epochs: 3, targetLoss: 1, lossModuleLoss: 1, learningRate: 0.1, seconds: 4 } });
    expect((await state()).waiting).toEqual({ stage: 'training cycle 2 (epoch 1/3)', nextInSeconds: 8 });
    round.oracle.observe({ type: 'batchScored', cycle: 2, scored: 10, total: 40 });
    expect((await state()).waiting.stage).toBe('scoring candidates for cycle 2 (10/40)');
    // The next round opens 20 s after the last closed; the wait after it is estimated from that gap.
    round.clock.now += 16_000;
    const journal = memoryJournal<number>();
    let second = false;
    const subscription = of({ picks: Int32Array.of(8), reserve: new Int32Array(0) })
      .pipe(queryOracle(round.oracle, { labelCodec: classCodec, poolSize: POOL, cycle: 2 }), mergeLabels(journal, createPoolState<number>(POOL), { source: 'browser' }))
      .subscribe({ complete: () => (second = true) });
    expect(await state()).toMatchObject({ phase: 'labeling', cycle: 2, answered: 0, budget: 1 });
    expect((await answer(round, B, (await lease(round, B))!, 3)).statusCode).toBe(200);
    expect(second).toBe(true);
    round.clock.now += 5_000;
    expect((await state()).waiting.nextInSeconds).toBe(15);
    round.oracle.observe({ type: 'runFinished', labeled: 3, rows: [] });
    expect(await state()).toMatchObject({ phase: 'finished', waiting: null });
    subscription.unsubscribe();
  });
});
