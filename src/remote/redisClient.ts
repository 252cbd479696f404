/**
 * Redis connections for remote scoring (ioredis, the client BullMQ is built on), and the
 * one-line check that a Redis answers before a run or a worker relies on it.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { InputError } from '../inputError.ts';
import { REDIS_PASSWORD_ENV, type RedisTarget } from './redisUrl.ts';

/** ioredis options of a target; BullMQ needs `maxRetriesPerRequest: null` on its connections. */
export const redisOptions = (target: RedisTarget): RedisOptions => ({
  host: target.host,
  port: target.port,
  db: target.db,
  ...(target.username === undefined ? {} : { username: target.username }),
  ...(target.password === undefined ? {} : { password: target.password }),
  ...(target.tls === undefined ? {} : { tls: { ...target.tls } }),
  maxRetriesPerRequest: null,
});

/**
 * A connection to `target` (lazily connected, reconnecting; close it with `quit()`).
 * @param target the parsed URL
 * @returns the client
 */
export const createRedis = (target: RedisTarget): Redis => {
  const client = new Redis(redisOptions(target));
  // Errors surface on the commands that fail; an unhandled 'error' event would end the process.
  client.on('error', () => undefined);
  return client;
};

/**
 * Connects once, without retries, and sends PING.
 * @param target the parsed URL
 * @param flag the flag the URL came from, for the message
 * @throws InputError of one line: unreachable, needs a password, wrong password, TLS refused
 */
export const checkRedis = async (target: RedisTarget, flag: string): Promise<void> => {
  const client = new Redis({ ...redisOptions(target), maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true, connectTimeout: 5000 });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const message = (lastError ?? (error as Error)).message.split('\n')[0];
    const hint = /NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(message)
      ? ` (give the password in the URL, redis://:PASSWORD@host:port, or in ${REDIS_PASSWORD_ENV})`
      : '';
    throw new InputError(`cannot use Redis at ${target.display} (${flag}): ${message}${hint}`);
  } finally {
    client.disconnect();
  }
};
