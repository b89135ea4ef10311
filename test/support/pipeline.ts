import { randomUUID } from 'node:crypto';
import { freePort } from './free-port.ts';
import { startReadout, waitForHealthy, waitForReady, type ReadoutProcess } from './readout-process.ts';

export interface Pipeline {
  /** The API's GraphQL URL (http; the same path serves graphql-ws). */
  readonly apiUrl: string;
  /** The consumer group and Redis key prefix of this pipeline. */
  readonly id: string;
  /** The first projector's /healthz, /readyz and /metrics (a restarted one gets another port). */
  readonly projectorUrl: string;
  readonly projector: ReadoutProcess;
  readonly api: ReadoutProcess;
  readonly startProjector: (name: string, env?: Record<string, string>) => ReadoutProcess;
  stop(): Promise<void>;
}

/**
 * A projector and an API as real processes, with their own consumer group and Redis key prefix;
 * resolves once the API is ready (every read model filled from the topics).
 */
export async function startPipeline(label: string): Promise<Pipeline> {
  const id = `${label}-${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const projectorPort = await freePort();
  const env = { READOUT_CONSUMER_GROUP: id, READOUT_KEY_PREFIX: id, READOUT_API_PORT: String(port) };
  const running: ReadoutProcess[] = [];
  const startProjector = (name: string, projectorEnv: Record<string, string> = {}) => {
    const projector = startReadout(`${id}-${name}`, 'projector', { ...env, ...projectorEnv });
    running.push(projector);
    return projector;
  };
  const projector = startProjector('projector', { READOUT_PROJECTOR_PORT: String(projectorPort) });
  const api = startReadout(`${id}-api`, 'api', env);
  running.push(api);
  const apiUrl = `http://127.0.0.1:${port}/graphql`;
  await waitForHealthy(apiUrl.replace('/graphql', '/healthz'));
  await waitForReady(apiUrl);
  return {
    apiUrl,
    id,
    projectorUrl: `http://127.0.0.1:${projectorPort}`,
    projector,
    api,
    startProjector,
    stop: async () => {
      await Promise.all(running.map((process) => process.stop()));
    },
  };
}
