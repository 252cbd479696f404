export { runInDirectory, resumeRun, type RunSpec, type OracleContext, type OracleFactory } from './runInDirectory.ts';
export { readRunConfig, checkResumeConfig, ConfigMismatchError } from './runConfigFile.ts';
