export { AnswerCodec, type Answer, type Oracle, type Query } from './oracle';
export { simulatedOracle, type SimulatedOracleOptions } from './simulatedOracle';
export { fileOracle, type FileOracleOptions } from './fileOracle';
export { callbackOracle, type CallbackOracleOptions } from './callbackOracle';
