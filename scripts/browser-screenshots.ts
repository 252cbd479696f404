// The screenshots of docs/browser-oracle.md (docs/images/browser-*.png), in Debian's Chromium:
// detection and keypoints with an item's true boxes / points drawn by mouse, classification
// with the model's prediction after 300 simulated labels.
//   npx tsx scripts/browser-screenshots.ts classification|detection|keypoints OUT.png
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../test/support/chromium.ts';
import { cliArgs, repoRoot } from '../test/support/cli.ts';
import { decodeRunConfig } from '../src/config/runConfig.ts';
import { loadDataset } from '../src/data/load.ts';
import { setupTask } from '../src/cli/taskSetup.ts';
import { initBackend } from '../src/backend/initBackend.ts';

const which = process.argv[2]!;
const out = process.argv[3]!;
const start = (args: string[]) => {
  const child = spawn(process.execPath, [...cliArgs, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  return { child, text: () => text };
};
const urlOf = async (run: ReturnType<typeof start>) => {
  while (!/label at (\S+)/.test(run.text())) await new Promise((r) => setTimeout(r, 100));
  return /label at (\S+)/.exec(run.text())![1]!;
};
const b = await launchChromium();
const page = (await b.context()).pages()[0]!;
const shownId = async () => Number(/item (\d+)/.exec((await page.locator('#item-id').textContent()) ?? '')![1]);
const point = async (side: number, x: number, y: number) => {
  const box = (await page.locator('#stage').boundingBox())!;
  return [box.x + (x / side) * box.width, box.y + (y / side) * box.height] as const;
};
const dir = `/tmp/bo-doc-${which}`;
rmSync(dir, { recursive: true, force: true });
if (which === 'classification') {
  const sim = start(['run', '--oracle', 'simulated', '--out', dir, '--initial', '300', '--budget', '6', '--cycles', '2', '--subset', '200', '--epochs', '4', '--seed', '2']);
  while (!(existsSync(join(dir, 'labels.jsonl')) && readFileSync(join(dir, 'labels.jsonl'), 'utf8').split('\n').length > 300)) await new Promise((r) => setTimeout(r, 50));
  sim.child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 500));
  const run = start(['resume', dir, '--oracle', 'browser']);
  await page.goto(await urlOf(run));
  await page.waitForFunction(() => /item \d+/.test((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('item-id').textContent), undefined, { timeout: 300_000 });
  await page.keyboard.press('1'); // one answered, so the progress shows
  await page.waitForTimeout(800);
  await page.keyboard.press('p');
  await page.locator('#prediction', { hasText: /model/ }).waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: out });
  run.child.kill('SIGKILL');
} else {
  const args = ['run', '--task', which, '--oracle', 'browser', '--out', dir, '--initial', '4', '--budget', '4', '--cycles', '1', '--subset', '40', '--epochs', '1', '--seed', '5'];
  const run = start(args);
  await page.goto(await urlOf(run));
  await page.waitForFunction(() => /item \d+/.test((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('item-id').textContent), undefined, { timeout: 120_000 });
  await initBackend('cpu');
  const data = await loadDataset({ kind: 'embedded' });
  const setup = setupTask(decodeRunConfig({ task: which, seed: 5 }), data, 'ranking');
  // Answer the first item so the progress moves, then draw the truth on the second.
  const first = await shownId();
  if (which === 'detection') {
    const truth = setup.truth(first) as Array<{ box: number[]; class: number }>;
    for (const o of truth) {
      await page.mouse.move(...(await point(64, o.box[0]!, o.box[1]!)));
      await page.mouse.down();
      await page.mouse.move(...(await point(64, o.box[2]!, o.box[3]!)), { steps: 4 });
      await page.mouse.up();
      await page.keyboard.press(o.class === 9 ? '0' : String(o.class + 1));
    }
  } else {
    for (const p of setup.truth(first) as Array<[number, number]>) await page.mouse.click(...(await point(48, p[0], p[1])));
  }
  await page.keyboard.press('Enter');
  await page.waitForTimeout(800);
  const id = await shownId();
  if (which === 'detection') {
    const truth = setup.truth(id) as Array<{ box: number[]; class: number }>;
    for (const o of truth) {
      await page.mouse.move(...(await point(64, o.box[0]!, o.box[1]!)));
      await page.mouse.down();
      await page.mouse.move(...(await point(64, o.box[2]!, o.box[3]!)), { steps: 4 });
      await page.mouse.up();
      await page.keyboard.press(o.class === 9 ? '0' : String(o.class + 1));
    }
  } else {
    const truth = setup.truth(id) as Array<[number, number]>;
    for (const p of truth.slice(0, 4)) await page.mouse.click(...(await point(48, p[0], p[1])));
    await page.mouse.move(...(await point(48, truth[4]![0], truth[4]![1])));
  }
  await page.waitForTimeout(300);
  await page.screenshot({ path: out });
  setup.learner.dispose();
  run.child.kill('SIGKILL');
}
await b.close();
process.exit(0);
