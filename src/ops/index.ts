/**
 * Pure operators of Learning Loss for Active Learning: no tfjs, no RxJS. Plain (typed) arrays
 * in, values out; fp-ts `Either` where a result can be invalid or undefined. These are the
 * definitions the tensor code is tested against.
 */
export { splitPairs, pairItems, type Pair } from './pairs.ts';
export { checkPairedValues, finiteValues, orderedValues, type ValuePolicy } from './pairedValues.ts';
export {
  rankingIndicator,
  pairRankingLosses,
  marginRankingLoss,
  marginRankingLossGradient,
  mseLoss,
} from './rankingLoss.ts';
export { rankingAccuracy, pairedRankingAccuracy } from './rankingAccuracy.ts';
export { scoreOrd, checkCount, topKBy, topK } from './topK.ts';
export {
  entropy,
  margin,
  leastConfidence,
  scoreRows,
  entropyScores,
  marginScores,
  leastConfidenceScores,
  type ProbabilityScorer,
} from './uncertainty.ts';
export { kCenterGreedy, type CoreSetInput } from './kCenterGreedy.ts';
export { Rng, deriveSeed, sampleWithoutReplacement, randomSubset, shuffle } from './random.ts';
export { predictiveEntropy, mutualInformation, baldScores, mcEntropyScores, type McSamples } from './mcDropout.ts';
export { checkRows, embeddingSpace, type DistanceSpace } from './distanceSpace.ts';
export { kMeansPlusPlus, kMeansPlusPlusIn, type FirstCentre } from './kMeansPlusPlus.ts';
export { kMeans, type Clustering, type KMeansOptions } from './kMeans.ts';
export { badge, gradientEmbedding, gradientEmbeddingSpace, type BadgeInput } from './badge.ts';
export { typicality, typiclust, type TypiClustInput, type TypiClustOptions } from './typiclust.ts';
export { diverseTopK, type DiverseTopKInput, type DiverseTopKOptions, type DiversityMethod } from './diverseTopK.ts';
export { powerSample, powerWeights, type PowerSampleOptions } from './powerSampling.ts';
export { cohensKappa, stablePredictionsStop, lossPlateauStop, type StablePredictionsOptions, type LossPlateauOptions } from './stopping.ts';
