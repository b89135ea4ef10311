import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

function readout(args: string[], input?: string) {
  const result = spawnSync(process.execPath, ['src/main.ts', ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...process.env, READOUT_LOG_LEVEL: 'silent' },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('readout explain (no Redis: --fresh)', () => {
  it('shows the decoded change and the delta for each read model of the table', () => {
    const { code, out } = readout(['explain', 'test/fixtures/captured/create-alice-pending.json', '--fresh']);
    expect(code).toBe(0);
    expect(out).toContain('change   create public.orders id=1');
    expect(out).toContain('amount=568.01');
    expect(out).toMatch(
      /model orders_by_status\n {2}row was {2}\(not known\)\n(.*\n)*? {2}\["pending"\] revenue \+568\.01/,
    );
    expect(out).toMatch(/model open_orders\n(.*\n)*? {2}\[\] largest candidate: 568\.01\n/);
  });

  it('refuses an undecodable record with its reason and exit code 1', () => {
    const { code, out } = readout(
      ['explain', '-', '--topic', 'readout.public.orders', '--fresh'],
      '{"op":"x","source":{"lsn":1,"ts_ms":1,"table":"orders"}}',
    );
    expect(code).toBe(1);
    expect(out).toContain('refused  [EVENT_MALFORMED]');
  });

  it('says a record with a 1 MB decimal would be dead-lettered, and why', () => {
    const megabyte = Buffer.alloc(1_000_000, 0x5a);
    megabyte[0] = 0x7f;
    const fixture = readFileSync(
      new URL('../fixtures/captured/create-alice-pending.json', import.meta.url),
      'utf8',
    );
    const input = fixture
      .replaceAll('"connect.decimal.precision": "12"', '"connect.decimal.precision": "1000"')
      .replace('"amount": "AN3h"', `"amount": "${megabyte.toString('base64')}"`);
    const { code, out } = readout(['explain', '-', '--fresh'], input);
    expect(code).toBe(1);
    expect(out).toContain(
      'refused  [EVENT_MALFORMED] after.amount: a decimal of 1000000 bytes, more than the 1000 digits allowed fit in (416 bytes) (it would be dead-lettered)',
    );
  });

  it('names a bad configuration variable and exits 2', () => {
    const result = spawnSync(process.execPath, ['src/main.ts', 'explain', '-'], {
      cwd: root,
      input: '{}',
      encoding: 'utf8',
      env: { ...process.env, READOUT_KAFKA_BROKERS: 'nohost' },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('READOUT_KAFKA_BROKERS');
  });
});
