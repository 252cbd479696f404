import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  filter,
  from,
  ignoreElements,
  interval,
  map,
  merge,
  mergeMap,
  Observable,
  of,
  take,
  takeWhile,
  tap,
  throwError,
  timeout,
  type OperatorFunction,
} from 'rxjs';
import { learnerModelBlob } from '../remote/modelBlob.ts';
import type { ScoreJob, LearnerSpec } from '../remote/scoreJob.ts';
import { scoreJobId } from '../remote/scoreJob.ts';
import { scoredBatchOf, type ScoreOutputName } from '../remote/scoreWire.ts';
import type { ShardOutcome, ShardQueue } from '../remote/shardQueue.ts';
import type { Capability, Learner, ScoredBatch } from '../tasks/learner.ts';
import { gatherScores } from './gatherScores.ts';
import { scoreInBatches } from './scoreInBatches.ts';
import type { ScoreRequest } from './scoreStage.ts';

/** Options of {@link scoreOnWorkers}. */
export interface WorkerScoringOptions {
  /** The run's connection to the queue (connectShardQueue). */
  readonly queue: ShardQueue;
  /** Its weights are published before each pass; it scores what falls back to this machine. */
  readonly learner: Pick<Learner<unknown>, 'save' | 'score'>;
  /** What a worker needs to build the same learner. */
  readonly spec: LearnerSpec;
  /** The run's id in job ids (letters, digits, '-', '_'). */
  readonly run: string;
  /**
   * The outputs workers send back (the others stay on the worker); default: l̂ and the outputs
   * the pass's request names (what the strategy requires).
   */
  readonly outputs?: ReadonlyArray<ScoreOutputName>;
  /** Pool ids per job. */
  readonly shardSize: number;
  /** Ids per forward pass when a shard is scored here. */
  readonly localBatchSize: number;
  /** No live worker for `workerWaitMs`, or a shard a worker could not serve: score here ('local', with a warning) or stop ('fail'). */
  readonly fallback: 'local' | 'fail';
  readonly workerWaitMs: number;
  /** How often the live workers are counted (default 250 ms). */
  readonly pollMs?: number;
  /** How long a worker may keep a shard's scores in Redis before the run reads them (default 3,600 s). */
  readonly resultTtlSeconds?: number;
  /** Receives each warning (a fallback to local scoring), one line. */
  readonly onWarning?: (message: string) => void;
}

const LOST: unique symbol = Symbol('no live worker');
/** The queue failed as a whole (not one shard). */
interface Broken {
  readonly broken: string;
}

/**
 * Scores ids on BullMQ workers (`ll4al worker`): publishes the learner's weights under their
 * content hash, cuts the ids into shards of `shardSize`, adds one job per shard with the
 * deterministic id (run, cycle, part, hash, shard), and emits each shard's batch as it
 * finishes — in any order, each shard once even if a worker finished it twice.
 *
 * Use it as the `scoreStage` of `activeLearning` (the pipeline puts the rows back in the
 * subset's order, so the ranking is the local one). When no worker is connected for
 * `workerWaitMs` — at the start or in the middle of a pass, or Redis stops answering — the remaining shards are scored
 * here with a warning (`fallback: 'local'`) or the pass fails with one line (`'fail'`); a shard
 * a worker could not serve is handled the same way, with the worker's reason.
 *
 * ## Example
 * ```ts
 * const queue = await connectShardQueue({ redis: parseRedisUrl('redis://10.0.0.5:6379', 'url') });
 * activeLearning({ ...config, scoreStage: (request) => scoreOnWorkers({ queue, learner, spec, run: 'r1', outputs: ['predictedLoss'],
 *   shardSize: 1024, localBatchSize: 256, fallback: 'local', workerWaitMs: 10_000 }, request) });
 * ```
 * @param options the queue, learner, shard size and fallback
 * @param request the cycle and part this pass scores
 * @returns arrays of ids in, one ScoredBatch per shard out
 */
export const scoreOnWorkers =
  (options: WorkerScoringOptions, request: ScoreRequest): OperatorFunction<Int32Array, ScoredBatch> =>
  (source) => {
    const { queue, learner, shardSize, fallback, workerWaitMs } = options;
    if (!Number.isInteger(shardSize) || shardSize < 1) throw new RangeError(`scoreOnWorkers: shardSize must be a positive integer, got ${shardSize}`);
    const pollMs = options.pollMs ?? 250;
    const answerMs = Math.max(1000, 4 * pollMs);
    const keepModelMs = 60_000;
    const warn = options.onWarning ?? ((message: string) => process.emitWarning(message));
    const where = `cycle ${request.cycle} (${request.part})`;

    const outputs: ReadonlyArray<ScoreOutputName> = options.outputs ?? ['predictedLoss', ...(request.outputs ?? [])];
    const optional = outputs.filter((name): name is Capability => name !== 'predictedLoss');
    const scoreHere = (shard: Int32Array): Observable<ScoredBatch> => of(shard).pipe(scoreInBatches(learner, options.localBatchSize, optional), gatherScores());

    /** Emits once when no worker has been connected for workerWaitMs. */
    const noWorker = (): Observable<typeof LOST> =>
      defer(() => {
        let since: number | null = null;
        return interval(pollMs).pipe(
          // a count that does not come within answerMs (Redis gone) is 0 live workers
          concatMap(() =>
            from(queue.liveWorkers()).pipe(
              timeout({ first: answerMs, with: () => of(0) }),
              catchError(() => of(0)),
            ),
          ),
          filter((live) => {
            if (live > 0) since = null;
            else since ??= performance.now() - pollMs;
            return since !== null && performance.now() - since >= workerWaitMs;
          }),
          take(1),
          map((): typeof LOST => LOST),
        );
      });

    const pass = (ids: Int32Array): Observable<ScoredBatch> =>
      defer(() => {
        const shards = Array.from({ length: Math.ceil(ids.length / shardSize) }, (_, s) => ids.slice(s * shardSize, (s + 1) * shardSize));
        let jobs: ScoreJob[] = []; // once the weights are published
        const counted = new Set<number>();
        const left = (): number[] => shards.map((_, s) => s).filter((s) => !counted.has(s));
        const here = (which: ReadonlyArray<number>): Observable<{ shard: number; batch: ScoredBatch }> =>
          from(which).pipe(concatMap((shard) => scoreHere(shards[shard]!).pipe(map((batch) => ({ shard, batch })))));
        const submitted = defer(async () => {
          const blob = await learnerModelBlob(learner);
          await queue.publishModel(blob.hash, blob.bytes);
          return blob.hash;
        }).pipe(
          mergeMap((hash) => {
            jobs = shards.map((shardIds, shard) => ({
              version: 1,
              run: options.run,
              cycle: request.cycle as ScoreJob['cycle'],
              part: request.part,
              shard: shard as ScoreJob['shard'],
              modelHash: hash,
              learner: options.spec,
              ids: shardIds,
              outputs: [...outputs],
              resultTtlSeconds: (options.resultTtlSeconds ?? 3600) as ScoreJob['resultTtlSeconds'],
            }));
            // the weights outlive a pass longer than their expiry
            const keep = interval(keepModelMs).pipe(
              concatMap(() => defer(() => queue.keepModel(hash)).pipe(catchError(() => EMPTY))),
              ignoreElements(),
            );
            return merge(queue.submit(jobs), keep);
          }),
          // Redis refusing the weights or the jobs (out of memory, a lost connection): what is left falls back
          catchError((error: unknown) => of<Broken>({ broken: (error instanceof Error ? error.message : String(error)).split('\n')[0]! })),
        );
        const handle = (event: ShardOutcome | Broken | typeof LOST): Observable<{ shard: number; batch: ScoredBatch }> => {
          if (event !== LOST && 'broken' in event) {
            const message = `scoring on the workers of ${queue.display} failed during ${where}: ${event.broken}`;
            if (fallback === 'fail') return throwError(() => new Error(`${message} (--score-fallback fail)`));
            const remaining = left();
            warn(`${message}; scoring its ${remaining.length} remaining shard(s) here (--score-fallback local)`);
            return here(remaining);
          }
          if (event === LOST) {
            const message = `no live scoring worker on ${queue.display} for ${workerWaitMs} ms during ${where}`;
            if (fallback === 'fail') return throwError(() => new Error(`${message} (--score-fallback fail)`));
            const remaining = left();
            warn(`${message}: scoring its ${remaining.length} remaining shard(s) here (--score-fallback local)`);
            // best effort: a Redis that does not answer must not hold up scoring here
            const withdraw = defer(() => queue.withdraw(remaining.filter((s) => jobs[s] !== undefined).map((s) => scoreJobId(jobs[s]!)))).pipe(
              timeout({ first: answerMs, with: () => of(undefined) }),
              catchError(() => of(undefined)),
            );
            return withdraw.pipe(mergeMap(() => here(remaining)));
          }
          if ('failed' in event) {
            if (counted.has(event.shard)) return EMPTY;
            const message = `shard ${event.shard} of ${where} failed on the workers: ${event.failed}`;
            if (fallback === 'fail') return throwError(() => new Error(`${message} (--score-fallback fail)`));
            warn(`${message}; scoring it here (--score-fallback local)`);
            return here([event.shard]);
          }
          return of({ shard: event.shard, batch: scoredBatchOf(event.scores) });
        };
        // the watchdog runs from the start: a Redis that stops answering (even while the weights are published) counts as no worker
        return merge(submitted, noWorker()).pipe(
          concatMap(handle),
          // a shard finished twice (a stalled job that was finished after all, a fallback racing a late worker) counts once
          filter(({ shard }) => !counted.has(shard)),
          tap(({ shard }) => counted.add(shard)),
          takeWhile(() => counted.size < shards.length, true),
          map(({ batch }) => batch),
        );
      });

    return source.pipe(concatMap((ids) => (ids.length === 0 ? EMPTY : pass(ids))));
  };
