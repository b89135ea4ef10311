/**
 * `readout` writing into a pipe, as a shell pipeline would run it (`readout dead-letters show ID |
 * less`, `| head -1`): every byte reaches a reader that reads slowly, and a reader that leaves
 * early ends the command quietly with exit code 0. The CLI runs as a real process over a real
 * redis-server holding one large dead letter.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJson } from '../../src/cli/command.ts';
import { createRedisStore, deadLetterId, type DeadLetter } from '../../src/store/index.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

const root = new URL('../../', import.meta.url);
const prefix = 'cli-output';
// A record Debezium could have sent: a value of a few megabytes (a large JSON document column).
const letter: DeadLetter = {
  topic: 'readout.public.orders',
  partition: 0,
  offset: '41',
  code: 'EVENT_MALFORMED',
  reason: 'value is not JSON',
  key: '{"id":41}',
  value: `{"payload":"${'x'.repeat(3_000_000)}"`,
};
let redis: TestRedis;

/** `readout <args>` with its standard output in a pipe this test reads as it pleases. */
function readout(args: readonly string[], settings: Record<string, string> = {}) {
  // Only this test's settings: a shell's own READOUT_* (a stack's ports) must not steer the child.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('READOUT_')),
  );
  const child = spawn(process.execPath, ['src/main.ts', ...args], {
    cwd: root,
    env: {
      ...env,
      READOUT_REDIS_URL: redis.options.url,
      READOUT_KEY_PREFIX: prefix,
      READOUT_LOG_LEVEL: 'silent',
      ...settings,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stderr })),
  );
  return { child, exited };
}

beforeAll(async () => {
  redis = await startRedis();
  const store = createRedisStore({ ...redis.options, keyPrefix: prefix });
  await store.recordDeadLetters([letter]);
  await store.quit();
});

afterAll(async () => {
  await redis?.stop();
});

describe('readout writing into a pipe', () => {
  it('hands every byte to a reader that takes its time', async () => {
    const { child, exited } = readout(['dead-letters', 'show', deadLetterId(letter)]);
    const chunks: Buffer[] = [];
    child.stdout.pause(); // the pipe fills up and stays full for a while
    await new Promise((resolve) => setTimeout(resolve, 3000));
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdout.resume();
    const { code, stderr } = await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const expected = `${toJson({ id: deadLetterId(letter), ...letter })}\n`;
    const got = Buffer.concat(chunks).toString('utf8');
    expect(got.length).toBe(expected.length);
    expect(got === expected).toBe(true);
  });

  it('ends quietly with exit code 0 when the reader leaves early (EPIPE), as `| head -1` does', async () => {
    const { child, exited } = readout(['dead-letters', 'show', deadLetterId(letter)]);
    child.stdout.once('data', () => child.stdout.destroy()); // the reader had its first line
    const { code, stderr } = await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('readout logging for a person', () => {
  // Redis away: the store's connection logs that it is reconnecting, then the command fails.
  const away = { READOUT_REDIS_URL: 'redis://127.0.0.1:1', READOUT_LOG_LEVEL: 'info' };

  it('writes short readable lines, not JSON, when a person runs a command (stderr not a terminal)', async () => {
    const { code, stderr } = await readout(['status'], away).exited;
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).not.toMatch(/^\{/);
    expect(stderr).toMatch(
      /WARN.*status: Redis unreachable: reconnecting .*\(connect ECONNREFUSED 127\.0\.0\.1:1\)/,
    );
    expect(lines.at(-1)).toMatch(/^readout status: \[DEPENDENCY_UNAVAILABLE\]/);
  });

  it('writes JSON log lines with --json, and when READOUT_LOG_FORMAT=json says so', async () => {
    for (const [args, settings] of [
      [['status', '--json'], away],
      [['status'], { ...away, READOUT_LOG_FORMAT: 'json' }],
    ] as const) {
      const { code, stderr } = await readout(args, settings).exited;
      expect(code).toBe(1);
      const logs = stderr.trim().split('\n').slice(0, -1);
      expect(logs.length).toBeGreaterThan(0);
      for (const line of logs) expect(JSON.parse(line)).toMatchObject({ component: 'status', level: 40 });
    }
  });
});
