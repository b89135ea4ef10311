import { formatUnscaled, isDecimal, type ColumnValue } from '../decode/index.ts';

/**
 * What Readout remembers of a source row, per read model: only the columns the model uses, each
 * as exact text (decimals in plain notation, int64 in full, booleans "true"/"false"), or null.
 * Under REPLICA IDENTITY DEFAULT this memory is the only source of a row's old values.
 */
export type MemoryRow = Readonly<Record<string, string | null>>;

/** Thrown when a row cannot contribute (a value that is not exact, a missing column). */
export class RowRejected extends Error {}

/** A decoded value as exact text; `undefined` for the TOAST placeholder ("unchanged"). */
export function columnText(
  value: ColumnValue | undefined,
  column: string,
  needsExact: boolean,
): string | null | undefined {
  if (value === undefined) throw new RowRejected(`column ${column} is missing from the event`);
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (needsExact && !Number.isSafeInteger(value)) {
      throw new RowRejected(
        `${column} arrived as a float (decimal.handling.mode=double is inexact): use precise or string`,
      );
    }
    return String(value);
  }
  if (Array.isArray(value))
    return JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'bigint' ? item.toString() : item,
    );
  if (isDecimal(value)) return formatUnscaled(value.unscaled, value.scale);
  if ('kind' in value && value.kind === 'unavailable') return undefined;
  return JSON.stringify(value);
}
