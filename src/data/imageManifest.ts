/**
 * Reading a manifest of images: a `.csv` file with a header row, or a `.jsonl` file of one JSON
 * object per line, each item with
 *
 *     path    the image file, relative to the manifest's folder (or absolute)   required
 *     label   its class name                                                   optional
 *     split   train, test or unlabeled (default: train with a label, unlabeled without)
 *
 * Other fields are ignored. Every problem is one line naming the manifest's line and the field.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { InputError } from '../inputError.ts';
import type { ImageEntry, ImageSplit } from './imageList.ts';

/** Whether `--data` names a manifest (by its extension). */
export const isManifestPath = (path: string): boolean => /\.(csv|jsonl)$/i.test(path);

const SPLITS: ReadonlyArray<ImageSplit> = ['train', 'test', 'unlabeled'];

/** The rows of a manifest with the line each starts on. */
const rowsOf = (file: string, text: string): Array<{ readonly line: number; readonly row: Record<string, unknown> }> => {
  const name = basename(file);
  if (/\.jsonl$/i.test(file)) {
    const rows: Array<{ line: number; row: Record<string, unknown> }> = [];
    text.split('\n').forEach((raw, k) => {
      if (raw.trim() === '') return;
      let row: unknown;
      try {
        row = JSON.parse(raw);
      } catch (error) {
        throw new InputError(`${name} line ${k + 1}: not JSON (${(error as Error).message.split('\n')[0]})`);
      }
      if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new InputError(`${name} line ${k + 1}: expected a JSON object with a "path" field`);
      rows.push({ line: k + 1, row: row as Record<string, unknown> });
    });
    return rows;
  }
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, { columns: true, info: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new InputError(`${name}: not a CSV file with a header row (${(error as Error).message.split('\n')[0]})`);
  }
  return records.map((r) => ({ line: r.info.lines, row: r.record }));
};

/**
 * Reads a manifest into image entries, checking that every file exists.
 * @param file the `.csv` or `.jsonl` manifest (`--data FILE`)
 * @returns the entries, in the manifest's order
 * @throws InputError naming the line and field of the first bad row
 */
export const readImageManifest = (file: string): ImageEntry[] => {
  if (!existsSync(file)) throw new InputError(`${file}: manifest not found (--data)`);
  const base = dirname(resolve(file));
  const name = basename(file);
  const rows = rowsOf(file, readFileSync(file, 'utf8'));
  if (rows.length === 0) throw new InputError(`${name}: the manifest lists no images`);
  return rows.map(({ line, row }) => {
    const where = `${name} line ${line}`;
    const path = row['path'];
    if (typeof path !== 'string' || path.trim() === '') throw new InputError(`${where}: field "path" is missing or empty`);
    const rawLabel = row['label'];
    if (rawLabel !== undefined && rawLabel !== null && typeof rawLabel !== 'string' && typeof rawLabel !== 'number') {
      throw new InputError(`${where}: field "label" must be a class name, got ${JSON.stringify(rawLabel)}`);
    }
    const label = rawLabel === undefined || rawLabel === null || String(rawLabel).trim() === '' ? undefined : String(rawLabel).trim();
    const rawSplit = row['split'];
    const splitText = rawSplit === undefined || rawSplit === null || String(rawSplit).trim() === '' ? undefined : String(rawSplit).trim();
    if (splitText !== undefined && !SPLITS.includes(splitText as ImageSplit)) {
      throw new InputError(`${where}: field "split" is "${splitText}", expected train, test or unlabeled`);
    }
    const split: ImageSplit = (splitText as ImageSplit | undefined) ?? (label === undefined ? 'unlabeled' : 'train');
    if (split !== 'unlabeled' && label === undefined) throw new InputError(`${where}: field "label" is missing for a ${split} item`);
    if (split === 'unlabeled' && label !== undefined) throw new InputError(`${where}: field "label" is given for an unlabeled item (drop the label or the split)`);
    const full = isAbsolute(path) ? path : resolve(base, path);
    if (!existsSync(full) || !statSync(full).isFile()) throw new InputError(`${where}: field "path": file ${path} not found (paths are relative to ${dirname(file)})`);
    return { path: full, name: path, split, ...(label === undefined ? {} : { className: label }), where };
  });
};
