/** Datasets as raw-byte image sets: readers, the embedded default, normalisation and batching. */
export { NO_LABEL, inMemory, type Augmentation, type DataSplit, type ImageSet, type ImageSource, type ItemReader, type StoredImageSet } from './imageSet.ts';
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
export { channelStats, countBytes, normalizationTable, statsOfHistogram, toAugmentedBatch, toBatch, type ChannelStats } from './normalize.ts';
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
export { decodeImage, ImageDecodeError, type DecodedImage, type ImageChannels } from './imageDecode.ts';
export { buildImageCache, cachedChannelStats, openCacheReader, type BadImage, type CacheReader, type ImageCache, type ImageCacheOptions } from './imageCache.ts';
export { decodeImages, type DecodedImages, type DecodedPart, type ImageDecodeOptions } from './cachedImages.ts';
export { IMAGE_EXTENSIONS, checkNoDuplicates, isImageFile, resolveClasses, type ImageEntry, type ImageSplit } from './imageList.ts';
export { readImageFolder } from './imageFolder.ts';
export { isManifestPath, readImageManifest } from './imageManifest.ts';
export { CocoFileCodec, readCocoFile, type CocoData, type CocoFileContents, type CocoImageEntry, type CocoObject } from './cocoFile.ts';
export { loadUserImages, type UserImageData, type UserImageOptions } from './userImages.ts';
export {
  loadCocoDetection,
  loadCocoKeypoints,
  type CocoDetectionLabel,
  type CocoKeypointsLabel,
  type UserCocoDetection,
  type UserCocoKeypoints,
  type UserCocoOptions,
} from './userCoco.ts';
export type { UserData } from './userData.ts';
