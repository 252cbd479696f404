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
export type { Ranking, Requirements, Scorer, Select, SelectionContext, Strategy, StrategyInput, StrategyOperator } from './strategy.ts';
export {
  strategies,
  createStrategies,
  type StrategyOptions,
  strategyNames,
  strategyProtocols,
  resolveStrategy,
  outputRows,
  type StrategyProtocol,
  byScore,
  randomStrategy,
  coreSetStrategy,
  predictedLossScorer,
  entropyScorer,
  marginScorer,
  leastConfidenceScorer,
} from './strategies.ts';
export { activeLearning, type ActiveLearningConfig, type RestoredRun } from './activeLearning.ts';
export { checkStrategy, outputsFor, type LearnerCapabilities } from './checkStrategy.ts';
export { startCycle, stateStep, type CycleState, type CycleTally, type Stage, type StateStep, type Step } from './cycleState.ts';
export { onState } from './onState.ts';
export { toEvents } from './toEvents.ts';
export { timeStage } from './timeStage.ts';
export { trainAndEvaluate, type TrainOptions } from './trainAndEvaluate.ts';
export { fitLearner } from './fitLearner.ts';
export { evaluateLearner } from './evaluateLearner.ts';
export { saveCheckpoint, type CheckpointStore } from './saveCheckpoint.ts';
export { unlessRestored } from './unlessRestored.ts';
export { selectQueries, type SelectOptions } from './selectQueries.ts';
export { scoreCandidates } from './scoreCandidates.ts';
export { rankCandidates } from './rankCandidates.ts';
export { labelSelection, type LabelOptions } from './labelSelection.ts';
export { drawInitial, type InitialOptions } from './drawInitial.ts';
export { finishCycle } from './finishCycle.ts';
export { repeatCycles, type CycleRange } from './repeatCycles.ts';
export { measureStopSet, type StopSetOptions } from './measureStopSet.ts';
export { decideStopping, unlessStopped } from './decideStopping.ts';
export { candidateRows, embeddingRows, mcSampleRows, probabilityRows, type Rows } from './candidateRows.ts';
export { badgeStrategy, typiclustStrategy, learningLossDiverseStrategy, type TypiClustStrategyOptions, type DiverseStrategyOptions } from './diversityStrategies.ts';
export { powerStrategy } from './powerStrategies.ts';
export { baldScorer, mcEntropyScorer, DEFAULT_MC_PASSES } from './mcDropoutStrategies.ts';
export { criterionHolds, firstStop, decideStop, type StopCriterion, type StopKind, type StoppingConfig, type StopReason, type StopRow as StopCycle, type StopStatistics } from '../ops/stopCriteria.ts';
