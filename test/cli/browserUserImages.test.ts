/**
 * `ll4al run --data FOLDER --oracle browser` on a folder of the user's photos without labels: the
 * page is served the photo's own file (its bytes and type), not the model's downsized input, and
 * a person's answer through the page is journaled.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.ts';
import type { DataSplit } from '../../src/data/imageSet.ts';
import { cliArgs, repoRoot } from '../support/cli.ts';
import { tempDir, writeImageFolder } from '../support/imageFiles.ts';

const work = tempDir('cli-browser-photos');
let split: DataSplit;
beforeAll(async () => {
  split = await loadDataset({ kind: 'embedded' });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the browser oracle on a folder of unlabeled photos', () => {
  it('serves each queried item as its original file and journals the answer given through the page', async () => {
    const data = join(work, 'photos');
    const names = await writeImageFolder(split.train, Array.from({ length: 24 }, (_, k) => k), data, 'unlabeled');
    const out = join(work, 'run');
    const args = ['run', '--data', data, '--classes', 'a,b,c', '--oracle', 'browser', '--image-size', '16', '--channels', '1', '--backend', 'wasm'];
    const child = spawn(process.execPath, [...cliArgs, ...args, '--cycles', '1', '--initial', '4', '--budget', '4', '--subset', '10', '--epochs', '1', '--out', out], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const start = Date.now();
      while (!/label at (\S+)/.test(output)) {
        if (child.exitCode !== null) throw new Error(`ll4al exited (${child.exitCode}) before printing its URL:\n${output}`);
        if (Date.now() - start > 120_000) throw new Error(`no URL after 120 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const url = new URL(/label at (\S+)/.exec(output)![1]!);
      const token = url.searchParams.get('token')!;
      const api = (path: string, body?: object) =>
        fetch(new URL(`${path}?token=${token}`, url), body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      // The initial set's queries come once the learner is ready: lease until one is there.
      let lease: { lease: string; id: number } | null = null;
      for (let tries = 0; lease === null && tries < 600; tries++) {
        const response = await api('/api/lease', { session: 'person-one' });
        expect(response.status).toBe(200);
        lease = ((await response.json()) as { lease: { lease: string; id: number } | null }).lease;
        if (lease === null) await new Promise((r) => setTimeout(r, 100));
      }
      expect(lease).not.toBeNull();
      const image = await api(`/api/items/${lease!.id}/image`);
      expect(image.status).toBe(200);
      const file = join(data, names[lease!.id]!);
      expect(image.headers.get('content-type')).toBe(file.endsWith('.png') ? 'image/png' : 'image/jpeg');
      expect(Buffer.from(await image.arrayBuffer()).equals(readFileSync(file))).toBe(true);
      const answered = await api('/api/answer', { session: 'person-one', lease: lease!.lease, id: lease!.id, label: 1 });
      expect(answered.status).toBe(200);
      const start2 = Date.now();
      let journal = '';
      while (!journal.includes(`"id":${lease!.id},`) && Date.now() - start2 < 30_000) {
        await new Promise((r) => setTimeout(r, 100));
        try {
          journal = readFileSync(join(out, 'labels.jsonl'), 'utf8');
        } catch {
          journal = '';
        }
      }
      const entry = journal.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { id: number; label: unknown }).find((e) => e.id === lease!.id);
      expect(entry?.label).toBe(1);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
