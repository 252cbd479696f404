/** Datasets as raw-byte image sets: readers, the embedded default, normalisation and batching. */
export type { Augmentation, DataSplit, ImageSet } from './imageSet.ts';
export {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  decompressIfGzip,
  encodeIdx,
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
  readIdxPair,
  writeIdx,
  type IdxContent,
  type IdxImageExpectation,
  type IdxImages,
} from './idx.ts';
export {
  CIFAR10_CLASS_NAMES,
  CIFAR10_META_FILE,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  CIFAR_RECORD_BYTES,
  encodeCifarBatch,
  parseCifarBatch,
  readCifar10,
  readCifarBatch,
  writeCifarBatch,
  type CifarBatch,
} from './cifar.ts';
export { channelStats, normalizationTable, toAugmentedBatch, toBatch, type ChannelStats } from './normalize.ts';
export { stratifiedIds, subsetOf } from './subset.ts';
export {
  DEFAULT_AUGMENTATION,
  EMBEDDED_DATA_DIR,
  FASHION_MNIST_CLASS_NAMES,
  IDX_FILES,
  MNIST_CLASS_NAMES,
  classNamesOf,
  labelsOf,
  loadDataset,
  type DatasetKind,
  type DatasetSpec,
} from './load.ts';
export { EMBEDDED_PER_CLASS, EMBEDDED_SEED, embeddedIds } from './embeddedSubset.ts';
export {
  KEYPOINT_NAMES,
  KEYPOINTS_PER_ITEM,
  boxDiagonal,
  keypointSplit,
  makeKeypointCanvases,
  type KeypointCanvasOptions,
  type KeypointSet,
} from './keypointCanvas.ts';
