import { ErrorCode, ReadoutError } from '../errors/index.ts';

/** A connector's state as Connect's REST API reports it. */
export interface ConnectorStatus {
  /** RUNNING, PAUSED, STOPPED, FAILED, UNASSIGNED, RESTARTING. */
  readonly state: string;
  readonly tasks: readonly { readonly id: number; readonly state: string; readonly trace?: string }[];
}

/** The few calls of Kafka Connect's REST API that changing the capture needs. */
export interface KafkaConnect {
  /** The stored (unresolved: `${env:…}` stays as written) configuration, or null: no such connector. */
  config(name: string): Promise<Record<string, string> | null>;
  status(name: string): Promise<ConnectorStatus | null>;
  /** Creates or replaces the configuration. */
  putConfig(name: string, config: Readonly<Record<string, string>>): Promise<void>;
  /** Stops the connector and its tasks, keeping config and offsets (KIP-875). */
  stop(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  /** Waits until `ready(status)` holds, or fails after `timeoutMs` naming what it saw last. */
  waitFor(
    name: string,
    what: string,
    ready: (status: ConnectorStatus | null) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
}

function unavailable(message: string, cause?: unknown): ReadoutError {
  return new ReadoutError(ErrorCode.DependencyUnavailable, message, { cause, retriable: true });
}

/** How long a call answered 409 (workers rebalancing) is made again, by default. */
const CONFLICT_RETRY_MS = 30_000;

export function createKafkaConnect(
  baseUrl: string,
  { conflictRetryMs = CONFLICT_RETRY_MS }: { conflictRetryMs?: number } = {},
): KafkaConnect {
  const base = baseUrl.replace(/\/+$/, '');
  /**
   * One REST call. Connect answers 409 while its workers rebalance (another connector was just
   * created, changed or deleted): the call is made again, for up to `conflictRetryMs`.
   */
  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const deadline = Date.now() + conflictRetryMs;
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          signal: AbortSignal.timeout(60_000),
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw unavailable(`Kafka Connect at ${base} did not answer ${method} ${path}`, error);
      }
      const text = await response.text();
      if (response.status === 409 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * attempt)));
        continue;
      }
      let json: unknown;
      try {
        json = text === '' ? null : JSON.parse(text);
      } catch {
        json = text;
      }
      if (response.status >= 400 && response.status !== 404)
        throw unavailable(
          `Kafka Connect answered ${method} ${path} with HTTP ${response.status}: ${text.slice(0, 500)}`,
        );
      return { status: response.status, json };
    }
  }
  const path = (name: string, rest = '') => `/connectors/${encodeURIComponent(name)}${rest}`;
  async function status(name: string): Promise<ConnectorStatus | null> {
    const { status: code, json } = await call('GET', path(name, '/status'));
    if (code === 404) return null;
    const body = json as { connector?: { state?: string }; tasks?: ConnectorStatus['tasks'] };
    return { state: body.connector?.state ?? 'UNKNOWN', tasks: body.tasks ?? [] };
  }
  return {
    async config(name) {
      const { status: code, json } = await call('GET', path(name, '/config'));
      return code === 404 ? null : (json as Record<string, string>);
    },
    status,
    async putConfig(name, config) {
      await call('PUT', path(name, '/config'), config);
    },
    async stop(name) {
      await call('PUT', path(name, '/stop'));
    },
    async resume(name) {
      await call('PUT', path(name, '/resume'));
    },
    async waitFor(name, what, ready, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const last = await status(name);
        if (ready(last)) return;
        const failed = last?.tasks.find((task) => task.state === 'FAILED');
        if (failed)
          throw unavailable(
            `connector ${name}'s task ${failed.id} FAILED: ${failed.trace?.split('\n')[0] ?? ''}`,
          );
        if (Date.now() > deadline)
          throw unavailable(
            `connector ${name} did not become ${what} within ${timeoutMs} ms (last: ${last === null ? 'absent' : `${last.state}, tasks ${last.tasks.map((t) => t.state).join(',') || 'none'}`})`,
          );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}

/** RUNNING with every task RUNNING (at least one). */
export function isRunning(status: ConnectorStatus | null): boolean {
  return (
    status !== null &&
    status.state === 'RUNNING' &&
    status.tasks.length > 0 &&
    status.tasks.every((t) => t.state === 'RUNNING')
  );
}
