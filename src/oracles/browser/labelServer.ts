/**
 * The HTTP side of the browser oracle: a Fastify app with a JSON schema on every route, a
 * token on every request, a Host check against DNS rebinding, size-limited bodies and
 * answers without file paths or stack traces. What the routes do is the {@link Desk}'s.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { labelPageHtml } from './labelPage.ts';
import type { Refusal } from './labelQueue.ts';

/** What the page labels, and how. */
export type LabelTask =
  | { readonly kind: 'classification'; readonly classNames: ReadonlyArray<string> }
  | { readonly kind: 'detection'; readonly classNames: ReadonlyArray<string>; readonly side: number }
  | { readonly kind: 'keypoints'; readonly keypointNames: ReadonlyArray<string>; readonly side: number };

/** What every page shows at all times. */
export interface DeskStatus {
  /** labeling: items are open; waiting: the run trains, scores or evaluates; finished: the run is over. */
  readonly phase: 'labeling' | 'waiting' | 'finished';
  /** The cycle whose query is open (or was last), null before the first. */
  readonly cycle: number | null;
  readonly cycles: number | null;
  /** This round's answered items and its budget. */
  readonly answered: number;
  readonly budget: number;
  /** Accepted answers per hour of labeling time, and the seconds left at that pace (null before any). */
  readonly labelsPerHour: number | null;
  readonly etaSeconds: number | null;
  /** While waiting: what the run does ("training cycle 3 (epoch 1/2)") and when the next batch comes. */
  readonly waiting: { readonly stage: string; readonly nextInSeconds: number | null } | null;
  readonly annotationsPerItem: number;
  /** Per cycle with several annotations per item: the mean fraction that agreed with the merged label. */
  readonly agreement: ReadonlyArray<{ readonly cycle: number; readonly items: number; readonly agreement: number }>;
  /** True when items come with the model's class probabilities. */
  readonly predictions: boolean;
  /** How long a lease lasts without renewal (pages renew every third of it). */
  readonly leaseMs: number;
}

/** A lease as the page gets it. */
export interface PageLease {
  readonly lease: string;
  readonly id: number;
  readonly cycle: number;
  readonly expiresInMs: number;
  /** For undo: the label this page had given, to start from. */
  readonly previous?: unknown;
}

/** A successful result, or a refusal (status and reason). */
export type DeskResult<T> = { readonly ok: T } | Refusal;

/** What the routes do; the browser oracle implements it. */
export interface Desk {
  readonly task: LabelTask;
  status(): DeskStatus;
  /** The next item for `session`; its leases not in `keep` (when given) are released first. */
  lease(session: string, keep?: ReadonlyArray<string>): DeskResult<PageLease | null>;
  renew(session: string, leases: ReadonlyArray<string>): DeskResult<{ renewed: ReadonlyArray<string>; gone: ReadonlyArray<string> }>;
  release(session: string, leases: ReadonlyArray<string>): DeskResult<{ released: number }>;
  answer(session: string, lease: string, id: number, label: unknown): DeskResult<{ complete: boolean }>;
  skip(session: string, lease: string, id: number): DeskResult<{ skipped: number }>;
  undo(session: string): DeskResult<PageLease>;
  image(id: number): Promise<DeskResult<{ contentType: string; body: Uint8Array }>>;
  prediction(id: number): Promise<DeskResult<{ probabilities: ReadonlyArray<number> }>>;
}

export interface LabelServerOptions {
  /** The secret every request carries (`?token=`, `x-ll4al-token` or `Authorization: Bearer`). */
  readonly token: string;
  /** Host names (no port) a request's Host header may name. */
  readonly allowedHosts: ReadonlyArray<string>;
  /** The port a Host header must name; read when each request comes (0 or undefined: any). */
  readonly port: () => number | undefined;
  /** Largest request body, in bytes (default 64 KiB). */
  readonly bodyLimit?: number;
}

const session = { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } as const;
const leaseKey = { type: 'string', pattern: '^[0-9a-f-]{36}$' } as const;
const itemId = { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 } as const;
const tokenQuery = { type: 'object', properties: { token: { type: 'string', maxLength: 256 } }, additionalProperties: false } as const;
const body = (properties: Record<string, unknown>, required: ReadonlyArray<string>) =>
  ({ type: 'object', properties, required, additionalProperties: false }) as const;
const error = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } as const;

const sameSecret = (given: string | undefined, token: string): boolean => {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** The token of a request: header, bearer, or query string. */
const tokenOf = (headers: Record<string, string | string[] | undefined>, url: string): string | undefined => {
  const header = headers['x-ll4al-token'];
  if (typeof header === 'string') return header;
  const auth = headers['authorization'];
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('token') ?? undefined;
};

/** Splits a Host header into name and port (`[::1]:80`, `127.0.0.1:80`, `localhost`). */
const parseHost = (host: string): { name: string; port: number | undefined } => {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!m) return { name: '', port: undefined };
  return { name: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] === undefined ? undefined : Number(m[2]) };
};

const send = <T>(reply: FastifyReply, result: DeskResult<T>): T | FastifyReply => {
  if ('ok' in result) return result.ok;
  return reply.code(result.status).send({ error: result.error });
};

/**
 * Builds the labeling server (not yet listening: call `listen`, or `inject` in tests).
 *
 * Every request is checked in this order: a Host header naming an allowed host and the
 * bound port, else 403; the token, else 401; then the route's JSON schema (400), the body
 * limit (413) and the desk's own checks (404 unknown item, 409 another page's lease or
 * nothing to undo, 410 an expired lease, 400 a label out of range). Errors answer
 * `{ "error": reason }` and never carry a stack trace or a file path.
 * @param desk what the routes do
 * @param options token, allowed hosts, port, body limit
 * @returns the Fastify app
 */
export const createLabelServer = (desk: Desk, options: LabelServerOptions): FastifyInstance => {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    return503OnClosing: true,
    forceCloseConnections: true,
    // Refuse what a schema does not allow, instead of quietly dropping it.
    ajv: { customOptions: { removeAdditional: false } },
  });
  const allowed = new Set(options.allowedHosts.map((h) => h.toLowerCase()));

  app.addHook('onRequest', async (request, reply) => {
    const { name, port } = parseHost(request.headers.host ?? '');
    const bound = options.port();
    if (!allowed.has(name) || (bound !== undefined && bound !== 0 && port !== bound)) {
      return reply.code(403).send({ error: 'this server answers only requests addressed to the host it is bound to' });
    }
    if (!sameSecret(tokenOf(request.headers, request.url), options.token)) {
      return reply.code(401).send({ error: 'missing or wrong token: open the URL the run printed (…/?token=…)' });
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    return payload;
  });
  app.setErrorHandler((err: { statusCode?: number; validation?: unknown; message?: string }, _request, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    // Fastify's own 4xx messages (schema, JSON syntax, body size) name fields, never files.
    const message = status < 500 ? (err.message ?? 'bad request') : 'internal error';
    return reply.code(status).send({ error: message.split('\n')[0] });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'no such route' }));

  const replies = { 400: error, 401: error, 403: error, 404: error, 409: error, 410: error, 413: error };

  app.get('/', { schema: { querystring: tokenQuery } }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
      .send(labelPageHtml()),
  );

  app.get('/api/state', { schema: { querystring: tokenQuery } }, async () => ({ task: desk.task, status: desk.status() }));

  const leaseList = { type: 'array', items: leaseKey, maxItems: 16 } as const;
  app.post('/api/lease', { schema: { querystring: tokenQuery, body: body({ session, keep: leaseList }, ['session']), response: replies } }, async (request, reply) => {
    const { session: s, keep } = request.body as { session: string; keep?: string[] };
    const result = send(reply, desk.lease(s, keep));
    return result === reply ? reply : { lease: result, status: desk.status() };
  });

  app.post('/api/renew', { schema: { querystring: tokenQuery, body: body({ session, leases: leaseList }, ['session', 'leases']), response: replies } }, async (request, reply) => {
    const { session: s, leases } = request.body as { session: string; leases: string[] };
    return send(reply, desk.renew(s, leases));
  });

  app.post('/api/release', { schema: { querystring: tokenQuery, body: body({ session, leases: leaseList }, ['session', 'leases']), response: replies } }, async (request, reply) => {
    const { session: s, leases } = request.body as { session: string; leases: string[] };
    return send(reply, desk.release(s, leases));
  });

  app.post(
    '/api/answer',
    { schema: { querystring: tokenQuery, body: body({ session, lease: leaseKey, id: itemId, label: {} }, ['session', 'lease', 'id', 'label']), response: replies } },
    async (request, reply) => {
      const { session: s, lease, id, label } = request.body as { session: string; lease: string; id: number; label: unknown };
      const result = send(reply, desk.answer(s, lease, id, label));
      return result === reply ? reply : { ...(result as object), status: desk.status() };
    },
  );

  app.post('/api/skip', { schema: { querystring: tokenQuery, body: body({ session, lease: leaseKey, id: itemId }, ['session', 'lease', 'id']), response: replies } }, async (request, reply) => {
    const { session: s, lease, id } = request.body as { session: string; lease: string; id: number };
    return send(reply, desk.skip(s, lease, id));
  });

  app.post('/api/undo', { schema: { querystring: tokenQuery, body: body({ session }, ['session']), response: replies } }, async (request, reply) => {
    const { session: s } = request.body as { session: string };
    const result = send(reply, desk.undo(s));
    return result === reply ? reply : { lease: result, status: desk.status() };
  });

  const idParams = { type: 'object', properties: { id: itemId }, required: ['id'], additionalProperties: false } as const;
  app.get('/api/items/:id/image', { schema: { querystring: tokenQuery, params: idParams } }, async (request, reply) => {
    const result = await desk.image((request.params as { id: number }).id);
    if (!('ok' in result)) return reply.code(result.status).send({ error: result.error });
    return reply.type(result.ok.contentType).header('cache-control', 'private, max-age=600').send(Buffer.from(result.ok.body));
  });

  app.get('/api/items/:id/prediction', { schema: { querystring: tokenQuery, params: idParams, response: replies } }, async (request, reply) => {
    return send(reply, await desk.prediction((request.params as { id: number }).id));
  });

  return app;
};
