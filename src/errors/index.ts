/** Readout's error vocabulary: one error class with a stable code and a retriable flag. */
export { ErrorCode } from './codes.js';
export { ReadoutError, isReadoutError, describeError } from './readout-error.js';
export type { ReadoutErrorOptions } from './readout-error.js';
