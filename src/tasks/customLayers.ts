/**
 * ll4al's custom tfjs-layers classes — the loss-prediction module, the batch norm and the
 * seeded (MC) dropout of its networks — registered with tfjs-layers' serialization when this module loads. A thread that
 * rebuilds a joint model from its artifacts (scoring and training workers) imports this first.
 */
export { LossPredictionModule } from './lossPredictionModule.ts';
export { BatchNorm } from './batchNorm.ts';
export { SeededDropout } from './mcDropout.ts';

/** This module's URL: what a worker thread imports before loading a joint model. */
export const customLayersUrl: string = import.meta.url;
