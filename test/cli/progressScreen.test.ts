import { Writable } from 'node:stream';
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.ts';

/** A terminal of 160 columns behind a TTY-like stream: what a person in tmux would see. */
const screen = (cols = 160, rows = 40) => {
  const terminal = new xterm.Terminal({ cols, rows, allowProposedApi: true, convertEol: true }) // a tty turns \n into \r\n (onlcr);
  let pending = Promise.resolve();
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        const text = chunk.toString();
        pending = pending.then(() => new Promise<void>((resolve) => terminal.write(text, resolve)));
        callback();
      },
    }),
    { isTTY: true, columns: cols, rows },
  );
  const lines = async (): Promise<string[]> => {
    await pending;
    const buffer = terminal.buffer.active;
    return Array.from({ length: buffer.length }, (_, i) => buffer.getLine(i)?.translateToString(true) ?? '').filter((l) => l.trim() !== '');
  };
  return { stream, lines };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const row = (cycle: number, labeled: number) => ({ cycle, labeled, metricName: 'testAccuracy', metric: 0.5 + cycle / 100, rankingAccuracy: 0.6 });

describe('the progress bars on a terminal', () => {
  it('should leave no bar remnant on the lines logged above the bars, however many arrive in one frame', async () => {
    const { stream, lines } = screen();
    const progress = createProgress('bars', { err: stream as unknown as NodeJS.WritableStream, out: new Writable({ write: (_c, _e, cb) => cb() }) });
    const runs = ['learning-loss-mse/trial-1', 'entropy/trial-1', 'random/trial-1'];
    for (const id of runs) progress.runStarted(id, { cycles: 3, epochs: 3 });
    for (const id of runs) progress.runEvent(id, { type: 'cycleStarted', cycle: 1, cycles: 3, labeled: 200 });
    for (const id of runs) progress.runEvent(id, { type: 'epochTrained', cycle: 1, report: { epoch: 2, epochs: 3 } });
    await sleep(250);
    // three finished cycles and a note in the same frame: several lines flushed at once over the bars
    for (const id of runs) progress.runEvent(id, { type: 'cycleFinished', cycle: 1, row: row(1, 200) });
    progress.note('a note');
    await sleep(250);
    for (const id of runs) progress.runEvent(id, { type: 'batchScored', cycle: 2, scored: 500, total: 2000 });
    progress.runEnded('random/trial-1');
    await sleep(250);
    progress.stop();
    const shown = await lines();
    const logged = shown.filter((l) => l.startsWith('[') || l === 'a note');
    expect(logged).toEqual([
      '[learning-loss-mse/trial-1] cycle 1/3: 200 labels, testAccuracy 51.0%, ranking 60.0%',
      '[entropy/trial-1] cycle 1/3: 200 labels, testAccuracy 51.0%, ranking 60.0%',
      '[random/trial-1] cycle 1/3: 200 labels, testAccuracy 51.0%, ranking 60.0%',
      'a note',
      '[random/trial-1] done',
    ]);
    // every other line is one whole bar
    const bars = shown.filter((x) => !logged.includes(x));
    expect(bars.length).toBeGreaterThan(0);
    for (const l of bars) expect(l).toMatch(/^\S+\/trial-1 +\|.*\| +[\d.]+% \| cycle \d\/3 \| .* \| ETA \S+$/);
  });
});
