/**
 * From a run configuration with `scoreWorkers` to the scoring stage of its pipeline: the one
 * place the run side of remote scoring is wired (the CLI calls it; a library user can too).
 */
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config/runConfig.ts';
import type { DataSplit, ImageSource } from '../data/imageSet.ts';
import { scoreOnWorkers } from '../streams/scoreOnWorkers.ts';
import { resolveStrategy } from '../streams/strategies.ts';
import type { ScoreStage } from '../streams/scoreStage.ts';
import type { Learner } from '../tasks/learner.ts';
import { checkRedis } from './redisClient.ts';
import { parseRedisUrl } from './redisUrl.ts';
import { scoringArithmetic, type LearnerSpec } from './scoreJob.ts';
import { SCORE_OUTPUTS, type ScoreOutputName } from './scoreWire.ts';
import { connectShardQueue } from './shardQueue.ts';

/**
 * The outputs workers send back for a strategy: l̂ and what it `requires` (every output, for a
 * strategy that does not say). The pipeline's scoring request names the same outputs.
 * @param strategy the strategy's name
 * @returns the outputs workers send back
 */
export const scoreOutputsFor = (strategy: string): ReadonlyArray<ScoreOutputName> => {
  const requires = resolveStrategy(strategy).requires;
  return requires === undefined ? SCORE_OUTPUTS : ['predictedLoss', ...requires];
};

/**
 * A run's id in job ids: its directory's name and a hash of its absolute path (the same for a
 * resumed run, different for two runs).
 * @param dir the run directory
 * @returns letters, digits, '-' and '_'
 */
export const runIdOf = (dir: string): string => {
  const full = resolve(dir);
  const name = basename(full).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${name}-${createHash('sha256').update(full).digest('hex').slice(0, 12)}`;
};

/** A scoring stage on workers and how to let go of it. */
export interface RemoteScoringStage {
  readonly stage: ScoreStage;
  close(): Promise<void>;
}

/**
 * Connects a run to its scoring workers (`config.scoreWorkers`).
 * @param config the run configuration (scoreWorkers, scoreShardSize, scoreFallback, scoreWorkerWaitMs, scoreBatchSize)
 * @param context the learner, its data, the strategy, the run's id, where warnings go
 * @returns the stage for `activeLearning`'s `scoreStage`, and close
 * @throws InputError of one line when Redis cannot be used
 */
export const connectWorkerScoring = async (
  config: RunConfig,
  context: {
    readonly learner: Learner<unknown>;
    readonly data: DataSplit<ImageSource>;
    readonly strategy: string;
    readonly lossObjective: 'ranking' | 'mse';
    readonly run: string;
    readonly onWarning: (message: string) => void;
  },
): Promise<RemoteScoringStage> => {
  if (config.scoreWorkers === null) throw new RangeError('connectWorkerScoring: the configuration names no scoreWorkers');
  const redis = parseRedisUrl(config.scoreWorkers, '--score-workers');
  await checkRedis(redis, '--score-workers');
  const queue = await connectShardQueue({ redis });
  // the backend the run actually scores on: a worker on another one refuses (its ranking would differ)
  const running = tf.getBackend();
  const backend = running === 'wasm' || running === 'cpu' || running === 'tensorflow' ? running : config.backend;
  const spec = {
    config: { ...config, scoreWorkers: null, backend },
    lossObjective: context.lossObjective,
    poolSize: context.data.train.count,
    dataName: context.data.name,
    arithmetic: scoringArithmetic(),
  } as LearnerSpec;
  const outputs = scoreOutputsFor(context.strategy);
  return {
    stage: (request) =>
      scoreOnWorkers(
        {
          queue,
          learner: context.learner,
          spec,
          run: context.run,
          outputs,
          shardSize: config.scoreShardSize,
          localBatchSize: config.scoreBatchSize,
          fallback: config.scoreFallback,
          workerWaitMs: config.scoreWorkerWaitMs,
          onWarning: context.onWarning,
        },
        request,
      ),
    close: () => queue.close(),
  };
};
