import fc from 'fast-check';
import { decimalFromString, formatUnscaled, type RowEvent } from '../../src/decode/index.ts';
import { readModelDefinition } from '../../src/definitions/index.ts';
import { compileModel, type CompiledModel } from '../../src/projection/index.ts';

/**
 * A ledger of signed amounts at any scale, for the exactness property tests (in memory and on
 * Redis): a model with every measure over it, its row changes as the decoder gives them, and the
 * numbers a GROUP BY would give, computed with BigInt.
 */

export function amountsModel(
  name: string,
  scale: number,
  extra: Record<string, unknown> = {},
): CompiledModel {
  return compileModel(
    readModelDefinition.parse({
      name,
      source: 'public.ledger',
      dimensions: [{ column: 'account' }],
      measures: [
        { name: 'entries', type: 'count' },
        { name: 'total', type: 'sum', column: 'amount', scale },
        { name: 'mean', type: 'avg', column: 'amount', scale },
        { name: 'least', type: 'min', column: 'amount', scale },
        { name: 'most', type: 'max', column: 'amount', scale },
        { name: 'labels', type: 'distinct', column: 'label' },
      ],
      top: { by: 'total', limit: 2 },
      ...extra,
    }),
  );
}

let lsn = 1_000n;
/** A row change of public.ledger as the decoder gives it (amount: an exact decimal). */
export function change(
  kind: 'create' | 'update' | 'delete',
  id: number,
  values: { account: string; amount: string; label?: string },
): RowEvent {
  lsn += 8n;
  const base = {
    table: 'public.ledger',
    rowKey: `id=${id}`,
    source: { lsn, txId: lsn, commitTimeMs: 1_700_000_000_000n, snapshot: null, origin: null },
    record: { topic: 't', partition: 0, offset: String(lsn) },
    columnTypes: null,
  };
  if (kind === 'delete') return { kind, ...base, before: null };
  const after = {
    id: BigInt(id),
    account: values.account,
    amount: decimalFromString(values.amount) ?? null,
    label: values.label ?? 'x',
  };
  return kind === 'create' ? { kind, ...base, after } : { kind, ...base, before: null, after };
}

/** One step of a ledger's history: an upsert of a row's amount, or its delete. */
export interface LedgerStep {
  readonly id: number;
  readonly delete: boolean;
  readonly account: 'a' | 'b' | 'c';
  readonly negative: boolean;
  /** The amount's unscaled digits (up to 45: past 2^127 at any scale). */
  readonly digits: string;
}

/** A scale from 0 to 30, a history of up to 40 steps over 12 rows, and a batch size. */
export const ledgerHistory = fc.record({
  scale: fc.integer({ min: 0, max: 30 }),
  steps: fc.array(
    fc.record({
      id: fc.integer({ min: 0, max: 11 }),
      delete: fc.boolean(),
      account: fc.constantFrom('a' as const, 'b' as const, 'c' as const),
      negative: fc.boolean(),
      digits: fc.stringMatching(/^[1-9][0-9]{0,44}$/),
    }),
    { minLength: 1, maxLength: 40 },
  ),
  size: fc.integer({ min: 1, max: 7 }),
});

/** The history's events, and the rows it leaves (unscaled amounts). */
export function ledgerEvents(steps: readonly LedgerStep[], scale: number) {
  const rows = new Map<number, { account: string; units: bigint }>();
  const events: RowEvent[] = [];
  for (const s of steps) {
    if (s.delete) {
      if (!rows.has(s.id)) continue;
      rows.delete(s.id);
      events.push(change('delete', s.id, { account: s.account, amount: '0' }));
      continue;
    }
    const units = (s.negative ? -1n : 1n) * BigInt(s.digits);
    const amount = formatUnscaled(units, scale);
    events.push(change(rows.has(s.id) ? 'update' : 'create', s.id, { account: s.account, amount }));
    rows.set(s.id, { account: s.account, units });
  }
  return { events, rows };
}

/** The same numbers from the rows themselves, with BigInt arithmetic. */
export function reference(rows: ReadonlyMap<number, { account: string; units: bigint }>) {
  const result: Record<string, Record<string, string>> = {};
  const groups = new Map<string, bigint[]>();
  for (const { account, units } of rows.values())
    groups.set(account, [...(groups.get(account) ?? []), units]);
  for (const [account, values] of groups) {
    const sum = values.reduce((a, b) => a + b, 0n);
    const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const entry: Record<string, string> = {
      rows: String(values.length),
      entries: String(values.length),
      'mean.sum': sum.toString(),
      'mean.n': String(values.length),
      least: String(sorted[0]),
      most: String(sorted[sorted.length - 1]),
    };
    // A total back at zero is not stored (as a GROUP BY shows no zero it never had to hold).
    if (sum !== 0n) entry.total = sum.toString();
    if (sum === 0n) delete entry['mean.sum'];
    result[account] = entry;
  }
  return result;
}
