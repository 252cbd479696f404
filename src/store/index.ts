export { runPaths, checkpointDir, type RunPaths } from './runDirectory.ts';
export { acquireRunLock, type RunLock } from './runLock.ts';
export {
  memoryJournal,
  openFileJournal,
  readJournal,
  repairJournalTail,
  type FileJournal,
  type JournalContents,
  type JournalEntry,
  type JournalWithdrawal,
  type LabelJournal,
  type MemoryJournal,
} from './labelJournal.ts';
export { readResults, writeResults, type RunResults } from './resultsFile.ts';
export { POOL_INDEX_FILE, PoolIndex, poolItemFile, readPoolIndex, writePoolIndex } from './poolIndex.ts';
export { labelsAsCoco, labelsAsCsv, labelsAsJsonl, type ExportContext, type ExportFormat } from './labelExport.ts';
