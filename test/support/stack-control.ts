import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

function connectUrl(path: string): string {
  return `http://127.0.0.1:${process.env.READOUT_CONNECT_PORT ?? '18083'}/connectors/readout-orders${path}`;
}

/** Kills the Kafka Connect worker the way a crash would (SIGKILL, no offset flush). */
export function crashConnectWorker(): void {
  const stackDir = process.env.READOUT_STACK_DIR ?? join(root, '.stack');
  const pid = Number(readFileSync(join(stackDir, 'run', 'connect.pid'), 'utf8'));
  process.kill(pid, 'SIGKILL');
}

/** Starts whatever part of the stack is down (here: the Connect worker) and re-registers the connector. */
export function restartStack(): void {
  const result = spawnSync('bash', ['stack/up.sh'], { cwd: root, env: process.env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`stack/up.sh failed:\n${result.stdout}\n${result.stderr}`);
}

async function connect(method: string, path: string): Promise<void> {
  const response = await fetch(connectUrl(path), { method });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
}

async function connectorState(): Promise<string> {
  const response = await fetch(connectUrl('/status'));
  const status = (await response.json()) as { connector: { state: string } };
  return status.connector.state;
}

/**
 * Makes Debezium snapshot every row again, at new Kafka offsets: stop the connector, reset its
 * offsets through Connect's REST API, resume (snapshot.mode=initial with no offsets snapshots).
 */
export async function resnapshot(): Promise<void> {
  await connect('PUT', '/stop');
  for (let i = 0; (await connectorState()) !== 'STOPPED'; i += 1) {
    if (i > 100) throw new Error('the connector did not stop');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await connect('DELETE', '/offsets');
  await connect('PUT', '/resume');
}
