import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DECODE_LIMITS,
  decodeRecord,
  formatUnscaled,
  type ColumnValue,
  type DecodeLimits,
  type RawRecord,
} from '../../src/decode/index.ts';
import { isBase64 } from '../../src/decode/base64.ts';
import { decodeRecordFast } from '../../src/decode/decode-record.ts';
import { asRowEvent, capturedRecord, decodeError, withKeyText, withValueText } from '../support/fixtures.ts';

// Each cap of DecodeLimits refuses a record (EVENT_MALFORMED: dead-lettered, the partition flows)
// with a reason naming the field, on both parse paths. Figures of the cost are in the report of
// bench/decode-large-values.ts, not asserted here.

/** Big-endian two's complement, minimal length (Java's BigInteger.toByteArray), as base64. */
function connectBytes(unscaled: bigint): string {
  const bits = (unscaled < 0n ? -unscaled - 1n : unscaled).toString(2).length + 1; // with the sign bit
  const length = Math.ceil(bits / 8);
  const unsigned = unscaled < 0n ? (1n << BigInt(length * 8)) + unscaled : unscaled;
  return Buffer.from(unsigned.toString(16).padStart(length * 2, '0'), 'hex').toString('base64');
}

/** Every occurrence replaced (a row schema appears for `before` and for `after`). */
function withAllValueText(record: RawRecord, from: string, to: string): RawRecord {
  const text = record.value?.toString('utf8') ?? '';
  if (!text.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return { ...record, value: Buffer.from(text.replaceAll(from, to)) };
}

function limits(overrides: Partial<DecodeLimits>): DecodeLimits {
  return { ...DEFAULT_DECODE_LIMITS, ...overrides };
}

/** The refusal's reason, the same on the fast and the exact path. */
function refusal(record: RawRecord, given: DecodeLimits = DEFAULT_DECODE_LIMITS): string {
  const auto = decodeError(() => decodeRecord(record, 'auto', given));
  const exact = decodeError(() => decodeRecord(record, 'exact', given));
  expect(auto.code).toBe('EVENT_MALFORMED');
  expect(auto.retriable).toBe(false);
  expect(exact.message).toBe(auto.message);
  return auto.message;
}

function afterRow(record: RawRecord, given: DecodeLimits = DEFAULT_DECODE_LIMITS) {
  const event = asRowEvent(decodeRecord(record, 'auto', given));
  if (event.kind === 'delete') throw new Error('a row image expected');
  expect(decodeRecord(record, 'exact', given)).toEqual(event);
  return event.after;
}

const text = (value: ColumnValue | undefined) =>
  typeof value === 'object' && value !== null && 'unscaled' in value
    ? formatUnscaled(value.unscaled, value.scale)
    : value;

/** The orders insert, amount numeric(12,2) = 568.01 ("AN3h"), with another amount and declaration. */
function orderWith(unscaled: bigint, precision: number | null, scale = 2): RawRecord {
  const declared =
    precision === null
      ? `{"scale":"${scale}"}`
      : `{"scale":"${scale}","connect.decimal.precision":"${precision}"}`;
  return withValueText(
    withAllValueText(
      capturedRecord('create-alice-pending'),
      '{"scale":"2","connect.decimal.precision":"12"}',
      declared,
    ),
    '"amount":"AN3h"',
    `"amount":"${connectBytes(unscaled)}"`,
  );
}

/** The all-types insert (numeric ratio = VariableScaleDecimal {scale: 5, value: "BMsv"}) with another ratio. */
function ratioOf(unscaled: bigint, scale: number): RawRecord {
  return withValueText(
    capturedRecord('precise-create-all-types'),
    '"ratio":{"scale":5,"value":"BMsv"}',
    `"ratio":{"scale":${scale},"value":"${connectBytes(unscaled)}"}`,
  );
}

const nines = (digits: number) => 10n ** BigInt(digits) - 1n;

describe('record bytes and encoding, checked before anything is parsed', () => {
  it('refuses a record (key and value) over maxRecordBytes', () => {
    const record = capturedRecord('create-alice-pending');
    const size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
    expect(refusal(record, limits({ maxRecordBytes: size - 1 }))).toBe(
      `the record is ${size} bytes (key and value), more than the ${size - 1} allowed`,
    );
    expect(asRowEvent(decodeRecord(record, 'auto', limits({ maxRecordBytes: size }))).kind).toBe('create');
  });

  it('refuses invalid UTF-8 in the value or the key instead of reading U+FFFD', () => {
    const record = capturedRecord('create-alice-pending');
    const text = record.value?.toString('utf8') ?? '';
    const at = Buffer.byteLength(text.slice(0, text.indexOf('"alice"') + 1));
    const value = Buffer.from(text);
    value[at] = 0xff; // "alice" → "\xFFlice"
    expect(refusal({ ...record, value })).toBe('the value is not valid UTF-8');
    const key = Buffer.concat([Buffer.from('{"id":'), Buffer.from([0xc3, 0x28]), Buffer.from('}')]);
    expect(refusal({ ...record, key })).toBe('the key is not valid UTF-8');
    // A well-formed multi-byte character is fine.
    expect(afterRow(withValueText(record, '"alice"', '"alicé"')).customer).toBe('alicé');
  });
});

describe('decimals: the digit cap (precise Decimal, MONEY, VariableScaleDecimal)', () => {
  it('refuses a 1 MB decimal from its base64 length, before decoding it', () => {
    const megabyte = Buffer.alloc(1_000_000, 0x5a);
    megabyte[0] = 0x7f;
    const record = withValueText(
      withAllValueText(
        capturedRecord('create-alice-pending'),
        '{"scale":"2","connect.decimal.precision":"12"}',
        '{"scale":"2"}',
      ),
      '"amount":"AN3h"',
      `"amount":"${megabyte.toString('base64')}"`,
    );
    expect(refusal(record)).toBe(
      'after.amount: a decimal of 1000000 bytes, more than the 1000 digits allowed fit in (416 bytes)',
    );
    // Refused by the fast path itself: not handed to the exact parser to be read a second time.
    expect(decodeError(() => decodeRecordFast(record)).message).toMatch(
      /^after\.amount: a decimal of 1000000 bytes/,
    );
  });

  it('counts digits exactly once the bytes are short enough: 1000 digits pass, 1001 are refused', () => {
    expect(text(afterRow(orderWith(nines(1000), null)).amount)).toBe(`${'9'.repeat(998)}.99`);
    expect(text(afterRow(orderWith(-nines(1000), null)).amount)).toBe(`-${'9'.repeat(998)}.99`);
    expect(refusal(orderWith(10n ** 1000n, null))).toBe(
      'after.amount: a decimal of 1001 digits, more than the 1000 allowed',
    );
  });

  it('applies the cap as configured', () => {
    const record = orderWith(123456n, null);
    expect(refusal(record, limits({ maxDecimalDigits: 5 }))).toBe(
      'after.amount: a decimal of 6 digits, more than the 5 allowed',
    );
    expect(text(afterRow(record, limits({ maxDecimalDigits: 6 })).amount)).toBe('1234.56');
  });

  it('refuses a MONEY value (Decimal without a precision) over the cap', () => {
    const record = withValueText(
      capturedRecord('precise-create-all-types'),
      '"price":"+y4="',
      `"price":"${connectBytes(10n ** 1000n)}"`,
    );
    expect(refusal(record)).toBe('after.price: a decimal of 1001 digits, more than the 1000 allowed');
  });

  it('refuses a VariableScaleDecimal over the cap, its zeros from a negative scale included', () => {
    expect(text(afterRow(ratioOf(nines(1000), 1000)).ratio)).toBe(`0.${'9'.repeat(1000)}`);
    expect(refusal(ratioOf(10n ** 1000n, 0))).toBe(
      'after.ratio: a decimal of 1001 digits, more than the 1000 allowed',
    );
    // 1 × 10^16383: two bytes that would be a 16384-digit number.
    expect(refusal(ratioOf(1n, -16383))).toBe(
      'after.ratio: a decimal of 16384 digits, more than the 1000 allowed',
    );
    expect(afterRow(ratioOf(1n, -999)).ratio).toEqual({ kind: 'decimal', unscaled: 10n ** 999n, scale: 0 });
    expect(afterRow(ratioOf(0n, -16383)).ratio).toEqual({ kind: 'decimal', unscaled: 0n, scale: 0 });
    // 0.000…01 at scale 16383: 16383 digits as written.
    expect(refusal(ratioOf(1n, 16383))).toBe(
      'after.ratio: a decimal at scale 16383, more than the 1000 digits allowed',
    );
    expect(refusal(ratioOf(1n, 16384))).toBe('after.ratio: decimal scale 16384 is out of range');
  });

  it('refuses a schemaless integer literal over the cap (BigInt of its text is not linear)', () => {
    const record = withValueText(
      capturedRecord('noschema-create-all-types'),
      '"count_int":-2147483648',
      `"count_int":-${'9'.repeat(1001)}`,
    );
    expect(refusal(record)).toBe('after.count_int: an integer of 1001 digits, more than the 1000 allowed');
  });

  it('does not read an int64 field from an integer literal thousands of digits long', () => {
    const record = withValueText(
      capturedRecord('create-alice-pending'),
      '"lsn":26848872',
      `"lsn":${'7'.repeat(100_000)}`,
    );
    expect(refusal(record)).toBe('source.lsn is missing or not an integer');
  });
});

describe('decimals: the declared precision (connect.decimal.precision)', () => {
  it('accepts numeric(12,2) at exactly 12 digits and refuses 13', () => {
    expect(text(afterRow(orderWith(nines(12), 12)).amount)).toBe('9999999999.99');
    expect(text(afterRow(orderWith(-nines(12), 12)).amount)).toBe('-9999999999.99');
    expect(refusal(orderWith(1234567890123n, 12))).toBe(
      'after.amount: 12345678901.23 has 13 digits, more than numeric(12,2) allows',
    );
    expect(refusal(orderWith(-(10n ** 12n), 12))).toBe(
      'after.amount: -10000000000.00 has 13 digits, more than numeric(12,2) allows',
    );
  });

  it('decodes numeric(38,18) and numeric(60,30) exactly at their full precision', () => {
    for (const [precision, scale] of [
      [38, 18],
      [60, 30],
      [1000, 500],
    ] as const) {
      const largest = nines(precision);
      expect(afterRow(orderWith(largest, precision, scale)).amount).toEqual({
        kind: 'decimal',
        unscaled: largest,
        scale,
      });
      expect(afterRow(orderWith(-largest, precision, scale)).amount).toEqual({
        kind: 'decimal',
        unscaled: -largest,
        scale,
      });
      expect(refusal(orderWith(largest + 1n, precision, scale))).toMatch(
        new RegExp(
          `^after\\.amount: .* has ${precision + 1} digits, more than numeric\\(${precision},${scale}\\) allows$`,
        ),
      );
    }
  });

  it('shortens a long value in the reason', () => {
    expect(refusal(orderWith(10n ** 60n, 60, 30))).toBe(
      `after.amount: 1${'0'.repeat(23)}…000000000000 has 61 digits, more than numeric(60,30) allows`,
    );
  });

  it('refuses a declared precision that is not a positive integer', () => {
    const record = withAllValueText(
      capturedRecord('create-alice-pending'),
      '"connect.decimal.precision":"12"',
      '"connect.decimal.precision":"twelve"',
    );
    expect(refusal(record)).toBe(
      'after.amount: Decimal schema with precision "twelve", not a positive integer',
    );
  });

  it('decodes an unconstrained numeric (VariableScaleDecimal) at the largest declared digits exactly', () => {
    const largest = -nines(1000);
    expect(afterRow(ratioOf(largest, 0)).ratio).toEqual({ kind: 'decimal', unscaled: largest, scale: 0 });
    expect(afterRow(ratioOf(largest, 400)).ratio).toEqual({ kind: 'decimal', unscaled: largest, scale: 400 });
  });

  it('round-trips random decimals (scales 0–30, up to 100 digits) through Connect bytes', () => {
    const unscaledValues = fc
      .tuple(fc.integer({ min: 1, max: 100 }), fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 100n }))
      .map(([digits, negative, seed]) => {
        const magnitude = seed % 10n ** BigInt(digits); // up to `digits` digits, zero included
        return negative ? -magnitude : magnitude;
      });
    fc.assert(
      fc.property(unscaledValues, fc.integer({ min: 0, max: 30 }), (unscaled, scale) => {
        expect(afterRow(ratioOf(unscaled, scale)).ratio).toEqual({ kind: 'decimal', unscaled, scale });
        expect(afterRow(orderWith(unscaled, 100, scale)).amount).toEqual({
          kind: 'decimal',
          unscaled,
          scale,
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('strings: the byte cap on every string value', () => {
  // The fixture's longest string (docb, a jsonb) is 37 bytes.
  const small = limits({ maxStringBytes: 40 });

  it('refuses text, json, bytea base64 and array elements over maxStringBytes, in UTF-8 bytes', () => {
    const record = capturedRecord('precise-create-all-types');
    const accented = 'é'.repeat(20); // 20 characters, 40 bytes
    expect(afterRow(withValueText(record, '"label":"hello"', `"label":"${accented}"`), small).label).toBe(
      accented,
    );
    expect(refusal(withValueText(record, '"label":"hello"', `"label":"${accented}!"`), small)).toBe(
      'after.label: a string of 41 bytes, more than the 40 allowed',
    );
    expect(refusal(withValueText(record, '"blob":"AP8Q"', `"blob":"${'AP8Q'.repeat(11)}"`), small)).toBe(
      'after.blob: a string of 44 bytes, more than the 40 allowed',
    );
    expect(refusal(withValueText(record, '"tags":["x",', `"tags":["${'x'.repeat(41)}",`), small)).toBe(
      'after.tags[0]: a string of 41 bytes, more than the 40 allowed',
    );
    const json = withValueText(record, '"doc":"{\\"a\\": 1,', `"doc":"{\\"a\\": ${'1'.repeat(30)},`);
    expect(refusal(json, small)).toBe('after.doc: a string of 56 bytes, more than the 40 allowed');
  });

  it('refuses a decimal in string mode over maxStringBytes', () => {
    const record = withValueText(
      capturedRecord('string-create-all-types'),
      '"amount":"-1234.56"',
      `"amount":"-${'1'.repeat(37)}.56"`,
    );
    expect(refusal(record, small)).toBe('after.amount: a string of 41 bytes, more than the 40 allowed');
  });

  it('refuses a message content over maxStringBytes', () => {
    const record = capturedRecord('precise-message-non-transactional');
    expect(refusal(record, limits({ maxStringBytes: 2 }))).toMatch(
      /^message\.content: a string of \d+ bytes, more than the 2 allowed$/,
    );
  });

  it('refuses a string of over 1 MiB by default', () => {
    const record = withValueText(
      capturedRecord('precise-create-all-types'),
      '"big_text":"short text"',
      `"big_text":"${'x'.repeat(1024 * 1024 + 1)}"`,
    );
    expect(refusal(record)).toBe('after.big_text: a string of 1048577 bytes, more than the 1048576 allowed');
  });
});

describe('nesting: the depth cap, and no stack overflow escaping as an unclassified error', () => {
  const nested = (levels: number, inner = '1') => '['.repeat(levels) + inner + ']'.repeat(levels);

  it('accepts 64 levels in a column and refuses 65, with or without a schema', () => {
    const schemaless = capturedRecord('noschema-create-all-types');
    const ok = afterRow(withValueText(schemaless, '"ints":[1,2,-3]', `"ints":${nested(64)}`));
    let value: ColumnValue | undefined = ok.ints;
    for (let level = 0; level < 64; level += 1)
      value = Array.isArray(value) ? (value as ColumnValue[])[0] : undefined;
    expect(value).toBe(1n);
    expect(refusal(withValueText(schemaless, '"ints":[1,2,-3]', `"ints":${nested(65)}`))).toBe(
      `after.ints${'[0]'.repeat(64)}: nested deeper than the 64 levels allowed`,
    );
    // A column the schema does not declare is decoded from its JSON form.
    const withSchema = withValueText(
      capturedRecord('create-alice-pending'),
      '"status":"pending",',
      `"status":"pending","extra":${nested(65)},`,
    );
    expect(refusal(withSchema)).toBe(
      `after.extra${'[0]'.repeat(64)}: nested deeper than the 64 levels allowed`,
    );
  });

  it('counts objects kept as JSON text too', () => {
    const record = capturedRecord('noschema-create-all-types');
    const deep = '{"a":'.repeat(3) + '1' + '}'.repeat(3);
    expect(
      afterRow(withValueText(record, '"ints":[1,2,-3]', `"ints":${deep}`), limits({ maxDepth: 3 })).ints,
    ).toBe('{"a":{"a":{"a":1}}}');
    expect(refusal(withValueText(record, '"ints":[1,2,-3]', `"ints":${deep}`), limits({ maxDepth: 2 }))).toBe(
      'after.ints: nested deeper than the 2 levels allowed',
    );
  });

  it('refuses a value nested 100000 deep (JSON.parse copes, the recursive decoders would not)', () => {
    const withSchema = withValueText(
      capturedRecord('create-alice-pending'),
      '"status":"pending",',
      `"status":"pending","extra":${nested(100_000)},`,
    );
    const auto = decodeError(() => decodeRecord(withSchema));
    expect(auto.code).toBe('EVENT_MALFORMED');
    expect(auto.message).toBe(`after.extra${'[0]'.repeat(64)}: nested deeper than the 64 levels allowed`);
    // The exact parser recurses and overflows first: still a poison record, never a RangeError.
    const exact = decodeError(() => decodeRecord(withSchema, 'exact'));
    expect(exact.code).toBe('EVENT_MALFORMED');
    expect(exact.message).toMatch(/^the value could not be parsed: /);
    const schemaless = withValueText(
      capturedRecord('noschema-create-all-types'),
      '"ints":[1,2,-3]',
      `"ints":${nested(100_000)}`,
    );
    expect(decodeError(() => decodeRecord(schemaless)).code).toBe('EVENT_MALFORMED');
  });

  it('keeps a refused value short in the reason', () => {
    const record = withValueText(
      capturedRecord('precise-create-all-types'),
      '"flag":true',
      `"flag":"${'t'.repeat(5000)}"`,
    );
    expect(refusal(record)).toBe(
      `after.flag: expected a boolean, got "${'t'.repeat(39)}…${'t'.repeat(11)}" (5002 characters)`,
    );
  });
});

describe('base64 is checked in one linear pass', () => {
  const reference = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

  it('agrees with the regular expression it replaces', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9+/=!]{0,12}$/), (candidate) => {
        expect(isBase64(candidate)).toBe(reference.test(candidate));
      }),
      { numRuns: 2000 },
    );
    expect(isBase64(Buffer.alloc(8 << 20, 0x5a).toString('base64') + 'A===')).toBe(false);
  });
});

describe('the key is held to the same limits', () => {
  it('refuses a key column over a cap, naming it', () => {
    const record = withKeyText(
      capturedRecord('create-alice-pending'),
      '"payload":{"id":1}',
      `"payload":{"id":1,"tag":"${'k'.repeat(31)}"}`,
    );
    // The row's longest string (created_at) is 27 bytes.
    expect(refusal(record, limits({ maxStringBytes: 30 }))).toBe(
      'key.tag: a string of 31 bytes, more than the 30 allowed',
    );
  });
});
