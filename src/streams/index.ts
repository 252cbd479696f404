export type { AlEvent, AlEventType, CycleRow, StageSeconds } from './events';
export { createPoolState, withLabel, unlabeledIds, labeledPairs, type PoolState } from './poolState';
export { sampleSubset } from './sampleSubset';
export { scoreInBatches } from './scoreInBatches';
export { gatherScores, concatBatches } from './gatherScores';
export { rankBy, toRanking } from './rankBy';
export { takeTopK, type Selection } from './takeTopK';
export { queryOracle, type QueryEvent, type QueryOracleOptions } from './queryOracle';
export { mergeLabels, type Merged, type MergeOptions } from './mergeLabels';
export { retrain, type RetrainOptions } from './retrain';
export { evaluate } from './evaluate';
export type { Ranking, Scorer, Select, SelectionContext, Strategy, StrategyInput, StrategyOperator } from './strategy';
export {
  strategies,
  strategyNames,
  resolveStrategy,
  byScore,
  randomStrategy,
  coreSetStrategy,
  predictedLossScorer,
  entropyScorer,
  marginScorer,
  leastConfidenceScorer,
} from './strategies';
export { activeLearning, type ActiveLearningConfig, type CheckpointStore, type RestoredRun } from './activeLearning';
