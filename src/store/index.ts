export { runPaths, checkpointDir, type RunPaths } from './runDirectory';
export { acquireRunLock, type RunLock } from './runLock';
export {
  memoryJournal,
  openFileJournal,
  readJournal,
  repairJournalTail,
  type FileJournal,
  type JournalContents,
  type JournalEntry,
  type LabelJournal,
  type MemoryJournal,
} from './labelJournal';
export { readResults, writeResults, type RunResults } from './resultsFile';
