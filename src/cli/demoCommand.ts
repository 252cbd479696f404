/**
 * `ll4al demo [--out DIR]` (also `npm run demo`): the comparison of the `demo` preset on the
 * embedded data — learning loss against random and entropy, 2 trials, a short protocol —
 * then the table and the path of curve.svg.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { presets } from '../config/presets.ts';
import { executeComparison, planComparison, printOutcome, withRunFlags, type CompareFlags } from './compareCommand.ts';
import { chooseProgressMode, createProgress } from './progress.ts';

/**
 * The demo's directory when none is given: runs/demo, or runs/demo-2, -3, … when an earlier
 * demo is there (it is kept, never overwritten).
 * @param exists whether a path exists
 * @returns the first free directory
 */
export const freeDemoDir = (exists: (path: string) => boolean = existsSync): string => {
  for (let n = 1; ; n++) {
    const dir = n === 1 ? 'runs/demo' : `runs/demo-${n}`;
    if (!exists(dir)) return dir;
  }
};

/**
 * Registers `ll4al demo`.
 * @param program the commander program
 */
export const register = (program: Command): void => {
  const demo = presets['demo']!;
  withRunFlags(
    program
      .command('demo')
      .description(`compare strategies on the embedded data (${demo.description}) and print the table and curve.svg`)
      .option('--strategies <list>', `comma-separated strategies (default ${demo.compare?.strategies.join(',')})`)
      .option('--trials <n>', `trials per strategy (default ${demo.compare?.trials})`)
      .option('--out <dir>', 'comparison directory (default runs/demo, or runs/demo-N when taken)'),
  ).action(async (flags: CompareFlags) => {
    const plan = planComparison({ preset: 'demo', ...flags, out: typeof flags['out'] === 'string' ? flags['out'] : freeDemoDir() });
    const mode = chooseProgressMode({ json: flags['json'] === true, quiet: flags['quiet'] === true }, process.stderr.isTTY === true);
    const started = Date.now();
    const outcome = await executeComparison(plan, createProgress(mode));
    const write = (line: string): void => void process.stdout.write(`${line}\n`);
    printOutcome(outcome, mode === 'json', write);
    if (mode !== 'json') write(`demo finished in ${((Date.now() - started) / 1000).toFixed(0)} s; open ${outcome.files.curveSvg}`);
  });
};
