import type { PerSampleLoss } from './jointObjective.ts';

/**
 * Where a per-sample loss is found by module URL and export name, so that a training worker
 * thread imports the very function this thread trains with (needed for `trainThreads` 2).
 */
export interface LossSource {
  /** URL of the module exporting the per-sample loss `(heads, target) => Tensor1D`. */
  readonly module: string;
  /** Its export's name. */
  readonly exportName: string;
  /** Modules to import first (e.g. those registering custom layers). */
  readonly preload?: ReadonlyArray<string>;
}

/**
 * The URL a worker thread imports a module by: `path` next to `base`, with the extension of
 * `base` (`.ts` under tsx, `.js` once built).
 * @param base - the importing module's `import.meta.url`
 * @param path - e.g. './crossEntropy'
 * @returns the module's URL
 */
export const workerModuleUrl = (base: string, path: string): string => new URL(`${path}${base.endsWith('.ts') ? '.ts' : '.js'}`, base).href;

/**
 * Imports a per-sample loss from its source — the one loader of the main thread and of the
 * training worker, so both train with the same function of the same module.
 * @param source - module URL, export name, modules to import first
 * @returns the function
 * @throws Error when the module exports no function of that name
 */
export const loadPerSampleLoss = async (source: LossSource): Promise<PerSampleLoss> => {
  for (const url of source.preload ?? []) await import(url);
  const loss = ((await import(source.module)) as Record<string, unknown>)[source.exportName];
  if (typeof loss !== 'function') throw new Error(`${source.module} exports no function ${source.exportName}`);
  return loss as PerSampleLoss;
};
