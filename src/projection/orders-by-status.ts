import { decimalFromString, isDecimal, unscaledAt, type ColumnValue, type Row } from '../decode/index.js';
import { RowRejected, type ReadModel } from './read-model.js';

const REVENUE_SCALE = 2;

/** An exact amount in minor units from a decoded numeric column; refuses anything inexact. */
function minorUnits(value: ColumnValue | undefined, column: string): bigint {
  if (isDecimal(value)) {
    const units = unscaledAt(value, REVENUE_SCALE);
    if (units === undefined) throw new RowRejected(`${column} has more than ${REVENUE_SCALE} decimal places`);
    return units;
  }
  if (typeof value === 'string') {
    // decimal.handling.mode=string, or schemas disabled (then a precise decimal has no scale).
    const parsed = decimalFromString(value);
    if (!parsed) {
      throw new RowRejected(
        `${column} is ${JSON.stringify(value)}, not a decimal: precise decimals need schemas.enable=true (their scale is in the schema)`,
      );
    }
    return minorUnits(parsed, column);
  }
  if (typeof value === 'bigint') return value * 10n ** BigInt(REVENUE_SCALE);
  if (typeof value === 'number') {
    throw new RowRejected(
      `${column} arrived as a float (decimal.handling.mode=double is inexact): use precise or string`,
    );
  }
  throw new RowRejected(`${column} is missing or not a number`);
}

/** The walking skeleton's read model: orders and revenue per status, exact. */
export const ordersByStatus: ReadModel = {
  name: 'orders_by_status',
  table: 'public.orders',
  measures: { count: { scale: 0 }, revenue: { scale: REVENUE_SCALE } },
  contributionOf(row: Row) {
    const status = row.status;
    if (typeof status !== 'string' || status === '') throw new RowRejected('status is missing');
    return { group: status, measures: { count: 1n, revenue: minorUnits(row.amount, 'amount') } };
  },
};
