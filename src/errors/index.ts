/** Readout's error vocabulary: one error class with a stable code and a retriable flag. */
export { ErrorCode } from './codes.ts';
export { ReadoutError, isReadoutError, describeError } from './readout-error.ts';
export type { ReadoutErrorOptions } from './readout-error.ts';
