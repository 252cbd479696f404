export type { AlEvent, AlEventType, CycleRow, StageSeconds } from './events.ts';
export { createPoolState, withLabel, unlabeledIds, labeledPairs, type PoolState } from './poolState.ts';
export { sampleSubset } from './sampleSubset.ts';
export { scoreInBatches } from './scoreInBatches.ts';
export { gatherScores, concatBatches, inIdOrder } from './gatherScores.ts';
export { localScoring, type ScoreRequest, type ScoreStage } from './scoreStage.ts';
export { scoreOnWorkers, type WorkerScoringOptions } from './scoreOnWorkers.ts';
export { rankBy, toRanking } from './rankBy.ts';
export { takeTopK, type Selection } from './takeTopK.ts';
export { queryOracle, type QueryEvent, type QueryOracleOptions } from './queryOracle.ts';
export { mergeLabels, type Merged, type MergeOptions } from './mergeLabels.ts';
export { retrain, type RetrainOptions } from './retrain.ts';
export { evaluate } from './evaluate.ts';
export type { Ranking, Scorer, Select, SelectionContext, Strategy, StrategyInput, StrategyOperator } from './strategy.ts';
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
} from './strategies.ts';
export { activeLearning, type ActiveLearningConfig, type CheckpointStore, type RestoredRun } from './activeLearning.ts';
