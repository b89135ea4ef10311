import type { ErrorCode } from './codes.ts';

export interface ReadoutErrorOptions {
  /** True when the same operation may succeed if tried again (a transient failure). */
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** Facts that help an operator, e.g. the variable or the record position. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error type Readout throws on purpose. Callers branch on `code` and `retriable`,
 * never on class names or message text.
 */
export class ReadoutError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: ReadoutErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ReadoutError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

export function isReadoutError(error: unknown): error is ReadoutError {
  return error instanceof ReadoutError;
}

/** A human-readable message for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
