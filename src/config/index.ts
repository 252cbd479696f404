export {
  RunConfig,
  PositiveInt,
  NonNegativeInt,
  NonNegativeNumber,
  FailureRate,
  DataKind,
  defaultRunConfig,
  decodeRunConfig,
  checkRunConfig,
  checkRunConfigAgainstPool,
  flagOf,
  type RunConfigInput,
} from './runConfig.ts';
export * from './presets.ts';
