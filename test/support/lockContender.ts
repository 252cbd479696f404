/**
 * One contender of the lock race (test/store/runLockRace.test.ts): prints `ready`, waits for
 * the file GO, tries to take DIR/run.lock, prints `won` or `refused <message>`, and a winner
 * holds the lock until the file RELEASE appears.
 *
 *     node --import tsx test/support/lockContender.ts DIR GO RELEASE
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { acquireRunLock } from '../../src/store/runLock.ts';

const [dir, go, release] = process.argv.slice(2) as [string, string, string];
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
process.stdout.write('ready\n');
while (!existsSync(go)) pause(1);
let lock;
try {
  lock = acquireRunLock(join(dir, 'run.lock'), dir);
} catch (error) {
  process.stdout.write(`refused ${(error as Error).message}\n`);
  process.exit(0);
}
process.stdout.write('won\n');
while (!existsSync(release)) pause(5);
lock.release();
