import { describe, expect, it } from 'vitest';
import { decodeRecord, type RawRecord } from '../../src/decode/index.ts';
import { asRowEvent, capturedRecord } from '../support/fixtures.ts';

function columnTypes(record: RawRecord, mode: 'auto' | 'exact' = 'auto') {
  return asRowEvent(decodeRecord(record, mode)).columnTypes;
}

/** Every occurrence replaced (a row schema appears for `before` and for `after`). */
function withAllValueText(record: RawRecord, from: string, to: string): RawRecord {
  const text = record.value?.toString('utf8') ?? '';
  if (!text.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return { ...record, value: Buffer.from(text.replaceAll(from, to)) };
}

describe("row events carry each column's Connect type, for noticing a source schema change", () => {
  it('gives type and logical name per column of the row', () => {
    expect(columnTypes(capturedRecord('create-alice-pending'))).toEqual(
      new Map([
        ['id', 'int64'],
        ['customer', 'string'],
        ['status', 'string'],
        ['amount', 'bytes/org.apache.kafka.connect.data.Decimal'],
        ['created_at', 'string/io.debezium.time.ZonedTimestamp'],
        ['updated_at', 'string/io.debezium.time.ZonedTimestamp'],
      ]),
    );
    const all = columnTypes(capturedRecord('precise-create-all-types'));
    expect(all?.get('ratio')).toBe('struct/io.debezium.data.VariableScaleDecimal');
    expect(all?.get('day')).toBe('int32/io.debezium.time.Date');
    expect(all?.get('mood')).toBe('string/io.debezium.data.Enum');
    expect(all?.get('ints')).toBe('array<int32>');
    expect(all?.get('tags')).toBe('array<string>');
    expect(all?.get('blob')).toBe('bytes');
  });

  it('takes them from the row schema of a delete too (its after is null)', () => {
    expect(columnTypes(capturedRecord('delete-bob'))?.get('amount')).toBe(
      'bytes/org.apache.kafka.connect.data.Decimal',
    );
  });

  it('is null without a schema', () => {
    expect(columnTypes(capturedRecord('noschema-create-all-types'))).toBeNull();
  });

  it('is computed once per schema: events of one schema share the map', () => {
    const first = columnTypes(capturedRecord('create-alice-pending', '0'));
    const second = columnTypes(capturedRecord('create-alice-pending', '1'));
    expect(second).toBe(first);
    expect(columnTypes(capturedRecord('create-alice-pending'), 'exact')).toEqual(first);
  });

  it('does not change when a numeric is widened (scale and precision are left out), and does when its type changes', () => {
    const base = columnTypes(capturedRecord('create-alice-pending'));
    const widened = withAllValueText(
      capturedRecord('create-alice-pending'),
      '"connect.decimal.precision":"12"',
      '"connect.decimal.precision":"14"',
    );
    expect(columnTypes(widened)).toEqual(base);
    const retyped = withAllValueText(
      capturedRecord('create-alice-pending'),
      '{"type":"string","optional":false,"field":"customer"}',
      '{"type":"int64","optional":false,"field":"customer"}',
    );
    const text = retyped.value?.toString() ?? '';
    const changed = { ...retyped, value: Buffer.from(text.replace('"customer":"alice"', '"customer":7')) };
    expect(columnTypes(changed)?.get('customer')).toBe('int64');
  });
});
