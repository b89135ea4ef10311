import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/decode/index.ts';
import { asRowEvent, capturedRecord, decodeError, withValueText } from '../support/fixtures.ts';

// Every op as Debezium 3.5.0 wrote it on the local stack (test/fixtures/capture-fixtures.ts):
// "precise-*" with schemas, "noschema-*" the same scenario with schemas.enable=false.
const topic = 'fixtures_precise.public.fixture_types';

describe('op c (create)', () => {
  it('decodes the row, its key, the source position and the transaction block', () => {
    const event = asRowEvent(decodeRecord(capturedRecord('precise-create-all-types', '3')));
    expect(event).toMatchObject({
      kind: 'create',
      record: { topic, partition: 0, offset: '3' },
      table: 'public.fixture_types',
      rowKey: 'id=5',
      source: { lsn: 27018160n, txId: 767n, commitTimeMs: 1795493344103n, snapshot: null, origin: null },
      transaction: { id: '767:27018160', totalOrder: 1n, dataCollectionOrder: 1n },
    });
    if (event.kind !== 'create') throw new Error('create expected');
    expect(event.after.id).toBe(5n);
  });

  it('decodes the same create without schemas', () => {
    const event = asRowEvent(decodeRecord(capturedRecord('noschema-create-all-types')));
    expect(event).toMatchObject({
      kind: 'create',
      rowKey: 'id=5',
      source: { lsn: 27057904n, txId: 783n },
      transaction: { totalOrder: 1n },
    });
  });
});

describe('op u (update)', () => {
  it('has no before image under REPLICA IDENTITY DEFAULT and orders after a message in its transaction', () => {
    const event = asRowEvent(decodeRecord(capturedRecord('precise-update')));
    if (event.kind !== 'update') throw new Error('update expected');
    expect(event.before).toBeNull();
    expect(event.after.flag).toBe(false);
    expect(event.source).toMatchObject({ lsn: 27046344n, txId: 771n });
    // The transactional message came first in the same transaction, at the same LSN.
    expect(event.transaction).toEqual({ id: '771:27046344', totalOrder: 2n, dataCollectionOrder: 1n });
  });

  it('marks every unchanged TOASTed column unavailable (text, jsonb, bytea, text[], int[])', () => {
    for (const name of ['precise-update-toast-unchanged', 'noschema-update-toast-unchanged']) {
      const event = asRowEvent(decodeRecord(capturedRecord(name)));
      if (event.kind !== 'update') throw new Error('update expected');
      const unavailable = { kind: 'unavailable' };
      expect(event.after).toMatchObject({
        id: 4n,
        label: 'after',
        big_text: unavailable,
        docb: unavailable,
        blob: unavailable,
        tags: unavailable,
        ints: unavailable,
      });
    }
  });
});

describe('op d (delete) and its tombstone', () => {
  it('decodes a delete whose before image has only the key (the rest null)', () => {
    const event = asRowEvent(decodeRecord(capturedRecord('precise-delete')));
    if (event.kind !== 'delete') throw new Error('delete expected');
    expect(event.rowKey).toBe('id=2');
    expect(event.before?.id).toBe(2n);
    expect(event.before?.amount).toBeNull();
    expect(event.source).toMatchObject({ lsn: 27046152n, txId: 770n });
  });

  it('decodes the tombstone (a null value) after it, with or without schemas', () => {
    for (const name of ['precise-tombstone', 'noschema-tombstone']) {
      const record = capturedRecord(name, '9');
      expect(record.value).toBeNull();
      expect(decodeRecord(record)).toEqual({
        kind: 'tombstone',
        record: { topic: record.topic, partition: 0, offset: '9' },
      });
    }
  });
});

describe('a primary-key change: d + tombstone + c', () => {
  it('arrives as a delete of the old key and a create of the new one, at one LSN, ordered by total_order', () => {
    for (const mode of ['precise', 'noschema']) {
      const removed = asRowEvent(decodeRecord(capturedRecord(`${mode}-pk-change-delete`)));
      const tombstone = decodeRecord(capturedRecord(`${mode}-pk-change-tombstone`));
      const created = asRowEvent(decodeRecord(capturedRecord(`${mode}-pk-change-create`)));
      expect(removed.kind).toBe('delete');
      expect(removed.rowKey).toBe('id=4');
      expect(tombstone.kind).toBe('tombstone');
      expect(created.kind).toBe('create');
      // The new key is beyond 2^53 and stays exact.
      expect(created.rowKey).toBe('id=9007199254740993');
      if (created.kind !== 'create') throw new Error('create expected');
      expect(created.after.id).toBe(9007199254740993n);
      expect(created.source.lsn).toBe(removed.source.lsn);
      expect(created.source.txId).toBe(removed.source.txId);
      expect(removed.transaction?.totalOrder).toBe(1n);
      expect(created.transaction?.totalOrder).toBe(2n);
      // The new row's TOASTed columns were not rewritten: the create carries the placeholder.
      expect(created.after.big_text).toEqual({ kind: 'unavailable' });
    }
  });
});

describe('op r (snapshot read)', () => {
  it('decodes the initial snapshot: first, true, last, all at the snapshot LSN, no transaction block', () => {
    const reads = ['first', 'true', 'last'].map((which) =>
      asRowEvent(decodeRecord(capturedRecord(`precise-read-snapshot-${which}`))),
    );
    expect(reads.map((event) => [event.kind, event.rowKey, event.source.snapshot])).toEqual([
      ['read', 'id=1', 'first'],
      ['read', 'id=2', 'true'],
      ['read', 'id=3', 'last'],
    ]);
    for (const event of reads) {
      expect(event.source).toMatchObject({ lsn: 27018120n, txId: 766n, commitTimeMs: 1795493342781n });
      expect(event.transaction).toBeUndefined();
    }
  });

  it('decodes an incremental-snapshot read: source.lsn and txId are null, the LSN comes from source.sequence', () => {
    for (const [name, lsn] of [
      ['precise-read-snapshot-incremental', 27047560n],
      ['noschema-read-snapshot-incremental', 27087232n],
    ] as const) {
      const event = asRowEvent(decodeRecord(capturedRecord(name)));
      expect(event.kind).toBe('read');
      expect(event.source).toEqual({
        lsn,
        txId: null,
        commitTimeMs: expect.any(BigInt) as bigint,
        snapshot: 'incremental',
        origin: null,
      });
      expect(event.transaction).toBeUndefined();
    }
  });

  it('refuses an incremental read with neither source.lsn nor source.sequence', () => {
    const record = withValueText(
      capturedRecord('precise-read-snapshot-incremental'),
      '"sequence":"[\\"27047560\\",\\"27047560\\"]"',
      '"sequence":null',
    );
    expect(decodeError(() => decodeRecord(record)).message).toBe(
      'an incremental snapshot read without source.lsn or source.sequence',
    );
  });

  it('refuses a streaming event without source.lsn (only incremental reads may lack it)', () => {
    const record = withValueText(capturedRecord('precise-update'), '"lsn":27046344', '"lsn":null');
    expect(decodeError(() => decodeRecord(record)).message).toBe('source.lsn is missing or not an integer');
  });
});

describe('op t (truncate)', () => {
  it('has a null key, no rows, and a transaction block', () => {
    for (const name of ['precise-truncate', 'noschema-truncate']) {
      const record = capturedRecord(name);
      expect(record.key).toBeNull();
      expect(decodeRecord(record)).toMatchObject({
        kind: 'truncate',
        table: 'public.fixture_types',
        source: { txId: expect.any(BigInt) as bigint, snapshot: null },
        transaction: { totalOrder: 1n },
      });
    }
    expect(decodeRecord(capturedRecord('precise-truncate'))).toMatchObject({
      source: { lsn: 27051808n, txId: 777n },
    });
  });
});

describe('op m (logical decoding message)', () => {
  it('decodes a transactional message: prefix, content, txId, transaction block', () => {
    const event = decodeRecord(capturedRecord('precise-message-transactional'));
    if (event.kind !== 'message') throw new Error('message expected');
    expect(event.record.topic).toBe('fixtures_precise.message');
    expect(event.prefix).toBe('readout');
    expect(event.content.toString()).toBe('hello');
    expect(event.source).toMatchObject({ lsn: 27046344n, txId: 771n });
    expect(event.transaction).toEqual({ id: '771:27046344', totalOrder: 1n, dataCollectionOrder: 1n });
  });

  it('decodes a non-transactional message: no txId, no transaction block', () => {
    for (const name of ['precise-message-non-transactional', 'noschema-message-non-transactional']) {
      const event = decodeRecord(capturedRecord(name));
      if (event.kind !== 'message') throw new Error('message expected');
      expect(event.content.toString()).toBe('hello-now');
      expect(event.source.txId).toBeNull();
      expect(event.transaction).toBeUndefined();
    }
  });

  it('refuses message content that is not base64', () => {
    const record = withValueText(capturedRecord('precise-message-transactional'), '"aGVsbG8="', '"hello!"');
    expect(decodeError(() => decodeRecord(record)).message).toBe('message.content is not base64');
  });
});

describe('heartbeats', () => {
  it('recognises a heartbeat by its topic, with or without schemas', () => {
    for (const name of ['precise-heartbeat', 'noschema-heartbeat']) {
      const record = capturedRecord(name);
      expect(decodeRecord(record)).toEqual({
        kind: 'heartbeat',
        record: { topic: record.topic, partition: 0, offset: '0' },
      });
    }
  });

  it('recognises a heartbeat on a renamed topic by its value ({ts_ms} only)', () => {
    const record = { ...capturedRecord('precise-heartbeat'), topic: 'custom-heartbeats.fixtures' };
    expect(decodeRecord(record).kind).toBe('heartbeat');
  });
});

describe('transaction BEGIN / END', () => {
  it('decodes BEGIN and END with the transaction id and per-table counts', () => {
    for (const mode of ['precise', 'noschema']) {
      const begin = decodeRecord(capturedRecord(`${mode}-transaction-begin`));
      const end = decodeRecord(capturedRecord(`${mode}-transaction-end`));
      expect(begin).toMatchObject({
        kind: 'transaction',
        status: 'BEGIN',
        eventCount: null,
        dataCollections: null,
      });
      expect(end).toMatchObject({
        kind: 'transaction',
        status: 'END',
        eventCount: 2,
        dataCollections: [{ dataCollection: 'public.fixture_types', eventCount: 2 }],
      });
      if (begin.kind !== 'transaction' || end.kind !== 'transaction') throw new Error('transaction expected');
      // BEGIN and END ids differ in their LSN part; the txId matches the events' source.txId.
      expect(begin.id).not.toBe(end.id);
      expect(begin.txId).toBe(end.txId);
    }
    expect(decodeRecord(capturedRecord('precise-transaction-begin'))).toMatchObject({
      id: '767:27018160',
      txId: 767n,
    });
    expect(decodeRecord(capturedRecord('precise-create-all-types'))).toMatchObject({
      source: { txId: 767n },
    });
  });

  it('refuses a malformed data_collections entry', () => {
    const record = withValueText(
      capturedRecord('precise-transaction-end'),
      '"event_count":2}',
      '"event_count":"2"}',
    );
    expect(decodeError(() => decodeRecord(record)).message).toBe('a malformed data_collections entry');
  });
});
