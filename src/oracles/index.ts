export { AnswerCodec, type Answer, type Oracle, type Query } from './oracle.ts';
export { simulatedOracle, type SimulatedOracleOptions } from './simulatedOracle.ts';
export { fileOracle, type FileOracleOptions } from './fileOracle.ts';
export { callbackOracle, type CallbackOracleOptions } from './callbackOracle.ts';
export { browserOracle, type BrowserOracle, type BrowserOracleOptions, type Listening } from './browserOracle.ts';
export { imageSetItemImage, poolItemImage, type ItemImage, type ItemImageFile } from './browser/itemImage.ts';
export { majorityLabel, type MergedLabel } from './browser/majorityLabel.ts';
export type { LabelTask, DeskStatus } from './browser/labelServer.ts';
export type { Annotation } from './browser/labelQueue.ts';
