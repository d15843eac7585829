export { startFunctions, type RunningFunctions, type StartFunctionsOptions } from './start-functions.js';
export { loadFunctionsConfig, parseFunctionsConfig, expandEnvironment, validateFunctionsConfig, FunctionsConfigError } from './config/load.js';
export type { FunctionsConfig, FunctionConfig, FunctionsConfigInput, OnFailureConfig } from './config/schema.js';
export { FunctionRunner, keyOfEvent, QueueFullError, RuntimeClosingError, type InvocationReport, type S3Event, type InvocationResult } from './function-runner.js';
export { formatInvocation } from './format.js';
export type { FailureRecord } from './on-failure.js';
export type { FunctionError } from './worker/protocol.js';
