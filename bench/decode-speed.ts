/**
 * How many captured create events per second one core decodes (decodeRecord, bytes to event).
 * Not a test: a quick figure for comparing decoder changes.
 *   node bench/decode-speed.ts [--seconds 3] [--exact]
 * (--exact: only the lossless parser, as before the JSON.parse fast path.)
 */
import { parseArgs } from 'node:util';
import { decodeRecord } from '../src/decode/index.ts';
import { capturedRecord } from '../test/support/fixtures.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, exact: { type: 'boolean', default: false } },
});
const seconds = Number(values.seconds);

function measure(name: string, mode: 'auto' | 'exact'): void {
  const record = capturedRecord(name);
  try {
    decodeRecord(record, mode);
  } catch (error) {
    process.stdout.write(`${name.padEnd(28)} refused: ${(error as Error).message}\n`);
    return;
  }
  for (let i = 0; i < 2000; i += 1) decodeRecord(record, mode); // warm up
  let count = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 500; i += 1) decodeRecord(record, mode);
    count += 500;
  }
  const perSecond = Math.round(count / ((performance.now() - started) / 1000));
  process.stdout.write(
    `${name.padEnd(28)} ${String(record.value?.length ?? 0).padStart(6)} bytes  ${String(perSecond).padStart(7)} events/s\n`,
  );
}

const mode = values.exact ? 'exact' : 'auto';
for (const name of [
  'create-alice-pending',
  'precise-update-toast-unchanged',
  'precise-create-all-types',
  'string-create-all-types',
  'double-create-all-types',
  'noschema-create-all-types',
])
  measure(name, mode);
