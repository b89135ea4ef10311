import { LimitExceeded } from './value-error.ts';

/**
 * What one record may hold before it is refused (dead-lettered with the reason) instead of
 * decoded. Each cap keeps the cost of decoding a record linear in its size and small, whatever a
 * producer wrote: a refused record costs a check, a decoded one at most a few milliseconds.
 */
export interface DecodeLimits {
  /** Key plus value bytes, checked before anything is parsed. */
  readonly maxRecordBytes: number;
  /**
   * Digits of a decimal as written (its unscaled digits, or its scale when that is larger, plus
   * the zeros of a negative scale): precise-mode Decimal, VariableScaleDecimal, MONEY, and
   * schemaless integer literals.
   */
  readonly maxDecimalDigits: number;
  /** UTF-8 bytes of one string value: text, json, uuid, a bytea's base64, a struct's JSON text. */
  readonly maxStringBytes: number;
  /** Arrays and objects nested inside one column value. */
  readonly maxDepth: number;
}

/**
 * 8 MiB per record (Kafka's default message limit is 1 MiB; a TOASTed row can be larger);
 * 1000 digits, PostgreSQL's largest declared numeric precision; 1 MiB per string; 64 levels
 * (PostgreSQL arrays have at most 6 dimensions; json nested deeper is not data a read model sums).
 */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxRecordBytes: 8 * 1024 * 1024,
  maxDecimalDigits: 1000,
  maxStringBytes: 1024 * 1024,
  maxDepth: 64,
};

/** Refuses a string value longer than maxStringBytes in UTF-8. */
export function checkStringBytes(text: string, limits: DecodeLimits): void {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no counting.
  if (text.length * 3 <= limits.maxStringBytes) return;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxStringBytes)
    throw new LimitExceeded(`a string of ${bytes} bytes, more than the ${limits.maxStringBytes} allowed`);
}

/** Refuses a value nested deeper than maxDepth (`depth`: the arrays and objects it is inside, itself included). */
export function checkDepth(depth: number, limits: DecodeLimits): void {
  if (depth > limits.maxDepth)
    throw new LimitExceeded(`nested deeper than the ${limits.maxDepth} levels allowed`);
}
