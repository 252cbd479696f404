/**
 * The keypoints task (the paper's human-pose experiment at CPU scale): Gaussian heatmaps, a
 * small stacked hourglass, the heatmap loss, PCK, and the learner.
 */
export { checkHeatmapGeometry, decodeHeatmaps, defaultHeatmapGeometry, encodeHeatmaps, heatmapSize, type HeatmapGeometry } from './heatmaps.ts';
export { heatmapLossPerSample } from './heatmapLoss.ts';
export { keypointsCodec, keypointsOf, type Keypoints } from './keypointLabel.ts';
export { PCK_LENGTH_OF_DIAGONAL, pck, pckLength } from './pck.ts';
export { buildStackedHourglass, type StackedHourglassOptions } from './stackedHourglass.ts';
export {
  createKeypointsLearner,
  keypointsSpec,
  type KeypointsSpecOptions,
  keypointsTask,
  keypointsTrainerDefaults,
  KEYPOINTS_LAMBDA,
  type KeypointData,
  type KeypointsLearnerOptions,
  type KeypointsTaskOptions,
  type KeypointsTaskSetup,
} from './keypointsLearner.ts';
