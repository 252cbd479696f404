import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliArgs } from '../support/cli.ts';
import { reportCommand } from '../../src/cli/reportCommand.ts';
import { InputError } from '../../src/inputError.ts';
import { fixtureHeader, fixtureRuns } from '../report/comparisonFixture.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll4al-report-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const writeComparison = (content: unknown = { ...fixtureHeader, runs: fixtureRuns, summary: [] }) =>
  writeFile(join(dir, 'results.json'), JSON.stringify(content));

describe('reportCommand', () => {
  it('re-renders curve.svg, ranking.svg, results.csv and runs.csv from DIR/results.json and prints the table', async () => {
    await writeComparison();
    const lines: string[] = [];
    const files = await reportCommand(dir, {}, (line) => lines.push(line));
    for (const name of ['curve.svg', 'ranking.svg', 'results.csv', 'runs.csv']) expect((await stat(join(dir, name))).size).toBeGreaterThan(0);
    expect(files.curveSvg).toBe(join(dir, 'curve.svg'));
    const out = lines.join('\n');
    // learning-loss cycle 3: 0.76, 0.80 → 78.00 ± 2.83 (%)
    expect(out).toContain('78.00 ± 2.83 *');
    expect(out).toContain(`curve:   ${join(dir, 'curve.svg')}`);
    expect(await readFile(join(dir, 'results.csv'), 'utf8')).toContain('learning-loss,3,600,testAccuracy,0.78,');
  });

  it('accepts the results.json path itself and prints one JSON line with --json', async () => {
    await writeComparison();
    const lines: string[] = [];
    await reportCommand(join(dir, 'results.json'), { json: true }, (line) => lines.push(line));
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0]!) as { type: string; summary: unknown[]; files: { curveSvg: string } };
    expect(event.type).toBe('report');
    expect(event.summary).toHaveLength(6);
    expect(event.files.curveSvg).toBe(join(dir, 'curve.svg'));
  });

  it('throws an InputError naming DIR/results.json when it is missing', async () => {
    await expect(reportCommand(dir, {}, () => {})).rejects.toThrow(InputError);
    await expect(reportCommand(dir, {}, () => {})).rejects.toThrow(`${join(dir, 'results.json')}: no such file`);
  });
});

describe('ll4al report (process)', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [...cliArgs, ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..') });

  it('exits 2 with one line naming the file and the bad field, no stack trace', async () => {
    await writeComparison({ ...fixtureHeader, runs: 'none', summary: [] });
    const result = cli('report', dir);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `ll4al: ${join(dir, 'results.json')}: invalid value "none" at runs: expected Array<RunRecord>`,
    ]);
  });

  it('exits 0 and prints the table for a good file (about 3 s: tsx start and two SVGs)', async () => {
    await writeComparison();
    const result = cli('report', dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Test accuracy (%), mean ± sample std over 2 trials');
  });
});
