import { describe, expect, it } from 'vitest';
import {
  decimalFromString,
  decodeRecord,
  formatUnscaled,
  isDecimal,
  type Row,
} from '../../src/decode/index.ts';
import { asRowEvent, capturedRecord, decodeError, withValueText } from '../support/fixtures.ts';

// PostgreSQL types as Debezium 3.5.0 encodes them, from the fixture_types table captured on the
// local stack in each decimal mode. Row 5 (a create) and the snapshot rows hold:
//   amount numeric(12,2) -1234.56, ratio numeric 3.14159, big bigint 9007199254740993, price money
//   -12.34, day 2024-02-29, at_* timestamp(6)/(3)/(0) 2024-02-29 13:45:12.123456, at_zoned
//   timestamptz '2024-02-29 13:45:12.123456+02', time_of_day time 13:45:12.654321, ...
// Snapshot row 2 has ratio -0.001 and big = -2^63; row 3 has NULL decimals and big = 2^63 - 1.

function after(name: string): Row {
  const event = asRowEvent(decodeRecord(capturedRecord(name)));
  if (event.kind === 'delete') throw new Error('a row image expected');
  return event.after;
}

const text = (value: unknown) => (isDecimal(value) ? formatUnscaled(value.unscaled, value.scale) : value);

describe('numeric(12,2): Decimal in precise mode (base64 + the schema scale)', () => {
  it('decodes a negative decimal exactly', () => {
    expect(after('precise-create-all-types').amount).toEqual({
      kind: 'decimal',
      unscaled: -123456n,
      scale: 2,
    });
  });

  it('keeps NULL as null', () => {
    expect(after('precise-read-snapshot-last').amount).toBeNull();
  });

  it('refuses bytes that are not base64, and a Decimal schema without a scale', () => {
    const record = capturedRecord('precise-create-all-types');
    expect(
      decodeError(() => decodeRecord(withValueText(record, '"amount":"/h3A"', '"amount":"/h3A!"'))).message,
    ).toBe('after.amount: expected base64 bytes');
    const noScale = {
      ...record,
      value: Buffer.from(
        (record.value?.toString() ?? '').replaceAll('"scale":"2","connect', '"x":"2","connect'),
      ),
    };
    expect(decodeError(() => decodeRecord(noScale)).message).toBe(
      'after.amount: Decimal schema without an integer scale',
    );
  });
});

describe('numeric without a scale: VariableScaleDecimal ({scale, value})', () => {
  it('decodes positive and negative values with their own scale', () => {
    expect(after('precise-create-all-types').ratio).toEqual({ kind: 'decimal', unscaled: 314159n, scale: 5 });
    expect(after('precise-read-snapshot-true').ratio).toEqual({ kind: 'decimal', unscaled: -1n, scale: 3 });
  });

  it('decodes it without schemas too (the struct carries its scale)', () => {
    expect(after('noschema-create-all-types').ratio).toEqual({
      kind: 'decimal',
      unscaled: 314159n,
      scale: 5,
    });
    expect(after('noschema-read-snapshot-true').ratio).toEqual({ kind: 'decimal', unscaled: -1n, scale: 3 });
  });
});

describe('money: a Decimal of scale 2', () => {
  it('decodes -12.34', () => {
    expect(text(after('precise-create-all-types').price)).toBe('-12.34');
  });
});

describe('decimal.handling.mode=string', () => {
  it('keeps decimals as their exact strings (decimalFromString parses them)', () => {
    const row = after('string-create-all-types');
    expect(row.amount).toBe('-1234.56');
    expect(row.ratio).toBe('3.14159');
    expect(row.price).toBe('-12.34');
    expect(decimalFromString('-1234.56')).toEqual({ kind: 'decimal', unscaled: -123456n, scale: 2 });
    expect(after('string-read-snapshot-true').ratio).toBe('-0.001');
    expect(after('string-read-snapshot-last').amount).toBeNull();
  });
});

describe('decimal.handling.mode=double', () => {
  it('decodes decimals as (inexact) numbers', () => {
    const row = after('double-create-all-types');
    expect(row.amount).toBe(-1234.56);
    expect(row.ratio).toBe(3.14159);
    expect(row.price).toBe(-12.34);
    expect(after('double-read-snapshot-true').ratio).toBe(-0.001);
  });
});

describe('precise decimals without schemas', () => {
  it('stay base64 strings: their scale is only in the schema, so no exact value can be had', () => {
    const row = after('noschema-create-all-types');
    expect(row.amount).toBe('/h3A');
    expect(row.price).toBe('+y4=');
    // What the projection does with such a string: it is not a decimal, so the row is refused.
    expect(decimalFromString('/h3A')).toBeUndefined();
  });
});

describe('int8 (bigint): exact beyond 2^53', () => {
  it('decodes 2^53 + 1, -2^63 and 2^63 - 1 as bigints', () => {
    expect(after('precise-create-all-types').big).toBe(9007199254740993n);
    expect(after('precise-read-snapshot-true').big).toBe(-9223372036854775808n);
    expect(after('precise-read-snapshot-last').big).toBe(9223372036854775807n);
    expect(after('noschema-create-all-types').big).toBe(9007199254740993n);
    expect(after('noschema-read-snapshot-last').big).toBe(9223372036854775807n);
  });

  it('refuses an int64 out of range', () => {
    const record = withValueText(
      capturedRecord('precise-read-snapshot-last'),
      '"big":9223372036854775807',
      '"big":9223372036854775808',
    );
    expect(decodeError(() => decodeRecord(record)).message).toBe(
      'after.big: 9223372036854775808 is out of range for int64',
    );
  });
});

describe('int4, int2', () => {
  it('decodes them as numbers, range-checked', () => {
    const row = after('precise-create-all-types');
    expect(row.count_int).toBe(-2147483648);
    expect(row.small).toBe(32767);
    const record = withValueText(
      capturedRecord('precise-create-all-types'),
      '"small":32767',
      '"small":32768',
    );
    expect(decodeError(() => decodeRecord(record)).message).toBe(
      'after.small: 32768 is out of range for int16',
    );
  });

  it('refuses a fraction in an integer column', () => {
    const record = withValueText(capturedRecord('precise-create-all-types'), '"small":32767', '"small":1.5');
    expect(decodeError(() => decodeRecord(record)).message).toBe(
      'after.small: expected an integer (int16), got 1.5',
    );
  });
});

describe('double precision, real', () => {
  it('decodes them as numbers', () => {
    const row = after('precise-create-all-types');
    expect(row.dbl).toBe(0.1);
    expect(row.flt).toBe(1.5);
  });

  it('decodes them as numbers without schemas too (a fraction means a float)', () => {
    const row = after('noschema-create-all-types');
    expect(row.dbl).toBe(0.1);
    expect(row.flt).toBe(1.5);
  });
});

describe('boolean, text, varchar', () => {
  it('decodes them as is', () => {
    const row = after('precise-create-all-types');
    expect(row.flag).toBe(true);
    expect(row.label).toBe('hello');
    expect(row.code).toBe('code-1');
    expect(row.big_text).toBe('short text');
  });

  it('refuses a string where a boolean belongs', () => {
    const record = withValueText(capturedRecord('precise-create-all-types'), '"flag":true', '"flag":"true"');
    expect(decodeError(() => decodeRecord(record)).message).toBe(
      'after.flag: expected a boolean, got "true"',
    );
  });
});

describe('dates and times keep Debezium’s representation (time.precision.mode=adaptive)', () => {
  it('date: epoch days', () => {
    expect(after('precise-create-all-types').day).toBe(19782); // 2024-02-29
    expect(new Date(19782 * 86_400_000).toISOString().slice(0, 10)).toBe('2024-02-29');
  });

  it('timestamp(6): MicroTimestamp, epoch microseconds as a bigint', () => {
    expect(after('precise-create-all-types').at_micros).toBe(1709214312123456n);
  });

  it('timestamp(3) and timestamp(0): Timestamp, epoch milliseconds as a bigint', () => {
    const row = after('precise-create-all-types');
    expect(row.at_millis).toBe(1709214312123n);
    expect(row.at_seconds).toBe(1709214312000n);
  });

  it('timestamptz: ZonedTimestamp, an ISO string in UTC', () => {
    expect(after('precise-create-all-types').at_zoned).toBe('2024-02-29T11:45:12.123456Z');
  });

  it('time: MicroTime, microseconds since midnight as a bigint', () => {
    expect(after('precise-create-all-types').time_of_day).toBe(49512654321n);
  });
});

describe('json, jsonb, uuid, enum', () => {
  it('keeps json and jsonb as their text (a big number inside stays exact)', () => {
    const row = after('precise-create-all-types');
    expect(row.doc).toBe('{"a": 1, "b": [true, null]}');
    expect(row.docb).toBe('{"n": 12345678901234567890, "s": "x"}');
  });

  it('decodes uuid and enum as strings', () => {
    const row = after('precise-create-all-types');
    expect(row.uid).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(row.mood).toBe('happy');
  });
});

describe('arrays and bytea', () => {
  it('decodes int[] and text[] (with a NULL element) and keeps bytea as base64', () => {
    for (const name of ['precise-create-all-types', 'noschema-create-all-types']) {
      const row = after(name);
      expect(row.tags).toEqual(['x', 'y z', null]);
      expect(row.blob).toBe('AP8Q');
    }
    expect(after('precise-create-all-types').ints).toEqual([1, 2, -3]);
    // Without a schema an integer is a bigint: the JSON does not say int4.
    expect(after('noschema-create-all-types').ints).toEqual([1n, 2n, -3n]);
  });

  it('names the element that cannot be decoded', () => {
    const record = withValueText(
      capturedRecord('precise-create-all-types'),
      '"ints":[1,2,-3]',
      '"ints":[1,"2",-3]',
    );
    expect(decodeError(() => decodeRecord(record)).message).toBe(
      'after.ints[1]: expected an integer (int32), got "2"',
    );
  });
});

describe('the TOAST placeholder', () => {
  it('is "unavailable" in every column form Debezium 3.5 uses, never a value', () => {
    const row = after('precise-update-toast-unchanged');
    const unavailable = { kind: 'unavailable' };
    expect(row.big_text).toEqual(unavailable); // text: the marker string
    expect(row.docb).toEqual(unavailable); // jsonb: the marker string
    expect(row.blob).toEqual(unavailable); // bytea: the marker's base64
    expect(row.tags).toEqual(unavailable); // text[]: ["marker"]
    expect(row.ints).toEqual(unavailable); // int[]: the marker's bytes as integers
    // Columns that were not TOASTed arrive whole.
    expect(row.amount).toEqual({ kind: 'decimal', unscaled: 56801n, scale: 2 });
    expect(row.doc).toBe('{}');
  });
});
