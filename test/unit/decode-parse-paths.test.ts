import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, type RawRecord } from '../../src/decode/index.ts';
import { decodeRecordFast } from '../../src/decode/decode-record.ts';
import { ReadoutError } from '../../src/errors/index.ts';
import {
  asRowEvent,
  capturedNames,
  capturedOrder,
  capturedRecord,
  publicFiles,
  publicRecord,
  withKeyText,
  withValueText,
} from '../support/fixtures.ts';

/** The event, or the refusal's reason: what both parse paths must agree on. */
function outcome(record: RawRecord, mode: 'auto' | 'exact'): unknown {
  try {
    return decodeRecord(record, mode);
  } catch (error) {
    if (error instanceof ReadoutError) return { refused: error.message, details: error.details };
    throw error;
  }
}

describe('the fast parse (JSON.parse) and the exact parse (lossless-json) give the same events', () => {
  it('for every captured fixture', () => {
    for (const name of capturedNames()) {
      const record = capturedRecord(name);
      expect(outcome(record, 'auto'), name).toEqual(outcome(record, 'exact'));
    }
  });

  it('for every public fixture', () => {
    for (const file of publicFiles()) {
      const record = publicRecord(file, { id: 1 });
      expect(outcome(record, 'auto'), file).toEqual(outcome(record, 'exact'));
    }
  });

  it('takes the fast path for events with schemas whose integers fit a double', () => {
    for (const name of [
      'create-alice-pending',
      'precise-update-toast-unchanged',
      'precise-transaction-end',
    ]) {
      expect(decodeRecordFast(capturedRecord(name)), name).toEqual(
        decodeRecord(capturedRecord(name), 'exact'),
      );
    }
  });

  it('declines the fast path when a value read needs more than a double (9007199254740993), or no schema', () => {
    expect(decodeRecordFast(capturedRecord('precise-create-all-types'))).toBeUndefined();
    expect(decodeRecordFast(capturedRecord('precise-pk-change-create'))).toBeUndefined();
    expect(decodeRecordFast(capturedRecord('noschema-create-all-types'))).toBeUndefined();
    expect(asRowEvent(decodeRecord(capturedRecord('precise-pk-change-create'))).rowKey).toBe(
      'id=9007199254740993',
    );
  });

  it('ignores numbers it does not read: source.ts_ns is beyond 2^53 in every event', () => {
    const text = capturedRecord('create-alice-pending').value?.toString() ?? '';
    expect(/"ts_ns":\d{19}/.test(text)).toBe(true);
  });

  it('keeps any int64 exact on either path, near and beyond 2^53', () => {
    const base = capturedRecord('create-alice-pending');
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (id) => {
        const record = withKeyText(
          withValueText(base, '"after":{"id":1,', `"after":{"id":${id},`),
          '"payload":{"id":1}',
          `"payload":{"id":${id}}`,
        );
        const event = asRowEvent(decodeRecord(record));
        if (event.kind !== 'create') throw new Error('create expected');
        expect(event.after.id).toBe(id);
        expect(event.rowKey).toBe(`id=${id}`);
        expect(event).toEqual(decodeRecord(record, 'exact'));
      }),
      { numRuns: 300 },
    );
    for (const id of [2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 9007199254740993n]) {
      const record = withKeyText(
        withValueText(base, '"after":{"id":1,', `"after":{"id":${id},`),
        '"payload":{"id":1}',
        `"payload":{"id":${id}}`,
      );
      const event = asRowEvent(decodeRecord(record));
      expect(event.kind === 'create' && event.after.id).toBe(id);
    }
  });

  it('agrees on refusals too (the exact path gives the reason)', () => {
    const base = capturedRecord('create-alice-pending');
    for (const [from, to] of [
      ['"id":1,', '"id":1.5,'],
      ['"id":1,', '"id":1e400,'],
      ['"id":1,', '"id":"1",'],
      ['"lsn":26848872', '"lsn":268488720000000000000'],
      ['"op":"c"', '"op":"q"'],
    ] as const) {
      const record = withValueText(base, from, to);
      const fast = outcome(record, 'auto');
      expect(fast, to).toEqual(outcome(record, 'exact'));
      expect(fast, to).toHaveProperty('refused');
    }
  });

  it('decodes a row key seen before to the same key, and a different key to its own', () => {
    const rowKeyOf = (record: RawRecord) => asRowEvent(decodeRecord(record)).rowKey;
    const first = capturedOrder(7, 0);
    expect(rowKeyOf(first)).toBe('id=7');
    expect(rowKeyOf(capturedOrder(7, 5))).toBe('id=7');
    expect(rowKeyOf(capturedOrder(8, 6))).toBe('id=8');
    // A key refused once is refused again: only keys decoded are remembered.
    const refused = withKeyText(first, '"id":7', '"id":7.5');
    expect(outcome(refused, 'auto')).toHaveProperty('refused');
    expect(outcome(refused, 'auto')).toHaveProperty('refused');
  });
});
