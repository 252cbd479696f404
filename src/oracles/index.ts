export { AnswerCodec, type Answer, type Oracle, type Query } from './oracle.ts';
export { simulatedOracle, type SimulatedOracleOptions } from './simulatedOracle.ts';
export { fileOracle, type FileOracleOptions } from './fileOracle.ts';
export { callbackOracle, type CallbackOracleOptions } from './callbackOracle.ts';
