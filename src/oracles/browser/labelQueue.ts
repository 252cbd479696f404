/**
 * The items of one oracle round as the browser pages see them: which are open, who leases
 * which, the annotations collected, and each page's history for undo. Pure bookkeeping with
 * an injected clock; the server and the oracle decide what to do with its results.
 */
import { randomUUID } from 'node:crypto';

/** One annotation of an item, by the page (session) that gave it. */
export interface Annotation {
  readonly session: string;
  readonly label: unknown;
}

/** An item of the round. */
interface Item {
  readonly id: number;
  readonly cycle: number;
  /** Annotations so far, in the order given (at most one per session). */
  annotations: Annotation[];
  /** True once the merged answer went to the pipeline (and was not withdrawn since). */
  answered: boolean;
}

/** A page's hold on an item. */
export interface Lease {
  readonly lease: string;
  readonly id: number;
  readonly cycle: number;
  readonly session: string;
  expiresAt: number;
}

/** Why a request about a lease cannot be served: an HTTP status and a reason. */
export interface Refusal {
  readonly status: 400 | 404 | 409 | 410;
  readonly error: string;
}

export interface LabelQueueOptions {
  /** How long a lease lasts without renewal, in ms. */
  readonly leaseMs: number;
  /** Annotations from different sessions each item needs before it is answered (default 1). */
  readonly annotationsPerItem?: number;
  /** The clock (default Date.now). */
  readonly now?: () => number;
}

/** What an accepted annotation did. */
export type Annotated =
  /** The item has its annotations: `annotations` are all of them, to merge and send. */
  | { readonly complete: true; readonly id: number; readonly cycle: number; readonly annotations: ReadonlyArray<Annotation> }
  /** The item waits for more annotations (from other sessions). */
  | { readonly complete: false; readonly id: number; readonly cycle: number; readonly have: number; readonly need: number };

/** What undoing a session's last annotation did. */
export interface Undone {
  readonly id: number;
  readonly cycle: number;
  /** True when the item had been answered: its answer must be withdrawn from the pipeline. */
  readonly wasAnswered: boolean;
  /** The item leased again to the session that undid, to be answered anew. */
  readonly lease: Lease;
  /** The label the session had given. */
  readonly previous: unknown;
}

/**
 * The queue of one round (create one per round, or `clear` it between rounds).
 *
 * Items are served in the order they were asked (the strategy's ranking); a lease goes to
 * one session at a time; an item needs `annotationsPerItem` annotations from distinct sessions;
 * an expired lease returns its item to the queue.
 */
export class LabelQueue {
  private readonly items = new Map<number, Item>();
  private readonly leases = new Map<string, Lease>();
  /** Per session, the ids it annotated in this round, oldest first (for undo). */
  private readonly history = new Map<string, number[]>();
  private readonly leaseMs: number;
  private readonly perItem: number;
  private readonly now: () => number;

  constructor(options: LabelQueueOptions) {
    this.leaseMs = options.leaseMs;
    this.perItem = options.annotationsPerItem ?? 1;
    this.now = options.now ?? Date.now;
  }

  /** Annotations each item needs. */
  get annotationsPerItem(): number {
    return this.perItem;
  }

  /**
   * Adds a queried item (a query asked again keeps what it had).
   * @param id the pool id
   * @param cycle the query's cycle
   * @param earlier annotations recovered from before a restart
   * @returns the item's annotations when `earlier` already completes it
   */
  add(id: number, cycle: number, earlier: ReadonlyArray<Annotation> = []): Annotated | undefined {
    const existing = this.items.get(id);
    if (existing) return undefined;
    const annotations: Annotation[] = [];
    for (const a of earlier) if (!annotations.some((b) => b.session === a.session)) annotations.push(a);
    const item: Item = { id, cycle, annotations: annotations.slice(0, this.perItem), answered: false };
    this.items.set(id, item);
    for (const a of item.annotations) this.pushHistory(a.session, id);
    return item.annotations.length >= this.perItem ? this.completed(item) : undefined;
  }

  /** Removes an item (skipped, or given up by the pipeline) with its leases. */
  remove(id: number): void {
    this.items.delete(id);
    for (const [key, lease] of this.leases) if (lease.id === id) this.leases.delete(key);
    for (const ids of this.history.values()) {
      const at = ids.lastIndexOf(id);
      if (at >= 0) ids.splice(at, 1);
    }
  }

  /** Forgets every item, lease and history (the round ended). */
  clear(): void {
    this.items.clear();
    this.leases.clear();
    this.history.clear();
  }

  /** True when `id` is an item of this round (open or answered). */
  has(id: number): boolean {
    return this.items.has(id);
  }

  /** Ids of the round's items, in the order asked. */
  ids(): ReadonlyArray<number> {
    return [...this.items.keys()];
  }

  /** Items answered (their merged answer sent) in this round. */
  answeredCount(): number {
    let n = 0;
    for (const item of this.items.values()) if (item.answered) n++;
    return n;
  }

  /** Items still waiting for annotations. */
  openCount(): number {
    return this.items.size - this.answeredCount();
  }

  /** Drops the leases whose time is up; their items are free again. */
  expire(): void {
    const t = this.now();
    for (const [key, lease] of this.leases) if (lease.expiresAt <= t) this.leases.delete(key);
  }

  /**
   * Leases the first open item that no one holds and `session` has not annotated.
   * @param session the asking page
   * @returns the lease, or undefined when nothing is free for this session
   */
  lease(session: string): Lease | undefined {
    this.expire();
    const held = new Set([...this.leases.values()].map((l) => l.id));
    for (const item of this.items.values()) {
      if (item.answered || held.has(item.id)) continue;
      if (item.annotations.some((a) => a.session === session)) continue;
      return this.grant(session, item);
    }
    return undefined;
  }

  /**
   * Extends the leases of `session` that are still valid.
   * @returns the leases renewed and those that are gone (expired, released, or not this session's)
   */
  renew(session: string, keys: ReadonlyArray<string>): { renewed: ReadonlyArray<Lease>; gone: ReadonlyArray<string> } {
    this.expire();
    const renewed: Lease[] = [];
    const gone: string[] = [];
    for (const key of keys) {
      const lease = this.leases.get(key);
      if (lease && lease.session === session) {
        lease.expiresAt = this.now() + this.leaseMs;
        renewed.push(lease);
      } else gone.push(key);
    }
    return { renewed, gone };
  }

  /** Gives leases of `session` back (a page closed or moved on). */
  release(session: string, keys: ReadonlyArray<string>): number {
    let n = 0;
    for (const key of keys) {
      const lease = this.leases.get(key);
      if (lease && lease.session === session) {
        this.leases.delete(key);
        n++;
      }
    }
    return n;
  }

  /**
   * The lease `key` if it is valid and held by `session`, else why not.
   * @param session the page
   * @param key the lease
   * @param id the item the page says it answers (must be the lease's)
   */
  check(session: string, key: string, id?: number): Lease | Refusal {
    this.expire();
    const lease = this.leases.get(key);
    if (!lease) {
      if (id !== undefined && !this.items.has(id)) return { status: 404, error: `unknown item ${id}: not asked in this round` };
      return { status: 410, error: 'the lease has expired or was released; the item went back to the queue' };
    }
    if (lease.session !== session) return { status: 409, error: `item ${lease.id} is leased by another page` };
    if (id !== undefined && id !== lease.id) return { status: 409, error: `the lease is for item ${lease.id}, not item ${id}` };
    if (!this.items.has(lease.id)) return { status: 404, error: `unknown item ${lease.id}: not asked in this round` };
    return lease;
  }

  /**
   * Records the annotation of a checked lease (the lease ends).
   * @returns whether the item is complete, and its annotations when it is
   */
  annotate(lease: Lease, label: unknown): Annotated {
    this.leases.delete(lease.lease);
    const item = this.items.get(lease.id)!;
    item.annotations = item.annotations.filter((a) => a.session !== lease.session);
    item.annotations.push({ session: lease.session, label });
    this.pushHistory(lease.session, item.id);
    if (item.annotations.length >= this.perItem) return this.completed(item);
    return { complete: false, id: item.id, cycle: item.cycle, have: item.annotations.length, need: this.perItem };
  }

  /** Marks an item's merged answer as rejected downstream: it is open again, without its last annotation. */
  reopen(id: number, session: string): void {
    const item = this.items.get(id);
    if (!item) return;
    item.answered = false;
    item.annotations = item.annotations.filter((a) => a.session !== session);
    const ids = this.history.get(session);
    const at = ids?.lastIndexOf(id) ?? -1;
    if (at >= 0) ids!.splice(at, 1);
  }

  /**
   * Takes back the last annotation of `session` in this round and leases its item to it again.
   * @returns what was undone, or why nothing can be
   */
  undo(session: string): Undone | Refusal {
    const ids = this.history.get(session);
    const id = ids?.pop();
    if (id === undefined) return { status: 409, error: 'nothing to undo: this page has no answer in the open round' };
    const item = this.items.get(id)!;
    const wasAnswered = item.answered;
    const previous = item.annotations.find((a) => a.session === session)?.label;
    item.answered = false;
    item.annotations = item.annotations.filter((a) => a.session !== session);
    for (const [key, lease] of this.leases) if (lease.id === id) this.leases.delete(key);
    return { id, cycle: item.cycle, wasAnswered, previous, lease: this.grant(session, item) };
  }

  /** The leases `session` holds, oldest first. */
  leasesOf(session: string): ReadonlyArray<Lease> {
    this.expire();
    return [...this.leases.values()].filter((l) => l.session === session);
  }

  private grant(session: string, item: Item): Lease {
    const lease: Lease = { lease: randomUUID(), id: item.id, cycle: item.cycle, session, expiresAt: this.now() + this.leaseMs };
    this.leases.set(lease.lease, lease);
    return lease;
  }

  private completed(item: Item): Annotated {
    item.answered = true;
    for (const [key, lease] of this.leases) if (lease.id === item.id) this.leases.delete(key);
    return { complete: true, id: item.id, cycle: item.cycle, annotations: [...item.annotations] };
  }

  private pushHistory(session: string, id: number): void {
    const ids = this.history.get(session) ?? [];
    ids.push(id);
    this.history.set(session, ids);
  }
}
