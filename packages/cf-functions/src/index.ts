export { compileFunction, CloudFrontFunction, type CompileResult } from './function.js';
export { testFunction, parseEventObject, CloudFrontApiError, type TestFunctionOptions } from './test-function.js';
export { loadQuickJS } from './engine.js';
export { DEFAULT_LIMITS, MAX_FUNCTION_SIZE_BYTES, MAX_URI_LENGTH } from './limits.js';
export { fieldValues, isDisallowedHeader, READ_ONLY_HEADERS } from './validate.js';
export type * from './types.js';
