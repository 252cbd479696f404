/**
 * Pure operators of Learning Loss for Active Learning: no tfjs, no RxJS. Plain (typed) arrays
 * in, values out; fp-ts `Either` where a result can be invalid or undefined. These are the
 * definitions the tensor code is tested against.
 */
export { splitPairs, pairItems, type Pair } from './pairs';
export { checkPairedValues, finiteValues, orderedValues, type ValuePolicy } from './pairedValues';
export {
  rankingIndicator,
  pairRankingLosses,
  marginRankingLoss,
  marginRankingLossGradient,
  mseLoss,
} from './rankingLoss';
export { rankingAccuracy, pairedRankingAccuracy } from './rankingAccuracy';
export { scoreOrd, checkCount, topKBy, topK } from './topK';
export {
  entropy,
  margin,
  leastConfidence,
  scoreRows,
  entropyScores,
  marginScores,
  leastConfidenceScores,
  type ProbabilityScorer,
} from './uncertainty';
export { kCenterGreedy, type CoreSetInput } from './kCenterGreedy';
export { Rng, deriveSeed, sampleWithoutReplacement, randomSubset, shuffle } from './random';
