/**
 * ll4al — Learning Loss for Active Learning (Yoo & Kweon, CVPR 2019) in TypeScript.
 *
 * - `ops`: pure operators (pairing, margin ranking loss, ranking accuracy, top-K, uncertainty,
 *   k-center greedy, seeded sampling).
 * - `tasks`: target models with feature taps, the loss-prediction module, the joint trainer.
 * - `streams`: one RxJS operator per stage of an active-learning cycle, and `activeLearning`.
 */
export * from './inputError';
export type * from './tasks/learner';
export type * from './data/imageSet';
