/**
 * The labeling page in a real browser (Debian's Chromium under playwright-core) against
 * `ll4al run --oracle browser` child processes with the real learners on the embedded data,
 * at a tiny size: every task labeled by keyboard and mouse with an undo and a skip, two pages
 * sharing a cycle, two answers per item, a kill -9 followed by `ll4al resume --oracle browser`;
 * and, on the library's oracle alone, a class picked by typing its name.
 *
 * Set LL4AL_SCREENSHOT_DIR to keep a screenshot of each task's page there.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as t from 'io-ts';
import { of } from 'rxjs';
import type { Page } from 'playwright-core';
import { imageSetItemImage } from '../../src/oracles/browser/itemImage.ts';
import { browserOracle } from '../../src/oracles/browserOracle.ts';
import { memoryJournal } from '../../src/store/labelJournal.ts';
import { mergeLabels } from '../../src/streams/mergeLabels.ts';
import { createPoolState } from '../../src/streams/poolState.ts';
import { queryOracle } from '../../src/streams/queryOracle.ts';
import { cliArgs, repoRoot } from '../support/cli.ts';
import { launchChromium, skipWithoutChromium, type TestBrowser } from '../support/chromium.ts';

const work = mkdtempSync(join(tmpdir(), 'll4al-page-'));
const shots = process.env['LL4AL_SCREENSHOT_DIR'];
/** Script errors of every page (none expected). */
const pageErrors: string[] = [];
if (shots) mkdirSync(shots, { recursive: true });

interface Run {
  readonly child: ChildProcess;
  readonly url: string;
  readonly dir: string;
  readonly exited: Promise<number | null>;
  readonly output: () => string;
}

/** Starts `ll4al <args>` from the sources and resolves once it prints the page's URL. */
const startRun = async (args: ReadonlyArray<string>, dir: string): Promise<Run> => {
  const child = spawn(process.execPath, [...cliArgs, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const start = Date.now();
  while (!/label at (\S+)/.test(output)) {
    if (child.exitCode !== null) throw new Error(`ll4al exited (${child.exitCode}) before printing its URL:\n${output}`);
    if (Date.now() - start > 120_000) throw new Error(`no URL after 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: /label at (\S+)/.exec(output)![1]!, dir, exited, output: () => output };
};

/** The run's exit code; a run still going after `ms` fails the test with the run's output. */
const exitOf = async (run: Run, ms = 120_000): Promise<number | null> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      process.stderr.write(`ll4al still running after ${ms} ms; its output:\n${run.output()}\n`);
      reject(new Error(`ll4al still running after ${ms} ms (its output is on stderr)`));
    }, ms);
  });
  try {
    return await Promise.race([run.exited, late]);
  } finally {
    clearTimeout(timer);
  }
};

const runArgs = (task: string, dir: string, extra: ReadonlyArray<string> = []) => [
  'run', '--task', task, '--oracle', 'browser', '--out', dir, '--initial', '4', '--budget', '4', '--cycles', '1', '--subset', '40', '--epochs', '1', '--seed', '5', ...extra,
];

/** The journal's lines: labels and withdrawals. */
const journalLines = (dir: string): Array<Record<string, unknown>> =>
  existsSync(join(dir, 'labels.jsonl'))
    ? readFileSync(join(dir, 'labels.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
/** The labels that count: the last label of each id after its withdrawals. */
const labelsOf = (dir: string): Map<number, unknown> => {
  const labels = new Map<number, unknown>();
  for (const line of journalLines(dir)) {
    if (line['withdrawn'] === true) labels.delete(line['id'] as number);
    else labels.set(line['id'] as number, line['label']);
  }
  return labels;
};

/** What the page functions below use of the DOM (the tests type-check without lib "dom"). */
type PageGlobals = { document: { getElementById(id: string): { textContent: string | null; hidden: boolean } | null } };

const shownItem = async (page: Page): Promise<number | undefined> => {
  const text = (await page.locator('#item-id').textContent()) ?? '';
  const m = /item (\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
};
/** Waits until the page shows an item other than `before` (or none, once the round is done). */
const nextItem = async (page: Page, before: number | undefined): Promise<number | undefined> => {
  await page.waitForFunction(
    (b) => {
      const { document } = globalThis as unknown as PageGlobals;
      const m = /item (\d+)/.exec(document.getElementById('item-id')?.textContent ?? '');
      const id = m ? Number(m[1]) : undefined;
      return id !== b || !document.getElementById('waiting')!.hidden;
    },
    before,
    { timeout: 30_000 },
  );
  return shownItem(page);
};
/** Waits until the page shows `n` answers accepted this round (the server has taken the answer). */
const answered = async (page: Page, n: number): Promise<void> => {
  await page.waitForFunction(
    (k) => ((globalThis as unknown as PageGlobals).document.getElementById('progress')?.textContent ?? '').startsWith(`${k} /`),
    n,
    { timeout: 30_000 },
  );
};
const waitForItem = async (page: Page): Promise<number> => {
  await page.waitForFunction(
    () => /item \d+/.test((globalThis as unknown as PageGlobals).document.getElementById('item-id')?.textContent ?? ''),
    undefined,
    { timeout: 120_000 },
  );
  return (await shownItem(page))!;
};
const openPage = async (browser: TestBrowser, url: string): Promise<Page> => {
  const context = await browser.context();
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Every title the waiting panel shows, however briefly.
  await page.addInitScript(() => {
    const g = globalThis as unknown as { waitingTitles: string[]; MutationObserver: new (f: () => void) => { observe(n: unknown, o: unknown): void } } & PageGlobals;
    g.waitingTitles = [];
    (globalThis as unknown as { addEventListener(e: string, f: () => void): void }).addEventListener('DOMContentLoaded', () => {
      const title = g.document.getElementById('waiting-title')!;
      new g.MutationObserver(() => g.waitingTitles.push(title.textContent ?? '')).observe(title, { childList: true, characterData: true, subtree: true });
    });
  });
  await page.goto(url);
  return page;
};
/** Image-pixel coordinates of the stage to page coordinates. */
const stagePoint = async (page: Page, side: number, x: number, y: number): Promise<[number, number]> => {
  const box = (await page.locator('#stage').boundingBox())!;
  return [box.x + (x / side) * box.width, box.y + (y / side) * box.height];
};
const drag = async (page: Page, side: number, from: [number, number], to: [number, number]) => {
  const a = await stagePoint(page, side, ...from);
  const b = await stagePoint(page, side, ...to);
  await page.mouse.move(...a);
  await page.mouse.down();
  await page.mouse.move(...b, { steps: 5 });
  await page.mouse.up();
};
const shoot = async (page: Page, name: string) => {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`) });
};

describe.skipIf(skipWithoutChromium())('the labeling page in Chromium', () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('should label two rounds of classification by keys and clicks, with an undo and a skip, and show the wait between them', async () => {
    const dir = join(work, 'classification');
    const run = await startRun(runArgs('classification', dir, ['--cycles', '2']), dir);
    try {
      const page = await openPage(browser, run.url);
      const first = await waitForItem(page);
      await page.keyboard.press('2');
      let now = await nextItem(page, first);
      // Undo at once, maybe while the answer is still settling (the page queues it, never drops
      // it): the first item comes back with the earlier answer marked; answer it again.
      await page.keyboard.press('z');
      now = await nextItem(page, now);
      expect(now).toBe(first);
      await page.locator('.choice.previous[data-class="1"]').waitFor();
      await page.keyboard.press('4');
      const skipped = await nextItem(page, first);
      await page.keyboard.press('s');
      now = await nextItem(page, skipped);
      // No prediction before the first training.
      expect(await page.locator('#prediction-toggle').isHidden()).toBe(true);
      while (now !== undefined && (await page.locator('#waiting').isHidden())) {
        await page.keyboard.press('0');
        now = await nextItem(page, now);
      }
      // Between the rounds the page says what the run does (recorded as it changes: the wait may be short).
      if (await page.locator('#waiting').isVisible()) await shoot(page, 'browser-waiting');
      // Round 2 by mouse: click a class button for each item; the model's prediction is on view.
      now = await waitForItem(page);
      await page.keyboard.press('p');
      await page.locator('#prediction', { hasText: /^model: .+ \(\d+%\)$/ }).waitFor();
      expect(await page.locator('.choice .bar').count()).toBe(10);
      await shoot(page, 'browser-classification');
      for (let k = 0; k < 4; k++) {
        await page.locator('.choice[data-class="5"]').click();
        now = await nextItem(page, now);
      }
      expect(await exitOf(run)).toBe(0);
      const titles = await page.evaluate(() => (globalThis as unknown as { waitingTitles: string[] }).waitingTitles);
      expect(titles).toContain('Training cycle 1');
      const labels = labelsOf(dir);
      expect(labels.size).toBe(8);
      expect(labels.get(first)).toBe(3);
      expect(labels.has(skipped!)).toBe(false);
      expect(journalLines(dir).filter((l) => l['withdrawn'] === true).map((l) => l['id'])).toEqual([first]);
      expect([...labels.values()].filter((l) => l === 5)).toHaveLength(4);
      const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
      expect(results.finished).toBe(true);
      expect(results.cycles).toHaveLength(2);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('should label a cycle of detection by drawing boxes, with an undo and a skip', async () => {
    const dir = join(work, 'detection');
    const run = await startRun(runArgs('detection', dir), dir);
    try {
      const page = await openPage(browser, run.url);
      const first = await waitForItem(page);
      await drag(page, 64, [8, 8], [30, 34]);
      await page.keyboard.press('3');
      await drag(page, 64, [36, 10], [60, 30]);
      await page.keyboard.press('Enter');
      let now = await nextItem(page, first);
      await answered(page, 1);
      // Undo the answer: the item is back with its two boxes; delete the second, redraw it as class 7.
      await page.keyboard.press('z');
      now = await nextItem(page, now);
      expect(now).toBe(first);
      expect(await page.locator('.box-row').count()).toBe(2);
      await page.locator('.box-row').nth(1).click();
      await page.keyboard.press('Delete');
      await drag(page, 64, [34, 36], [62, 62]);
      await page.keyboard.press('7');
      await shoot(page, 'browser-detection');
      await page.keyboard.press('Enter');
      const skipped = await nextItem(page, first);
      await page.keyboard.press('s');
      now = await nextItem(page, skipped);
      while (now !== undefined && (await page.locator('#waiting').isHidden())) {
        await drag(page, 64, [4, 4], [40, 40]);
        await page.keyboard.press('Enter');
        now = await nextItem(page, now);
      }
      expect(await exitOf(run)).toBe(0);
      const labels = labelsOf(dir);
      expect(labels.size).toBe(4);
      expect(labels.get(first)).toEqual([
        { box: [8, 8, 30, 34], class: 2 },
        { box: [34, 36, 62, 62], class: 6 },
      ]);
      expect(labels.has(skipped!)).toBe(false);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('should label a cycle of keypoints by clicking the points in order, with an undo and a skip', async () => {
    const dir = join(work, 'keypoints');
    const run = await startRun(runArgs('keypoints', dir), dir);
    const points: Array<[number, number]> = [[10, 10], [38, 10], [38, 40], [10, 40], [24, 25]];
    const clickAll = async (page: Page, list: ReadonlyArray<[number, number]>) => {
      for (const p of list) await page.mouse.click(...(await stagePoint(page, 48, ...p)));
    };
    try {
      const page = await openPage(browser, run.url);
      const first = await waitForItem(page);
      await clickAll(page, points);
      await page.keyboard.press('Enter');
      let now = await nextItem(page, first);
      await answered(page, 1);
      await page.keyboard.press('z'); // no point placed here yet: undoes the last answer
      now = await nextItem(page, now);
      expect(now).toBe(first);
      await page.keyboard.press('Backspace'); // the centre goes
      await clickAll(page, [[20, 30]]);
      await shoot(page, 'browser-keypoints');
      await page.keyboard.press('Enter');
      const skipped = await nextItem(page, first);
      await page.keyboard.press('s');
      now = await nextItem(page, skipped);
      while (now !== undefined && (await page.locator('#waiting').isHidden())) {
        await clickAll(page, points);
        await page.keyboard.press('Enter');
        now = await nextItem(page, now);
      }
      expect(await exitOf(run)).toBe(0);
      const labels = labelsOf(dir);
      expect(labels.size).toBe(4);
      const undone = labels.get(first) as Array<[number, number]>;
      expect(undone).toHaveLength(5);
      expect(undone[0]![0]).toBeCloseTo(10, 0);
      expect(undone[4]![0]).toBeCloseTo(20, 0);
      expect(undone[4]![1]).toBeCloseTo(30, 0);
      expect(labels.has(skipped!)).toBe(false);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('should let two pages label one cycle together, never showing both the same item', async () => {
    const dir = join(work, 'together');
    const run = await startRun(runArgs('classification', dir, ['--initial', '8']), dir);
    try {
      const pages = [await openPage(browser, run.url), await openPage(browser, run.url)];
      const shown: Array<number | undefined> = [await waitForItem(pages[0]!), await waitForItem(pages[1]!)];
      const seen: number[][] = [[], []];
      let turn = 0;
      while (shown.some((s) => s !== undefined)) {
        const k = turn++ % 2;
        if (shown[k] === undefined) continue;
        expect(shown[0]).not.toBe(shown[1]);
        seen[k]!.push(shown[k]!);
        await pages[k]!.keyboard.press(String(1 + k));
        shown[k] = await nextItem(pages[k]!, shown[k]);
        if (!(await pages[k]!.locator('#waiting').isHidden())) shown[k] = undefined;
      }
      expect(await exitOf(run)).toBe(0);
      const labels = labelsOf(dir);
      expect(labels.size).toBe(8);
      expect(journalLines(dir)).toHaveLength(8); // no duplicate, nothing rejected
      expect(seen[0]!.length + seen[1]!.length).toBe(8);
      expect(seen[0]!.filter((id) => seen[1]!.includes(id))).toEqual([]);
      for (const id of seen[0]!) expect(labels.get(id)).toBe(0);
      for (const id of seen[1]!) expect(labels.get(id)).toBe(1);
      expect(run.output()).not.toMatch(/rejected/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('should merge two people’s answers per item by majority and print the cycle’s agreement (--annotations-per-item 2)', async () => {
    const dir = join(work, 'agreement');
    const run = await startRun(runArgs('classification', dir, ['--initial', '3', '--annotations-per-item', '2']), dir);
    try {
      const first = await openPage(browser, run.url);
      let now: number | undefined = await waitForItem(first);
      const items: number[] = [];
      while (now !== undefined && (await first.locator('#waiting').isHidden())) {
        items.push(now);
        await first.keyboard.press('2');
        now = await nextItem(first, now);
      }
      expect(items).toHaveLength(3);
      await first.locator('#waiting-detail', { hasText: /other people/ }).waitFor();
      expect(journalLines(dir)).toEqual([]); // each item still waits for its second answer
      const second = await openPage(browser, run.url);
      now = await waitForItem(second);
      const keys = ['2', '3', '2'];
      for (let k = 0; now !== undefined && (await second.locator('#waiting').isHidden()); k++) {
        await second.keyboard.press(keys[k]!);
        now = await nextItem(second, now);
      }
      expect(await exitOf(run)).toBe(0);
      const labels = labelsOf(dir);
      expect([...labels.keys()].sort()).toEqual([...items].sort());
      // One disagreement: a tie of two goes to the earlier answer; agreement (1 + 1 + 0.5) / 3.
      expect([...labels.values()]).toEqual([1, 1, 1]);
      expect(run.output()).toContain('cycle 0: 3 items with 2 annotations each, agreement 0.833');
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('should pick a class beyond the tenth by typing its name', async () => {
    const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven'];
    const codec = new t.Type<number, unknown, unknown>('Class12', (u): u is number => Number.isInteger(u) && (u as number) >= 0 && (u as number) < 12, (u, c) => (Number.isInteger(u) && (u as number) >= 0 && (u as number) < 12 ? t.success(u as number) : t.failure(u, c)), t.identity);
    const oracle = browserOracle({
      task: { kind: 'classification', classNames: names },
      labelCodec: codec,
      itemImage: imageSetItemImage({ count: 20, height: 8, width: 8, channels: 1, pixels: new Uint8Array(20 * 64).fill(128) }),
    });
    const journal = memoryJournal<number>();
    const subscription = of({ picks: Int32Array.of(3, 4), reserve: new Int32Array(0) })
      .pipe(queryOracle(oracle, { labelCodec: codec, poolSize: 20, cycle: 1 }), mergeLabels(journal, createPoolState<number>(20), { source: 'browser' }))
      .subscribe();
    try {
      const page = await openPage(browser, (await oracle.ready).url);
      let now: number | undefined = await waitForItem(page);
      expect(await page.locator('#name-filter').count()).toBe(1);
      await page.keyboard.press('/');
      await page.keyboard.type('elev');
      expect(await page.locator('.choice[data-class]:not([hidden])').count()).toBe(1);
      await page.keyboard.press('Enter');
      const first = now;
      now = await nextItem(page, now);
      await page.locator('.choice[data-class="10"]').click();
      await nextItem(page, now);
      expect(journal.entries.map((e) => [e.id, e.label])).toEqual([
        [first, 11],
        [now, 10],
      ]);
    } finally {
      subscription.unsubscribe();
      await oracle.close();
    }
  });

  /** A yes/no round of items 3, 4, 5 whose images each take `delayMs`, journaled in memory. */
  const slowYesNoRound = (delayMs: number, grey: number) => {
    const codec = new t.Type<number, unknown, unknown>('Class2', (u): u is number => u === 0 || u === 1, (u, c) => (u === 0 || u === 1 ? t.success(u) : t.failure(u, c)), t.identity);
    const drawn = imageSetItemImage({ count: 20, height: 8, width: 8, channels: 1, pixels: new Uint8Array(20 * 64).fill(grey) });
    const oracle = browserOracle({
      task: { kind: 'classification', classNames: ['no', 'yes'] },
      labelCodec: codec,
      itemImage: async (id) => (await new Promise((r) => setTimeout(r, delayMs)), drawn(id)),
    });
    const journal = memoryJournal<number>();
    const round = { done: false };
    const subscription = of({ picks: Int32Array.of(3, 4, 5), reserve: new Int32Array(0) })
      .pipe(queryOracle(oracle, { labelCodec: codec, poolSize: 20, cycle: 1 }), mergeLabels(journal, createPoolState<number>(20), { source: 'browser' }))
      .subscribe({ complete: () => (round.done = true) });
    return { oracle, journal, round, subscription };
  };

  it('should keep every leased item in view when an undo overtakes the preload of the next item', async () => {
    // Slow images: the preload of a new item is still on its way when the undo (its image cached) returns.
    const { oracle, journal, round, subscription } = slowYesNoRound(400, 90);
    try {
      const page = await openPage(browser, (await oracle.ready).url);
      const first = await waitForItem(page);
      await page.waitForTimeout(1000); // the second item is preloaded
      await page.keyboard.press('1');
      const second = await nextItem(page, first);
      await page.keyboard.press('z'); // while the third item's image loads
      expect(await nextItem(page, second)).toBe(first);
      let now: number | undefined = first;
      const answered: number[] = [];
      while (now !== undefined && (await page.locator('#waiting').isHidden())) {
        answered.push(now);
        await page.keyboard.press('2');
        now = await nextItem(page, now);
      }
      expect(round.done).toBe(true);
      expect(answered.sort()).toEqual([3, 4, 5]);
      expect(journal.entries.map((e) => e.label)).toEqual([1, 1, 1]);
    } finally {
      subscription.unsubscribe();
      await oracle.close();
    }
  });

  it('should keep the item a fill put on screen when an answer outran the preload (the next key goes to the item shown)', async () => {
    // Every image takes 300 ms: the first answer goes before the second item has loaded.
    const { oracle, journal, subscription } = slowYesNoRound(300, 60);
    try {
      const page = await openPage(browser, (await oracle.ready).url);
      const first = await waitForItem(page);
      await page.keyboard.press('1');
      const second = await nextItem(page, first);
      expect(second).not.toBe(first);
      await page.waitForTimeout(1200); // the third item's preload has long arrived
      expect(await shownItem(page)).toBe(second);
      await page.keyboard.press('2');
      await answered(page, 2);
      expect(journal.entries.map((e) => [e.id, e.label])).toEqual([
        [first, 0],
        [second, 1],
      ]);
    } finally {
      subscription.unsubscribe();
      await oracle.close();
    }
  });

  it('should lose no answer when the server is killed mid-cycle, and serve the rest after ll4al resume --oracle browser', async () => {
    const dir = join(work, 'killed');
    const run = await startRun(runArgs('classification', dir, ['--initial', '6']), dir);
    const page = await openPage(browser, run.url);
    let now: number | undefined = await waitForItem(page);
    const before: number[] = [];
    for (let k = 0; k < 3; k++) {
      before.push(now!);
      await page.keyboard.press('3');
      now = await nextItem(page, now);
      await answered(page, k + 1);
    }
    run.child.kill('SIGKILL');
    await run.exited;
    // Every answer the page saw accepted is in the journal.
    expect([...labelsOf(dir).keys()].sort()).toEqual([...before].sort());
    await page.locator('#waiting-title', { hasText: /not answering/ }).waitFor({ timeout: 20_000 });
    const resumed = await startRun(['resume', dir, '--oracle', 'browser'], dir);
    try {
      await page.goto(resumed.url);
      now = await waitForItem(page);
      while (now !== undefined && (await page.locator('#waiting').isHidden())) {
        expect(before).not.toContain(now);
        await page.keyboard.press('4');
        now = await nextItem(page, now);
      }
      expect(await exitOf(resumed)).toBe(0);
      const labels = labelsOf(dir);
      expect(labels.size).toBe(6);
      for (const id of before) expect(labels.get(id)).toBe(2);
      expect([...labels.values()].filter((l) => l === 3)).toHaveLength(3);
    } finally {
      resumed.child.kill('SIGKILL');
    }
  });
});
