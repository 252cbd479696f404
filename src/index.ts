/**
 * ll4al — Learning Loss for Active Learning (Yoo & Kweon, CVPR 2019) in TypeScript.
 *
 * - `ops`: pure operators (pairing, margin ranking loss, ranking accuracy, top-K, uncertainty,
 *   k-center greedy, seeded sampling) — the definitions the tensor code agrees with.
 * - `tasks`: target networks with feature taps, the loss-prediction module, the joint trainer,
 *   and one learner per task.
 * - `streams`: one RxJS operator per stage of an active-learning cycle, strategies, and
 *   `activeLearning`, the run as a stream of events.
 * - `oracles`: simulated, file, callback and browser oracles (queries in, answers out).
 * - `store`: the run directory's files: the append-only label journal, results, checkpoints,
 *   the lock, and the durable writes under them.
 * - `run`: a run in a run directory, as a library call (`runInDirectory`, `resumeRun`).
 * - `results`: the results row, one codec for every reader and writer.
 * - `data`, `config`, `report`: data sets, run configs, reports; `initBackend` picks the tfjs
 *   backend. Kernel internals (the wasm gradient kernels, the inference pool) are for advanced
 *   users under the sub-path `ll4al/backend`, not here.
 *
 * Importing this module does no work: no backend starts and no plotting library loads until a
 * function that needs one is called.
 */
export * from './inputError.ts';
export * from './ops/index.ts';
export * from './data/index.ts';
export { initBackend, backendName, backendRequests, type BackendInfo, type BackendRequest } from './backend/index.ts';
// The preflight check for a user's own network (docs/layers.md).
export { checkTrainableOnBackend, findUntrainableLayers, type CheckTrainableOptions, type UntrainableLayer } from './backend/index.ts';
export * from './tasks/index.ts';
export * from './streams/index.ts';
export * from './oracles/index.ts';
export * from './store/index.ts';
export * from './results/index.ts';
export * from './run/index.ts';
export * from './config/index.ts';
export * from './report/index.ts';
