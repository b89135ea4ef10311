/**
 * Records for the fuzz test, made from a real Debezium record of the fuzz table: its key and value
 * wrappers (schemas included) are kept, and only the payload's values are replaced. Valid ones are
 * what Debezium would write for those rows; hostile ones break one rule each.
 */

/** A Debezium record as JSON text, its payload as an object to change. */
export interface Template {
  readonly keySchema: unknown;
  readonly valueSchema: { fields: Array<{ field: string; fields?: Array<Record<string, unknown>> }> };
  readonly payload: Record<string, unknown> & { source: Record<string, unknown> };
}

export function templateOf(key: Buffer, value: Buffer): Template {
  const parsedKey = JSON.parse(key.toString('utf8')) as { schema: unknown };
  const parsedValue = JSON.parse(value.toString('utf8')) as {
    schema: Template['valueSchema'];
    payload: Template['payload'];
  };
  return { keySchema: parsedKey.schema, valueSchema: parsedValue.schema, payload: parsedValue.payload };
}

/** A big integer travels in JSON as its digits (JSON.stringify cannot write a bigint). */
const BIG = '\u0000big:';
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? `${BIG}${item}` : item,
  ).replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

/** Kafka Connect's Decimal bytes: the unscaled value, big-endian two's complement, base64. */
export function decimalBytes(unscaled: bigint): string {
  let bytes = 1;
  while (unscaled < -(1n << BigInt(8 * bytes - 1)) || unscaled >= 1n << BigInt(8 * bytes - 1)) bytes += 1;
  const twos = unscaled < 0n ? (1n << BigInt(8 * bytes)) + unscaled : unscaled;
  return Buffer.from(twos.toString(16).padStart(2 * bytes, '0'), 'hex').toString('base64');
}

export interface LedgerRow {
  readonly id: bigint;
  readonly account: string;
  /** numeric(38,18) as its unscaled integer. */
  readonly amount: bigint;
  /** numeric(60,30) as its unscaled integer. */
  readonly wide: bigint;
  readonly units: bigint;
  readonly label: string;
}

export interface Position {
  readonly lsn: bigint;
  readonly txId: bigint;
}

function keyText(template: Template, id: bigint): string {
  return jsonText({ schema: template.keySchema, payload: { id } });
}

/** What Debezium writes for an insert ('c') or an update ('u') of a ledger row. */
export function ledgerChange(template: Template, op: 'c' | 'u', row: LedgerRow, at: Position) {
  const after = {
    id: row.id,
    account: row.account,
    amount: decimalBytes(row.amount),
    wide: decimalBytes(row.wide),
    units: row.units,
    label: row.label,
  };
  const payload = {
    ...template.payload,
    op,
    before: null,
    after,
    source: { ...template.payload.source, lsn: at.lsn, txId: at.txId, snapshot: 'false' },
    transaction: null,
  };
  return {
    key: keyText(template, row.id),
    value: jsonText({ schema: template.valueSchema, payload }),
  };
}
