import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/decode/index.ts';
import { asRowEvent, capturedRecord, decodeError, publicRecord, withValueText } from '../support/fixtures.ts';

describe('decodeRecord on events captured from the local stack (Debezium 3.5.0)', () => {
  it('decodes an insert with an exact precise-mode decimal and the source position', () => {
    const event = asRowEvent(decodeRecord(capturedRecord('create-alice-pending', '0')));
    expect(event.kind).toBe('create');
    expect(event.table).toBe('public.orders');
    expect(event.rowKey).toBe('id=1');
    if (event.kind !== 'create') throw new Error('create expected');
    expect(event.after.id).toBe(1n);
    expect(event.after.customer).toBe('alice');
    expect(event.after.amount).toEqual({ kind: 'decimal', unscaled: 56801n, scale: 2 });
    expect(event.after.created_at).toBe('2026-11-24T03:32:59.170401Z');
    expect(event.source).toEqual({
      lsn: 26848872n,
      txId: 741n,
      commitTimeMs: 1795491179175n,
      snapshot: null,
      origin: null,
    });
  });

  it('decodes an update without a before image (REPLICA IDENTITY DEFAULT)', () => {
    const event = asRowEvent(decodeRecord(capturedRecord('update-alice-paid')));
    expect(event.kind).toBe('update');
    if (event.kind !== 'update') throw new Error('update expected');
    expect(event.before).toBeNull();
    expect(event.after.status).toBe('paid');
    expect(event.source.lsn).toBe(26849520n);
  });

  it('decodes a delete whose before image holds only the key (the rest are fallbacks)', () => {
    const event = asRowEvent(decodeRecord(capturedRecord('delete-bob')));
    expect(event.kind).toBe('delete');
    expect(event.rowKey).toBe('id=2');
    if (event.kind !== 'delete') throw new Error('delete expected');
    expect(event.before?.status).toBe('');
    expect(event.before?.amount).toEqual({ kind: 'decimal', unscaled: 0n, scale: 2 });
  });

  it('decodes the tombstone and the transaction boundaries', () => {
    expect(decodeRecord(capturedRecord('tombstone-bob', '4'))).toEqual({
      kind: 'tombstone',
      record: { topic: 'readout.public.orders', partition: 0, offset: '4' },
    });
    expect(decodeRecord(capturedRecord('transaction-begin'))).toMatchObject({
      kind: 'transaction',
      status: 'BEGIN',
      id: '741:26848872',
    });
    expect(decodeRecord(capturedRecord('transaction-end'))).toMatchObject({
      kind: 'transaction',
      status: 'END',
      eventCount: 4,
    });
  });

  it('keeps an int64 key beyond 2^53 exact', () => {
    const record = capturedRecord('create-alice-pending');
    const key = Buffer.from(
      (record.key?.toString() ?? '').replace('"payload":{"id":1}', '"payload":{"id":9007199254740993}'),
    );
    const event = asRowEvent(decodeRecord({ ...record, key }));
    expect(event.rowKey).toBe('id=9007199254740993');
  });

  it('recognises heartbeats by their topic', () => {
    const event = decodeRecord({
      topic: '__debezium-heartbeat.readout',
      partition: 0,
      offset: '3',
      key: null,
      value: null,
    });
    expect(event.kind).toBe('heartbeat');
  });
});

describe('decodeRecord refuses what can never be applied, with the reason and position', () => {
  it('refuses bytes that are not JSON', () => {
    const error = decodeError(() =>
      decodeRecord({
        topic: 'readout.public.orders',
        partition: 2,
        offset: '41',
        key: null,
        value: Buffer.from('{nope'),
      }),
    );
    expect(error.code).toBe('EVENT_MALFORMED');
    expect(error.retriable).toBe(false);
    expect(error.message).toBe('the value is not valid JSON');
    expect(error.details).toEqual({ topic: 'readout.public.orders', partition: 2, offset: '41' });
  });

  it('refuses an unknown op', () => {
    const record = withValueText(capturedRecord('create-alice-pending'), '"op":"c"', '"op":"x"');
    expect(decodeError(() => decodeRecord(record)).message).toBe('unknown op "x"');
  });

  it('refuses a decimal whose bytes are not base64 text', () => {
    const record = withValueText(capturedRecord('create-alice-pending'), '"amount":"AN3h"', '"amount":17');
    expect(decodeError(() => decodeRecord(record)).message).toBe('after.amount: expected base64 bytes');
  });

  it('refuses a row event without a source position', () => {
    const record = withValueText(capturedRecord('create-alice-pending'), '"lsn":26848872', '"lsn":null');
    expect(decodeError(() => decodeRecord(record)).message).toBe('source.lsn is missing or not an integer');
  });
});

describe('decodeRecord on public Debezium events', () => {
  it('decodes a VariableScaleDecimal (numeric without a declared scale)', () => {
    const event = asRowEvent(decodeRecord(publicRecord('pg-decimal-precise-numeric.json', { id: 1 })));
    const values = Object.values(event.kind === 'delete' ? (event.before ?? {}) : event.after);
    expect(
      values.some(
        (value) => typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'decimal',
      ),
    ).toBe(true);
  });

  it('decodes a schemaless delete of a table without a replica identity', () => {
    const event = asRowEvent(
      decodeRecord(publicRecord('pg-delete-no-replica-identity-noschema.json', { id: 5 })),
    );
    expect(event.kind).toBe('delete');
    expect(event.table).toBe('inventory.products');
    expect(event.source.snapshot).toBe('false');
  });

  it('decodes a truncate (no key, no rows)', () => {
    const record = { ...publicRecord('pg-truncate.json', null), key: null };
    expect(decodeRecord(record)).toMatchObject({ kind: 'truncate', table: 'public.customers' });
  });
});
