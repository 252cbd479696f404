/**
 * The detection task (the paper's SSD experiment at CPU scale): default boxes, the box codec,
 * matching, the multibox loss with hard-negative mining, a small SSD-style detector, NMS, mAP,
 * and the learner.
 */
export { iou, boxArea, type Box } from './boxes.ts';
export { anchorCount, anchorsPerCell, checkAnchorGeometry, defaultAnchorGeometry, makeAnchors, type AnchorGeometry, type SourceMap } from './anchors.ts';
export { BOX_VARIANCES, decodeBox, encodeBox } from './boxCodec.ts';
export { MATCH_IOU, encodeTargets, matchAnchors, type AnchorTargets, type GroundTruth } from './matching.ts';
export { NEGATIVES_PER_POSITIVE, detectionPerSampleLoss, hardNegativeMask, multiboxLossPerSample, smoothL1 } from './detectionLoss.ts';
export { buildSsd, type SsdOptions } from './ssdNetwork.ts';
export { decodeDetections, defaultDecodeOptions, nonMaxSuppression, type DecodeOptions, type Detection } from './nms.ts';
export { averagePrecision, meanAveragePrecision, type ScoredBox } from './meanAveragePrecision.ts';
export { detectionLabelCodec, detectionLabelOf, type DetectionLabel } from './detectionLabel.ts';
export {
  CONFIDENT_SCORE,
  createDetectionLearner,
  detectionSpec,
  type DetectionSpecOptions,
  detectionTask,
  detectionTrainerDefaults,
  uncertainAnchor,
  type DetectionData,
  type DetectionLearnerOptions,
  type DetectionTaskOptions,
  type DetectionTaskSetup,
} from './detectionLearner.ts';
