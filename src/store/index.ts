export { runPaths, checkpointDir, type RunPaths } from './runDirectory.ts';
export { acquireRunLock, checkRunLockFree, type RunLock } from './runLock.ts';
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
  type ReadJournalOptions,
} from './labelJournal.ts';
export { readResults, writeResults, RunResults, ResumeRecord } from './resultsFile.ts';
export { realFs, writeFileDurably, fsyncDirectory, syncTree, StorageError, type DurableFs } from './durableFs.ts';
export { CHECKPOINT_MANIFEST, type CheckpointOutcome } from './checkpointFiles.ts';
export { POOL_INDEX_FILE, PoolIndex, poolItemFile, readPoolIndex, writePoolIndex } from './poolIndex.ts';
export { labelsAsCoco, labelsAsCsv, labelsAsJsonl, type ExportContext, type ExportFormat } from './labelExport.ts';
