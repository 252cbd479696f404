import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * The URL of tsx's ESM API, found from this module (not from the working directory, which
 * may have no tsx): its package.json's `exports['./esm/api'].import.default`.
 */
const tsxEsmApiUrl = (): string => {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = createRequire(import.meta.url)('tsx/package.json') as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href;
};

/**
 * The Node flags a child process needs to run the module next to `base` the way `base` runs:
 * none for the built package (`.js`), tsx's loader for sources (`.ts`, a development checkout).
 * @param base - `import.meta.url` of the calling module
 */
export const childLoaderArgs = (base: string): string[] => {
  if (!base.endsWith('.ts')) return [];
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = createRequire(import.meta.url)('tsx/package.json') as { exports: Record<string, unknown> };
  return ['--import', pathToFileURL(path.join(path.dirname(manifestPath), manifest.exports['.'] as string)).href];
};

/**
 * Starts a worker thread on the module `name` (without extension) next to `base`, and resolves
 * once it posts its first message (its "ready"). Under tsx (sources run as .ts) the thread
 * registers tsx's loader before importing the module.
 *
 * @param base - `import.meta.url` of the calling module
 * @param name - the worker module's name, e.g. './inferenceWorker'
 * @param workerData - given to the thread
 */
export const spawnWorker = (base: string, name: string, workerData: unknown): Promise<Worker> => {
  const fromSource = base.endsWith('.ts');
  const workerUrl = new URL(`${name}${fromSource ? '.ts' : '.js'}`, base);
  const worker = fromSource
    ? new Worker(
        `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); });`,
        { eval: true, workerData },
      )
    : new Worker(workerUrl, { workerData });
  return new Promise<Worker>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve(worker));
  });
};
