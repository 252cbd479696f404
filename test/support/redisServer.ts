/**
 * A redis-server of the test's own: its own port and temporary directory, no persistence
 * (`--save '' --appendonly no`), stopped by the test. Debian's redis-server (apt) is the one
 * used; where it is missing the Redis tests skip, except on CI (CI=true), where they fail.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The redis-server binary: REDIS_SERVER, else redis-server on the PATH. */
export const redisServerBinary = process.env.REDIS_SERVER ?? 'redis-server';

/** Whether redis-server runs here. */
export const redisServerAvailable = (): boolean => spawnSync(redisServerBinary, ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * Whether the Redis tests of this file should skip: redis-server is missing and this is not CI.
 * On CI a missing redis-server is the test's failure, not a skip (see {@link requireRedisServer}).
 */
export const skipWithoutRedis = (): boolean => !redisServerAvailable() && process.env.CI !== 'true';

/** Fails loudly when redis-server is missing (call it in beforeAll). */
export const requireRedisServer = (): void => {
  if (!redisServerAvailable()) throw new Error(`${redisServerBinary} is not installed (apt-get install -y redis-server); CI must run the Redis tests`);
};

export interface TestRedis {
  readonly port: number;
  /** redis://127.0.0.1:PORT (or rediss:// with TLS), without the password. */
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

export interface TestRedisOptions {
  readonly password?: string;
  /** Serve TLS only, with this certificate and key (PEM files). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
}

/**
 * Starts a redis-server on a free port of 127.0.0.1 in a new temporary directory.
 * @param options a password, TLS files
 * @returns the server, once it accepts connections
 */
export const startTestRedis = async (options: TestRedisOptions = {}): Promise<TestRedis> => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'll4al-redis-'));
  const args = ['--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'notice'];
  if (options.tls) {
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.cert, '--tls-key-file', options.tls.key, '--tls-ca-cert-file', options.tls.ca, '--tls-auth-clients', 'no');
  } else args.push('--port', String(port));
  if (options.password !== undefined) args.push('--requirepass', options.password);
  const child = spawn(redisServerBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${output.slice(-500)}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`));
    });
  });
  child.stdout!.resume();
  return {
    port,
    url: `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    process: child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
