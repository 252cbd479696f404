/**
 * The browser oracle: people label the queried items in a web page while the run waits.
 * An ordinary {@link Oracle} (queries in, answers out) with an HTTP server behind it.
 */
import { randomBytes } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { Observable, type Subscriber } from 'rxjs';
import type { FastifyInstance } from 'fastify';
import type { AlEvent } from '../streams/events.ts';
import { openAnnotationLog, type AnnotationLog } from './browser/annotationLog.ts';
import type { ItemImage } from './browser/itemImage.ts';
import { LabelQueue, type Annotation, type Lease } from './browser/labelQueue.ts';
import type { Desk, DeskResult, DeskStatus, LabelTask, PageLease } from './browser/labelServer.ts';
import { majorityLabel, type MergedLabel } from './browser/majorityLabel.ts';
import type { Oracle, Query } from './oracle.ts';

export interface BrowserOracleOptions {
  /** What the page labels: classification (class names), detection (class names, canvas side) or keypoints (names, side). */
  readonly task: LabelTask;
  /** The learner's label codec: an answer it rejects is refused with 400 and never reaches the run. */
  readonly labelCodec: t.Decoder<unknown, unknown>;
  /** The image of a pool item (see `imageSetItemImage` for images held in typed arrays). */
  readonly itemImage: ItemImage;
  /** The model's class probabilities for an item, shown on request (optional; classification). */
  readonly predict?: (id: number) => Promise<ReadonlyArray<number>>;
  /** The first cycle whose queries have a trained model to predict with (default 1: cycle 0 is the initial random set). */
  readonly predictFromCycle?: number;
  /** Address to bind (default 127.0.0.1, loopback only). */
  readonly host?: string;
  /** Port (default 0: a free one). */
  readonly port?: number;
  /** More host names a request's Host header may name (e.g. a DNS name in front of --host 0.0.0.0). */
  readonly allowedHosts?: ReadonlyArray<string>;
  /** The secret of the URL (default: 24 random bytes, base64url). */
  readonly token?: string;
  /** How long a lease lasts without renewal (default 30,000 ms; an open page renews it every third of that). */
  readonly leaseMs?: number;
  /** Annotations from different pages each item needs (default 1). */
  readonly annotationsPerItem?: number;
  /** How several annotations become one label (default: majority, ties to the first given). */
  readonly merge?: (annotations: ReadonlyArray<Annotation>) => MergedLabel;
  /** The annotation log (every page's answers, undos and skips, fsynced); replayed when it exists. */
  readonly annotationsPath?: string;
  /** The run's cycles, for the page's "cycle 2 of 4". */
  readonly cycles?: number;
  /** Lines for people (the agreement of each cycle with several annotations per item). */
  readonly log?: (line: string) => void;
  /** The clock (default Date.now). */
  readonly now?: () => number;
}

/** Where the server listens. */
export interface Listening {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The Fastify app (for `inject` in tests). */
  readonly app: FastifyInstance;
}

/** The oracle, with its server. */
export interface BrowserOracle extends Oracle {
  /** Resolves once the server listens; rejects when it cannot (port taken, address not local). */
  readonly ready: Promise<Listening>;
  /** Feeds the run's events, so the pages show its cycle, budget, stage and wait. */
  observe(event: AlEvent<unknown>): void;
  /** Stops the server and closes the annotation log. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const WILDCARD = new Set(['0.0.0.0', '::']);

/** The host names a Host header may carry for a server bound to `host`. */
const hostNamesFor = (host: string, extra: ReadonlyArray<string>): string[] => {
  const names = new Set<string>([host, ...extra]);
  if (LOOPBACK.has(host)) names.add('localhost');
  if (WILDCARD.has(host)) {
    names.add('localhost').add('127.0.0.1').add('::1').add(hostname());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address);
  }
  return [...names].map((n) => n.toLowerCase());
};

const messageOf = (errors: t.Errors): string => {
  const first = errors[0];
  if (!first) return 'invalid label';
  if (first.message) return first.message;
  const type = first.context[first.context.length - 1]?.type.name ?? 'a valid label';
  return `expected ${type}`;
};

/**
 * An oracle answered by people in a browser.
 *
 * Use it where a person (or a team) labels the queried items: `--oracle browser` on the
 * command line builds one. The server starts at once (await `ready` for its URL, which
 * carries the token) and serves every round the run asks; call `close` after the run. Each
 * query becomes an item in a queue; a page leases one item at a time (the next one
 * preloaded) and renews its leases while open; an expired lease returns its item. An answer
 * is checked (lease, label codec) before it is emitted, so a refused answer never reaches the
 * run's journal; an accepted one is in the annotation log (fsynced) and, once the item has
 * its `annotationsPerItem` annotations, merged and emitted — the run journals it (fsynced)
 * before merging it. A skip gives the query up (the next-ranked candidate is asked); an undo
 * withdraws the page's last answer while the round is open.
 *
 * ## Example
 * ```ts
 * const oracle = browserOracle({ task: { kind: 'classification', classNames }, labelCodec: learner.labelCodec, itemImage: imageSetItemImage(data.train) });
 * console.log(`label at ${(await oracle.ready).url}`);
 * activeLearning({ …, oracle, oracleName: 'browser' }).pipe(tap((e) => oracle.observe(e))).subscribe({ complete: () => void oracle.close() });
 * ```
 * @param options the task, codec, images and server settings
 * @returns the oracle, with `ready`, `observe` and `close`
 */
export const browserOracle = (options: BrowserOracleOptions): BrowserOracle => {
  const now = options.now ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const leaseMs = options.leaseMs ?? 30_000;
  const perItem = options.annotationsPerItem ?? 1;
  if (!Number.isInteger(perItem) || perItem < 1) throw new RangeError(`annotationsPerItem must be a positive integer, got ${perItem}`);
  const merge = options.merge ?? majorityLabel;
  const queue = new LabelQueue({ leaseMs, annotationsPerItem: perItem, now });
  const log: AnnotationLog = openAnnotationLog(options.annotationsPath);
  const writeLine = options.log ?? (() => {});

  /** The open round: where answers go. */
  let round: { subscriber: Subscriber<unknown>; cycle: number; budget: number; starting: boolean; openedAt: number } | undefined;
  let lastCycle: number | null = null;
  /** The last closed round's tally, shown while waiting. */
  let lastRound = { answered: 0, budget: 0 };
  const predictFromCycle = options.predictFromCycle ?? 1;
  const predicting = (): boolean => options.predict !== undefined && round !== undefined && round.cycle >= predictFromCycle;
  let cycles = options.cycles ?? null;
  let finished = false;
  /** Labeling time of closed rounds, ms; answers accepted over the run. */
  let labelingMs = 0;
  let accepted = 0;
  /** What the run does between rounds, from observed events. */
  let stage = 'starting';
  let closedAt: number | undefined;
  let lastGapMs: number | undefined;
  let epochEstimateMs: number | undefined;
  /** Per cycle, item → agreement (several annotations per item only). */
  const agreement = new Map<number, Map<number, number>>();
  const predictions = new Map<number, Promise<ReadonlyArray<number>>>();
  /** The answer being emitted, and whether the run rejected it (seen through observe). */
  let emitting: { id: number; rejected?: string } | undefined;

  const emit = (answer: { id: number } & Record<string, unknown>): string | undefined => {
    if (!round) return 'the round is closed';
    emitting = { id: answer.id };
    try {
      round.subscriber.next(answer);
      return emitting.rejected;
    } finally {
      emitting = undefined;
    }
  };

  const closedRefusal = { status: 409, error: 'no open round: the run is training; answers of the last round are final' } as const;

  const pageLease = (lease: Lease, previous?: unknown): PageLease => ({
    lease: lease.lease,
    id: lease.id,
    cycle: lease.cycle,
    expiresInMs: Math.max(0, lease.expiresAt - now()),
    ...(previous === undefined ? {} : { previous }),
  });

  /** Emits a complete item's merged label; returns why the run refused it, if it did. */
  const sendComplete = (id: number, cycle: number, annotations: ReadonlyArray<Annotation>): string | undefined => {
    const merged = merge(annotations);
    // Counted before the emit: the last answer of a round closes it (and reports it) inside the emit.
    accepted++;
    const byItem = agreement.get(cycle) ?? new Map<number, number>();
    if (perItem > 1) {
      byItem.set(id, merged.agreement);
      agreement.set(cycle, byItem);
    }
    const rejected = emit({ id, label: merged.label });
    if (rejected !== undefined) {
      accepted--;
      byItem.delete(id);
    }
    return rejected;
  };

  const ask = (query: Query): void => {
    if (!round) return;
    if (round.starting) round.budget++;
    if (queue.has(query.id)) return; // asked again after a failure: it is still in the queue
    const complete = queue.add(query.id, query.cycle, log.earlier(query.cycle, query.id));
    if (options.predict && query.cycle >= predictFromCycle && !predictions.has(query.id)) {
      const p = options.predict(query.id);
      p.catch(() => {});
      predictions.set(query.id, p);
    }
    if (complete?.complete) {
      const { id, cycle, annotations } = complete;
      queueMicrotask(() => {
        if (round && queue.has(id)) sendComplete(id, cycle, annotations);
      });
    }
  };

  const closeRound = (): void => {
    if (!round) return;
    const t = now();
    labelingMs += t - round.openedAt;
    const cycle = round.cycle;
    lastRound = { answered: queue.answeredCount(), budget: Math.max(round.budget, queue.ids().length) };
    round = undefined;
    closedAt = t;
    queue.clear();
    predictions.clear();
    stage = `training cycle ${cycle + 1}`;
    const byItem = agreement.get(cycle);
    if (perItem > 1 && byItem && byItem.size > 0) {
      const mean = [...byItem.values()].reduce((a, b) => a + b, 0) / byItem.size;
      writeLine(`cycle ${cycle}: ${byItem.size} items with ${perItem} annotations each, agreement ${mean.toFixed(3)}`);
    }
  };

  const status = (): DeskStatus => {
    const t = now();
    const liveMs = labelingMs + (round ? t - round.openedAt : 0);
    const rate = accepted > 0 && liveMs > 0 ? (accepted / liveMs) * 3_600_000 : null;
    const answered = round ? queue.answeredCount() : lastRound.answered;
    const budget = round ? Math.max(round.budget, queue.ids().length) : lastRound.budget;
    let nextInSeconds: number | null = null;
    if (!round && !finished && closedAt !== undefined) {
      const expected = lastGapMs ?? epochEstimateMs;
      if (expected !== undefined) nextInSeconds = Math.max(1, Math.round((expected - (t - closedAt)) / 1000));
    }
    return {
      phase: finished ? 'finished' : round ? 'labeling' : 'waiting',
      cycle: round?.cycle ?? lastCycle,
      cycles,
      answered,
      budget,
      labelsPerHour: rate === null ? null : Math.round(rate),
      etaSeconds: rate === null || !round ? null : Math.round(((budget - answered) / rate) * 3600),
      waiting: round || finished ? null : { stage, nextInSeconds },
      annotationsPerItem: perItem,
      agreement: [...agreement].map(([cycle, byItem]) => ({
        cycle,
        items: byItem.size,
        agreement: byItem.size === 0 ? 1 : [...byItem.values()].reduce((a, b) => a + b, 0) / byItem.size,
      })),
      predictions: predicting(),
      leaseMs,
    };
  };

  const desk: Desk = {
    task: options.task,
    status,
    lease: (session, keep) => {
      if (!round) return { ok: null };
      // What the page holds is what it says it holds: any other lease of it is an orphan.
      if (keep !== undefined) queue.release(session, queue.leasesOf(session).map((l) => l.lease).filter((l) => !keep.includes(l)));
      const lease = queue.lease(session);
      return { ok: lease ? pageLease(lease) : null };
    },
    renew: (session, leases) => {
      const { renewed, gone } = queue.renew(session, leases);
      return { ok: { renewed: renewed.map((l) => l.lease), gone } };
    },
    release: (session, leases) => ({ ok: { released: queue.release(session, leases) } }),
    answer: (session, key, id, label): DeskResult<{ complete: boolean }> => {
      if (!round) return closedRefusal;
      const lease = queue.check(session, key, id);
      if ('status' in lease) return lease;
      const decoded = options.labelCodec.decode(label);
      if (isLeft(decoded)) return { status: 400, error: `label out of range for item ${id}: ${messageOf(decoded.left)}` };
      log.append({ id, cycle: lease.cycle, session, label, time: new Date(now()).toISOString() });
      const annotated = queue.annotate(lease, label);
      if (!annotated.complete) return { ok: { complete: false } };
      const rejected = sendComplete(id, annotated.cycle, annotated.annotations);
      if (rejected !== undefined) {
        queue.reopen(id, session);
        log.append({ id, cycle: lease.cycle, session, undone: true, time: new Date(now()).toISOString() });
        return { status: 409, error: rejected };
      }
      return { ok: { complete: true } };
    },
    skip: (session, key, id) => {
      if (!round) return closedRefusal;
      const lease = queue.check(session, key, id);
      if ('status' in lease) return lease;
      log.append({ id, cycle: lease.cycle, session, skipped: true, time: new Date(now()).toISOString() });
      queue.remove(id);
      emit({ id, skip: true });
      return { ok: { skipped: id } };
    },
    undo: (session) => {
      if (!round) return closedRefusal;
      const undone = queue.undo(session);
      if ('status' in undone) return undone;
      log.append({ id: undone.id, cycle: undone.cycle, session, undone: true, time: new Date(now()).toISOString() });
      if (undone.wasAnswered) {
        accepted = Math.max(0, accepted - 1);
        agreement.get(undone.cycle)?.delete(undone.id);
        emit({ id: undone.id, withdraw: true });
      }
      return { ok: pageLease(undone.lease, undone.previous) };
    },
    image: async (id) => {
      if (!queue.has(id)) return { status: 404, error: `unknown item ${id}: not asked in the open round` };
      return { ok: await options.itemImage(id) };
    },
    prediction: async (id) => {
      if (!options.predict) return { status: 404, error: 'this task has no class probabilities to show' };
      if (round && round.cycle < predictFromCycle) return { status: 404, error: 'no prediction yet: the model has not been trained' };
      const p = predictions.get(id);
      if (!queue.has(id) || !p) return { status: 404, error: `unknown item ${id}: not asked in the open round` };
      return { ok: { probabilities: [...(await p)] } };
    },
  };

  let boundPort: number | undefined = options.port && options.port > 0 ? options.port : undefined;
  // Fastify loads when the oracle is made, not when the package is imported.
  let app: FastifyInstance | undefined;
  const ready = import('./browser/labelServer.ts').then(async ({ createLabelServer }): Promise<Listening> => {
    app = createLabelServer(desk, { token, allowedHosts: hostNamesFor(host, options.allowedHosts ?? []), port: () => boundPort });
    await app.listen({ host, port: options.port ?? 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
    boundPort = port;
    const shown = WILDCARD.has(host) ? hostname() : host.includes(':') ? `[${host}]` : host;
    return { host, port, url: `http://${shown}:${port}/?token=${token}`, app };
  });
  ready.catch(() => {});

  const oracle = (queries: Observable<Query>): Observable<unknown> =>
    new Observable<unknown>((subscriber) => {
      if (round) {
        subscriber.error(new Error('the browser oracle serves one round at a time'));
        return;
      }
      const openedAt = now();
      if (closedAt !== undefined) lastGapMs = openedAt - closedAt;
      round = { subscriber, cycle: lastCycle ?? 0, budget: 0, starting: true, openedAt };
      queue.clear();
      const current = round;
      const subscription = queries.subscribe({
        next: (query) => {
          current.cycle = query.cycle;
          lastCycle = query.cycle;
          ask(query);
        },
        error: (error) => subscriber.error(error),
      });
      // The queries of the budget come at once; those after are reserve candidates.
      const settle = setImmediate(() => (current.starting = false));
      return () => {
        clearImmediate(settle);
        subscription.unsubscribe();
        if (round === current) closeRound();
      };
    });

  const observe = (event: AlEvent<unknown>): void => {
    switch (event.type) {
      case 'runStarted':
        cycles = event.cycles;
        break;
      case 'selected':
        if (round) {
          round.budget = event.ids.length;
          round.starting = false;
        }
        lastCycle = event.cycle;
        break;
      case 'cycleStarted':
        stage = `training cycle ${event.cycle}`;
        cycles = event.cycles;
        if (!round) lastCycle = event.cycle;
        break;
      case 'epochTrained': {
        const { epoch, epochs, seconds } = event.report;
        stage = `training cycle ${event.cycle} (epoch ${epoch}/${epochs})`;
        if (closedAt !== undefined) epochEstimateMs = now() - closedAt + (epochs - epoch) * seconds * 1000;
        break;
      }
      case 'evaluated':
        stage = `evaluating cycle ${event.cycle}`;
        break;
      case 'batchScored':
        stage = `scoring candidates for cycle ${event.cycle} (${event.scored}/${event.total})`;
        break;
      case 'labelRejected':
        if (emitting && event.id === emitting.id) emitting.rejected = event.reason;
        break;
      case 'queryFailed':
        // Given up (timeouts, retries): the item leaves the pages' queue; a reserve candidate comes.
        if (event.final && round && queue.has(event.id)) queue.remove(event.id);
        break;
      case 'runFinished':
        finished = true;
        break;
      default:
        break;
    }
  };

  const close = async (): Promise<void> => {
    log.close();
    await ready.catch(() => {});
    await app?.close();
  };

  return Object.assign(oracle, { ready, observe, close });
};
