/**
 * How long `bin/readout help` and `bin/readout status --help` take, wall clock, from exec to
 * exit: this checkout (Node 24 running src/ by type stripping, commands loaded when they run)
 * against a checkout from before (tsx transpiling every module at start), alternating runs.
 *   node bench/cli-startup.ts --before ../readout-before [--runs 15]
 * The other checkout needs its own `npm install`.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { log, percentile } from './support/measure.ts';

const { values } = parseArgs({
  options: { before: { type: 'string' }, runs: { type: 'string', default: '15' } },
});
if (!values.before)
  throw new Error('--before <checkout> is required: the baseline is measured in the same run');
const checkouts = { now: resolve('.'), before: resolve(values.before) };
const runs = Number(values.runs);
const commands = [['help'], ['status', '--help']];

/**
 * Milliseconds from spawn to exit of `<checkout>/bin/readout <args>`, which must exit 0. Run from
 * the checkout: an older bin/readout imports tsx from its working directory's node_modules.
 */
function timeOnce(checkout: string, args: readonly string[]): number {
  const started = performance.now();
  const result = spawnSync(`${checkout}/bin/readout`, args, { cwd: checkout, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${checkout}/bin/readout ${args.join(' ')}: ${result.stderr}`);
  return elapsed;
}

const samples = new Map<string, number[]>();
for (const args of commands) {
  for (const checkout of Object.values(checkouts)) timeOnce(checkout, args); // file cache warm
  for (let run = 0; run < runs; run += 1) {
    for (const [kind, checkout] of Object.entries(checkouts)) {
      const key = `${kind}\t${args.join(' ')}`;
      samples.set(key, [...(samples.get(key) ?? []), timeOnce(checkout, args)]);
    }
  }
}
log(`${runs} runs each, alternating; ms from spawn to exit`);
process.stdout.write('| command | checkout | p50 ms | min | max |\n|---|---|---|---|---|\n');
for (const [key, times] of samples) {
  const [kind, command] = key.split('\t');
  const checkout = kind === 'now' ? 'this commit' : `before (${values.before})`;
  const row = [percentile(times, 50), Math.min(...times), Math.max(...times)].map((ms) => ms.toFixed(0));
  process.stdout.write(`| \`readout ${command}\` | ${checkout} | ${row.join(' | ')} |\n`);
}
