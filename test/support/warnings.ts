/**
 * Runs `work` and gives back its result and the messages of the process warnings emitted
 * meanwhile (a worker pool that fails to start warns and falls back to this thread, which
 * would make a test of several threads trivial).
 */
export const withWarnings = async <T>(work: () => Promise<T>): Promise<{ result: T; warnings: string[] }> => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const result = await work();
    // process.emitWarning delivers on a later tick
    await new Promise((resolve) => setImmediate(resolve));
    return { result, warnings };
  } finally {
    process.off('warning', onWarning);
  }
};
