import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/inputError.ts';
import { readComparisonResults } from '../../src/report/readComparisonResults.ts';
import { fixtureHeader, fixtureRuns } from './comparisonFixture.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll4al-read-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = async (content: unknown): Promise<string> => {
  const file = join(dir, 'results.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

const comparison = { ...fixtureHeader, runs: fixtureRuns, summary: [] };

const failure = async (file: string): Promise<InputError> => {
  try {
    await readComparisonResults(file);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
};

describe('readComparisonResults', () => {
  it('recomputes the summary from the runs, not from the stored summary', async () => {
    const { summary } = await readComparisonResults(await write(comparison));
    expect(summary).toHaveLength(6);
    expect(summary.find((r) => r.strategy === 'random' && r.cycle === 1)!.mean).toBeCloseTo(0.52, 12);
  });

  it('reads a single run as a comparison of one strategy and one trial', async () => {
    const { results, summary } = await readComparisonResults(await write({ strategy: 'entropy', seed: 3, cycles: fixtureRuns[0]!.cycles }));
    expect(results.strategies).toEqual(['entropy']);
    expect(results.metricName).toBe('testAccuracy');
    expect(summary.map((r) => [r.cycle, r.mean, r.std, r.n])).toEqual([
      [1, 0.5, 0, 1],
      [2, 0.6, 0, 1],
      [3, 0.7, 0, 1],
    ]);
  });

  it('names a missing file', async () => {
    const error = await failure(join(dir, 'nothing', 'results.json'));
    expect(error.message).toMatch(/nothing\/results\.json: no such file/);
  });

  it('names a file that is not JSON', async () => {
    const error = await failure(await write('{"runs": ['));
    expect(error.message).toMatch(/results\.json: not valid JSON/);
    expect(error.message).not.toContain('\n');
  });

  it('names the path and the value of a bad field', async () => {
    const bad = { ...comparison, runs: [{ ...fixtureRuns[0]!, cycles: [{ ...fixtureRuns[0]!.cycles[0]!, labeled: 'many' }] }] };
    const error = await failure(await write(bad));
    expect(error.message).toBe(`${join(dir, 'results.json')}: invalid value "many" at runs/0/cycles/0/labeled: expected number`);
  });

  it('names a run whose rows lack the metric', async () => {
    const error = await failure(await write({ ...comparison, metricName: 'pck' }));
    expect(error.message).toContain('run random/trial-0: cycles/0/pck is undefined, expected a number');
  });

  it('refuses a comparison without runs', async () => {
    const error = await failure(await write({ ...comparison, runs: [] }));
    expect(error.message).toContain('runs is empty');
  });
});
