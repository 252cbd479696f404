/**
 * A checkpoint is used only when it is whole: its manifest is there and every file has its
 * size and hash; anything else is "damaged", with the reason, and never loaded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../../src/store/checkpointFiles.ts';
import { runPaths, type RunPaths } from '../../src/store/runDirectory.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const saved = async (): Promise<{ paths: RunPaths; dir: string }> => {
  const root = mkdtempSync(join(tmpdir(), 'll4al-ckpt-'));
  dirs.push(root);
  const paths = runPaths(root);
  await saveCheckpoint(nodeFs, paths, 1, async (dir) => {
    writeFileSync(join(dir, 'model.json'), '{"layers":[]}');
    writeFileSync(join(dir, 'weights.bin'), Buffer.from([1, 2, 3, 4]));
  });
  return { paths, dir: join(root, 'checkpoints', 'cycle-1') };
};

describe('checkpoint files', () => {
  it('should load a whole checkpoint, and call nothing for a missing one', async () => {
    const { paths, dir } = await saved();
    const loaded: string[] = [];
    expect(await loadCheckpoint(nodeFs, paths, 1, async (d) => void loaded.push(d))).toEqual({ kind: 'loaded', dir });
    expect(await loadCheckpoint(nodeFs, paths, 2, async (d) => void loaded.push(d))).toEqual({ kind: 'missing', dir: join(paths.checkpoints, 'cycle-2') });
    expect(loaded).toEqual([dir]);
  });

  it.each([
    ['without its manifest (a partial copy)', (dir: string) => unlinkSync(join(dir, 'checkpoint.json')), 'checkpoint.json is missing'],
    ['with a manifest that is not JSON', (dir: string) => writeFileSync(join(dir, 'checkpoint.json'), '{"cycle": 1, "fi'), 'checkpoint.json is not valid JSON'],
    ['without a file', (dir: string) => unlinkSync(join(dir, 'weights.bin')), 'weights.bin is missing'],
    ['with a truncated file', (dir: string) => writeFileSync(join(dir, 'weights.bin'), Buffer.from([1, 2])), 'weights.bin has 2 bytes, the manifest says 4'],
    ['with a changed byte', (dir: string) => writeFileSync(join(dir, 'weights.bin'), Buffer.from([1, 2, 3, 5])), 'weights.bin does not match its SHA-256 in checkpoint.json'],
  ])('should call a checkpoint %s damaged and not load it', async (_name, damage, reason) => {
    const { paths, dir } = await saved();
    damage(dir);
    let loads = 0;
    expect(await loadCheckpoint(nodeFs, paths, 1, async () => void loads++)).toEqual({ kind: 'damaged', dir, reason });
    expect(loads).toBe(0);
  });

  it('should call a checkpoint the learner cannot load damaged, with its one-line reason', async () => {
    const { paths, dir } = await saved();
    const outcome = await loadCheckpoint(nodeFs, paths, 1, async () => {
      throw new Error('saved weights do not fit this model\nmore detail');
    });
    expect(outcome).toEqual({ kind: 'damaged', dir, reason: 'the learner could not load it: saved weights do not fit this model' });
  });

  it('should replace a damaged checkpoint of the same cycle whole, and leave no temporary behind', async () => {
    const { paths, dir } = await saved();
    writeFileSync(join(dir, 'weights.bin'), 'junk');
    await saveCheckpoint(nodeFs, paths, 1, async (d) => {
      writeFileSync(join(d, 'weights.bin'), Buffer.from([9]));
    });
    expect(nodeFs.readdirSync(paths.checkpoints)).toEqual(['cycle-1']);
    expect(nodeFs.readdirSync(dir).sort()).toEqual(['checkpoint.json', 'weights.bin']);
    expect([...readFileSync(join(dir, 'weights.bin'))]).toEqual([9]);
    expect((await loadCheckpoint(nodeFs, paths, 1, async () => {})).kind).toBe('loaded');
  });
});
