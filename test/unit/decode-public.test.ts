import { describe, expect, it } from 'vitest';
import { decodeRecord, type ChangeEvent } from '../../src/decode/index.ts';
import { decodeError, publicFiles, publicRecord } from '../support/fixtures.ts';

// Every file in ../shared/fixtures/debezium-public/ (Debezium 1.1 to 3.0, schemas on and off; see
// its SOURCES.md) must be either decoded, with the values asserted here, or refused with a precise
// reason. A file missing from this table fails the walk below.
const decimal = (unscaled: bigint, scale: number) => ({ kind: 'decimal', unscaled, scale });

type Expectation = { decodes: (event: ChangeEvent) => void } | { refused: string };

const expectations: Record<string, Expectation> = {
  'pg-decimal-precise-numeric.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'update',
        table: 'inventory.customers',
        before: null,
        source: { lsn: 34393728n, txId: 765n, snapshot: 'false' },
      });
      if (event.kind !== 'update') return;
      expect(event.after).toMatchObject({
        id: 1001,
        numeric_test: decimal(123456789n, 3), // VariableScaleDecimal
        numeric_5: decimal(1234n, 0),
        numeric_5_2: decimal(56801n, 2), // "AN3h": 568.01
        numeric_5_6: decimal(23456n, 6),
        numeric_5_0: decimal(5n, 0),
        numeric_39_0: decimal(58569102859845154622791691858438258688n, 0),
        numeric_39_2: decimal(585691028598451546227916918584382586822n, 2),
        numeric_39_6: decimal(585691028598451546227958438258688123456n, 6),
      });
    },
  },
  'pg-decimal-precise-update-full.json': {
    decodes: (event) => {
      if (event.kind !== 'update') throw new Error('update expected');
      expect(event.before).toMatchObject({ id: 1001, decimal_test: null, decimal_test_39_6: null });
      expect(event.after).toMatchObject({
        decimal_test: decimal(12345n, 2),
        decimal_test_5: decimal(123n, 0),
        decimal_test_5_2: decimal(12345n, 2),
        decimal_test_39_2: decimal(58569102859845154622791691858438258622n, 2),
        decimal_test_39_6: decimal(585691028598451546227916918584388123456n, 6),
      });
    },
  },
  'pg-delete-no-replica-identity-noschema.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'delete',
        table: 'inventory.products',
        before: null,
        source: { lsn: 34133800n, txId: 608n, snapshot: 'false' },
      });
    },
  },
  'pg-delete-replica-default.json': {
    decodes: (event) => {
      // Key columns real; the NOT NULL non-key MicroTimestamp shows its fallback 0.
      expect(event).toMatchObject({
        kind: 'delete',
        table: 'public.film_actor',
        before: { actor_id: 1, film_id: 23, last_update: 0n },
        source: { lsn: 31246736n, txId: 767n },
      });
    },
  },
  'pg-delete-replica-full.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'delete',
        before: { id: 1004, first_name: 'Anne', last_name: 'Kretchmar', email: 'annek@noanswer.org' },
        source: { lsn: 36450928n, txId: 792n },
      });
    },
  },
  'pg-insert-schemas-docs.json': {
    decodes: (event) => {
      // The docs show source.snapshot as a boolean.
      expect(event).toMatchObject({
        kind: 'create',
        table: 'public.customers',
        after: { id: 1, first_name: 'Anne' },
        source: { lsn: 24023128n, txId: 555n, commitTimeMs: 1559033904863n, snapshot: 'true' },
      });
    },
  },
  'pg-insert-uuid-microtimestamp-zonedtimestamp.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'create',
        table: 'public.timeslot',
        after: {
          id: '3b8fb0a2-72fb-4183-a017-8b7f00ba8d32',
          start_time: 1666266000000000n,
          end_time: 1666269600000000n,
          date_created: '2022-10-19T14:30:12.261837Z',
          appointment_duration: 20,
        },
        source: { lsn: 6982476102480n, txId: 367991n },
      });
    },
  },
  'pg-insert-with-transaction-block.json': {
    decodes: (event) => {
      // {"schema": null, "payload": …}: typed by the JSON alone; the price is a string-mode decimal.
      expect(event).toMatchObject({
        kind: 'create',
        table: 'public.orders_tx',
        after: { order_id: 10021n, price: '50.50', order_date: '2020-01-30', order_status: false },
        source: { lsn: 3963199336n, txId: 35352n },
        // The sample's transaction id and source.txId disagree (35392 vs 35352): kept as written.
        transaction: { id: '35392:3963199336', totalOrder: 1n, dataCollectionOrder: 1n },
      });
    },
  },
  'pg-message.json': {
    decodes: (event) => {
      if (event.kind !== 'message') throw new Error('message expected');
      expect(event.prefix).toBe('test-prefix');
      expect(JSON.parse(event.content.toString())).toEqual({
        id: 1,
        item: 'Debezium in Action',
        status: 'ENTERED',
        quantity: 2,
        totalPrice: 39.98,
      });
      expect(event.source).toMatchObject({ lsn: 26997904n, txId: 756n });
    },
  },
  'pg-money-precise.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'update',
        before: { money_test: null },
        after: { money_test: decimal(12345678n, 2) },
      });
    },
  },
  'pg-snapshot-read-key-value-types.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'read',
        table: 'public.film',
        rowKey: 'film_id=965', // its own key (which does not match the value's film_id)
        after: {
          film_id: 778,
          rental_rate: decimal(499n, 2),
          replacement_cost: decimal(2499n, 2),
          rating: 'G',
          last_update: 1369579858951000n,
          special_features: ['Trailers', 'Commentaries'],
        },
        source: { snapshot: 'true', lsn: 30998528n },
      });
    },
  },
  'pg-snapshot-read-schemas-last-in-table.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'read',
        after: { id: 1004 },
        source: { snapshot: 'last_in_data_collection', lsn: 36313560n, txId: 791n },
      });
    },
  },
  'pg-snapshot-read-schemas.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'read',
        after: { id: 1001 },
        source: { snapshot: 'first', lsn: 36313560n, txId: 791n },
      });
    },
  },
  'pg-truncate.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'truncate',
        table: 'public.customers',
        source: { lsn: 46523128n, txId: 556n, snapshot: 'false' },
      });
    },
  },
  'pg-txn-metadata-begin.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'transaction',
        status: 'BEGIN',
        id: '35352:3962948040',
        txId: 35352n,
        eventCount: null,
      });
    },
  },
  'pg-txn-metadata-end.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'transaction',
        status: 'END',
        txId: 35352n,
        eventCount: 11,
        dataCollections: [
          { dataCollection: 'public.orders_tx', eventCount: 5 },
          { dataCollection: 'public.person', eventCount: 6 },
        ],
      });
    },
  },
  'pg-update-replica-default-noschema.json': {
    decodes: (event) => {
      // Schemaless: an integer literal is a bigint, 1.0 (a double column) a number.
      expect(event).toMatchObject({
        kind: 'update',
        before: null,
        after: { id: 106n, name: 'hammer', weight: 1 },
      });
      if (event.kind === 'update') expect(typeof event.after.weight).toBe('number');
    },
  },
  'pg-update-replica-full.json': {
    decodes: (event) => {
      expect(event).toMatchObject({
        kind: 'update',
        before: { boolean_test: true, bit_test: false, numeric_test: null },
        after: {
          numeric_test: decimal(123456789n, 3),
          numeric_5_2: decimal(57801n, 2),
          numeric_39_6: decimal(BigInt('0x1CE075C7CC1B19AB56762901E240'), 6),
        },
        source: { lsn: 37158360n, txId: 806n },
      });
    },
  },
};

describe('every public Debezium sample is decoded exactly or refused with a reason', () => {
  it('has an expectation for every file, and no stale ones', () => {
    expect(Object.keys(expectations).sort()).toEqual(publicFiles());
  });

  for (const file of publicFiles()) {
    it(file, () => {
      const expectation = expectations[file];
      if (!expectation) throw new Error(`no expectation for ${file}`);
      const record = publicRecord(file, { id: 1 });
      if ('refused' in expectation) {
        expect(decodeError(() => decodeRecord(record)).message).toBe(expectation.refused);
      } else {
        expectation.decodes(decodeRecord(record));
      }
    });
  }
});

describe('public samples turned into what must be refused', () => {
  it('refuses a Decimal whose schema has lost its scale', () => {
    const record = publicRecord('pg-money-precise.json', { id: 1 });
    const text = (record.value?.toString() ?? '').replaceAll('"scale": "2"', '"scale": "two"');
    expect(decodeError(() => decodeRecord({ ...record, value: Buffer.from(text) })).message).toBe(
      'after.money_test: Decimal schema without an integer scale',
    );
  });

  it('refuses a record that is not a change event', () => {
    const record = publicRecord('pg-txn-metadata-begin.json', { id: 1 });
    const text = (record.value?.toString() ?? '').replace('"status"', '"state"');
    expect(decodeError(() => decodeRecord({ ...record, value: Buffer.from(text) })).message).toBe(
      'not a Debezium change event (no "op" field)',
    );
  });
});
