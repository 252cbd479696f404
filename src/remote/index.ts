/**
 * Scoring on many machines: `ll4al worker` processes take a run's scoring jobs from Redis
 * (BullMQ) and send back binary scores. The run side is the `scoreOnWorkers` stage
 * (ll4al/streams) over {@link connectShardQueue}; {@link connectWorkerScoring} wires it from a
 * run configuration as the CLI does. Importing this module loads BullMQ.
 */
export { parseRedisUrl, redactRedisUrl, REDIS_PASSWORD_ENV, REDIS_CA_ENV, type RedisTarget } from './redisUrl.ts';
export { checkRedis, createRedis, redisOptions } from './redisClient.ts';
export {
  ScoreJob,
  LearnerSpec,
  ScoreJobResult,
  decodeScoreJob,
  scoreJobId,
  modelKey,
  scoresKey,
  DEFAULT_SCORE_QUEUE,
} from './scoreJob.ts';
export {
  encodeShardScores,
  decodeShardScores,
  shardScoresOf,
  scoredBatchOf,
  SCORE_OUTPUTS,
  type NamedOutput,
  type ShardScores,
  type ScoreOutputName,
} from './scoreWire.ts';
export { packModelDir, unpackModelBlob, learnerModelBlob, loadModelBlob, type ModelBlob } from './modelBlob.ts';
export { connectShardQueue, type ShardQueue, type ShardQueueOptions, type ShardOutcome } from './shardQueue.ts';
export { startScoringWorker, type ScoringWorker, type ScoringWorkerOptions } from './scoringWorker.ts';
export { connectWorkerScoring, scoreOutputsFor, runIdOf, type RemoteScoringStage } from './workerScoring.ts';
