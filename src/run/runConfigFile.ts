/**
 * config.json of a run directory: read back, and compared with the configuration a resume is
 * given, field by field.
 */
import { InputError } from '../inputError.ts';
import { realFs, type DurableFs } from '../store/durableFs.ts';

/**
 * Reads config.json as a JSON object.
 * @param path the file
 * @param fs the file-system layer (default: node:fs)
 * @returns its fields
 * @throws InputError naming the file when it is not a JSON object
 */
export const readRunConfig = (path: string, fs: DurableFs = realFs): Readonly<Record<string, unknown>> => {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(path).toString('utf8'));
  } catch {
    throw new InputError(`${path}: not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(`${path}: not a JSON object`);
  return value as Record<string, unknown>;
};

/** A configuration of a resume differs from the run's in `field`. */
export class ConfigMismatchError extends InputError {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  ) ?? 'undefined';

/**
 * Refuses a resume whose configuration differs from the stored one (nested fields are named
 * with a dot: `trainer.learningRate`).
 * @param path config.json, for the message
 * @param stored what config.json holds
 * @param given the resume's configuration
 * @param mayChange fields allowed to differ
 * @throws ConfigMismatchError naming the first field that differs
 */
export const checkResumeConfig = (
  path: string,
  stored: Readonly<Record<string, unknown>>,
  given: Readonly<Record<string, unknown>>,
  mayChange: ReadonlyArray<string>,
): void => {
  const compare = (a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>, prefix: string): void => {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const field = `${prefix}${key}`;
      if (mayChange.includes(field)) continue;
      const x = a[key];
      const y = b[key];
      const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
      if (isObject(x) && isObject(y)) {
        compare(x, y, `${field}.`);
        continue;
      }
      if (canonical(x) !== canonical(y)) {
        throw new ConfigMismatchError(
          `${path}: ${field} is ${canonical(x)} in this run, not ${canonical(y)}: a run resumes with the configuration it started with`,
          field,
        );
      }
    }
  };
  compare(stored, given, '');
};
