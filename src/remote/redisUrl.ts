/**
 * The Redis that remote scoring talks through, from a URL: `redis://[user[:password]@]host[:port][/db]`
 * or `rediss://…` for TLS. The password may also come from the environment
 * (`LL4AL_REDIS_PASSWORD`), so that it is never written into a run directory; a CA file for a
 * server with its own certificate authority from `LL4AL_REDIS_CA`.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { InputError } from '../inputError.ts';

/** The environment variable a Redis password may come from. */
export const REDIS_PASSWORD_ENV = 'LL4AL_REDIS_PASSWORD';
/** The environment variable naming a PEM file of the CA that signed the server's certificate (rediss://). */
export const REDIS_CA_ENV = 'LL4AL_REDIS_CA';

/** How to connect (the fields ioredis takes), and the URL to show in messages (no password). */
export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: { readonly ca?: Buffer; readonly servername?: string };
  /** `redis://host:port/db`, without credentials. */
  readonly display: string;
}

/**
 * Reads a Redis URL.
 * @param url redis:// or rediss:// URL
 * @param flag the flag or field it came from, for messages (`--score-workers`)
 * @param env where LL4AL_REDIS_PASSWORD and LL4AL_REDIS_CA are read (default: process.env)
 * @returns the connection fields
 * @throws InputError naming the flag and what is wrong
 */
export const parseRedisUrl = (url: string, flag: string, env: NodeJS.ProcessEnv = process.env): RedisTarget => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`${flag} ${JSON.stringify(url)} is not a URL: expected redis://HOST:PORT or rediss://HOST:PORT`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InputError(`${flag} ${JSON.stringify(redactRedisUrl(url))}: expected a redis:// or rediss:// URL, got ${parsed.protocol}`);
  }
  if (parsed.hostname === '') throw new InputError(`${flag} ${JSON.stringify(redactRedisUrl(url))} names no host`);
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new InputError(`${flag}: database ${JSON.stringify(dbText)} is not a number ≥ 0`);
  const password = parsed.password !== '' ? decodeURIComponent(parsed.password) : env[REDIS_PASSWORD_ENV] || undefined;
  const username = parsed.username !== '' ? decodeURIComponent(parsed.username) : undefined;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  let tls: RedisTarget['tls'];
  if (parsed.protocol === 'rediss:') {
    const caFile = env[REDIS_CA_ENV];
    let ca: Buffer | undefined;
    if (caFile) {
      try {
        ca = readFileSync(caFile);
      } catch (error) {
        throw new InputError(`${REDIS_CA_ENV}=${caFile}: cannot read the CA file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
    }
    // SNI takes host names only; a certificate for an IP address is checked against the IP
    tls = { ...(ca === undefined ? {} : { ca }), ...(isIP(host) === 0 ? { servername: host } : {}) };
  }
  return {
    host,
    port,
    db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(tls === undefined ? {} : { tls }),
    display: `${parsed.protocol}//${parsed.host}${db === 0 ? '' : `/${db}`}`,
  };
};

/**
 * The URL without its password (kept in config.json and messages).
 * @param url a Redis URL
 * @returns the same URL with any password removed (unchanged when it does not parse)
 */
export const redactRedisUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
};

/**
 * The password written in a Redis URL, if any.
 * @param url a Redis URL
 * @returns the password, or undefined
 */
export const passwordOfRedisUrl = (url: string): string | undefined => {
  try {
    const parsed = new URL(url);
    return parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  } catch {
    return undefined;
  }
};
