/**
 * Decode time of one record holding one large value, refused at the default DecodeLimits and
 * decoded with the limits lifted (the cost a cap no longer bounds). Not a test: figures for the
 * report of a decoder change; decoding must stay linear in the value's size.
 *   node bench/decode-large-values.ts [--sizes 10000,100000,1000000]
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_DECODE_LIMITS,
  decodeRecord,
  type DecodeLimits,
  type RawRecord,
} from '../src/decode/index.ts';
import { capturedRecord } from '../test/support/fixtures.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000,1000000' } } });
const sizes = values.sizes.split(',').map(Number);
const lifted: DecodeLimits = {
  maxRecordBytes: 2 ** 31 - 1,
  maxDecimalDigits: 1e9,
  maxStringBytes: 2 ** 31 - 1,
  maxDepth: 1e6,
};

/** The captured orders insert with `amount` (numeric(12,2), its precision dropped) replaced. */
function withAmount(amount: string): RawRecord {
  const base = capturedRecord('create-alice-pending');
  const text = (base.value?.toString() ?? '')
    .replaceAll(',"connect.decimal.precision":"12"', '')
    .replace('"amount":"AN3h"', `"amount":${amount}`);
  return { ...base, value: Buffer.from(text) };
}

/** A positive unscaled value of `bytes` bytes, as Connect's Decimal writes it. */
function decimalOf(bytes: number): RawRecord {
  const unscaled = Buffer.alloc(bytes, 0x5a);
  unscaled[0] = 0x7f;
  return withAmount(JSON.stringify(unscaled.toString('base64')));
}

function time(record: RawRecord, limits: DecodeLimits): string {
  const started = performance.now();
  let outcome = 'decoded';
  try {
    decodeRecord(record, 'auto', limits);
  } catch (error) {
    outcome = `refused: ${(error as Error).message.slice(0, 70)}`;
  }
  return `${(performance.now() - started).toFixed(1).padStart(8)} ms  ${outcome}`;
}

decodeRecord(decimalOf(8), 'auto', lifted); // warm up
for (const size of sizes) {
  const record = decimalOf(size);
  const label = `decimal of ${size} bytes (record ${record.value?.length ?? 0} bytes)`;
  process.stdout.write(`${label.padEnd(48)} lifted ${time(record, lifted)}\n`);
  process.stdout.write(`${''.padEnd(48)} default ${time(record, DEFAULT_DECODE_LIMITS)}\n`);
}
