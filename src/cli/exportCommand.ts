/**
 * `ll4al export RUN_DIR --format csv|jsonl|coco [--out FILE]`: every accepted label of a run
 * (its journal, labels.jsonl, the labels the data came with included as source `given`), with
 * each item's image path, in a format the next tool reads (see src/store/labelExport.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import * as t from 'io-ts';
import { classNamesOf } from '../data/load.ts';
import { InputError } from '../inputError.ts';
import { labelsAsCoco, labelsAsCsv, labelsAsJsonl, type ExportFormat } from '../store/labelExport.ts';
import { readJournal } from '../store/labelJournal.ts';
import { readPoolIndex } from '../store/poolIndex.ts';
import { runPaths } from '../store/runDirectory.ts';

const FORMATS: ReadonlyArray<ExportFormat> = ['csv', 'jsonl', 'coco'];

/**
 * The text of a run's labels in a format.
 * @param dir the run directory
 * @param format csv, jsonl or coco
 * @returns the text and how many labels it holds
 * @throws InputError for a directory without a run, an unknown format, or COCO where it does not apply
 */
export const exportLabels = (dir: string, format: string): { readonly text: string; readonly count: number } => {
  if (!FORMATS.includes(format as ExportFormat)) throw new InputError(`--format ${JSON.stringify(format)}: expected one of ${FORMATS.join(', ')}`);
  const paths = runPaths(dir);
  if (!existsSync(paths.config)) throw new InputError(`${dir}: not a run directory (no config.json)`);
  const config = JSON.parse(readFileSync(paths.config, 'utf8')) as { task?: string; data?: string; dataKind?: string };
  const task = config.task ?? 'classification';
  const pool = readPoolIndex(dir);
  const { entries } = readJournal(paths.labels, t.unknown);
  const classNames = pool === undefined && task === 'classification' ? classNamesOf((config.dataKind ?? 'fashion-mnist') as 'fashion-mnist') : undefined;
  const context = { task, ...(pool === undefined ? {} : { pool }), ...(classNames === undefined ? {} : { classNames }) };
  if (format === 'coco') {
    if (task === 'classification') throw new InputError(`--format coco writes boxes or keypoints: it is for detection and keypoints runs, and ${dir} is a classification run (use csv or jsonl)`);
    if (pool === undefined) throw new InputError(`--format coco needs the image files of the pool, and ${dir} ran on ll4al's own canvases (use csv or jsonl)`);
    return { text: `${JSON.stringify(labelsAsCoco(entries, pool), null, 1)}\n`, count: entries.length };
  }
  return { text: format === 'csv' ? labelsAsCsv(entries, context) : labelsAsJsonl(entries, context), count: entries.length };
};

/**
 * Registers `ll4al export`.
 * @param program the commander program
 */
export const register = (program: Command): void => {
  program
    .command('export')
    .description('write every accepted label of a run with its image path: CSV, JSON lines or COCO (detection, keypoints)')
    .argument('<run-dir>', 'the run directory')
    .option('--format <format>', 'csv, jsonl or coco (default csv)')
    .option('--out <file>', 'file to write (default: standard output)')
    .action((dir: string, flags: { format?: string; out?: string }) => {
      const { text, count } = exportLabels(dir, flags.format ?? 'csv');
      if (flags.out === undefined) process.stdout.write(text);
      else {
        writeFileSync(flags.out, text);
        process.stderr.write(`wrote ${count} labels to ${flags.out}\n`);
      }
    });
};
