import { randomUUID } from 'node:crypto';
import { freePort } from './free-port.js';
import { startReadout, waitForHealthy, type ReadoutProcess } from './readout-process.js';

export interface Pipeline {
  /** The API's GraphQL URL (http; the same path serves graphql-ws). */
  readonly apiUrl: string;
  /** The consumer group and Redis key prefix of this pipeline. */
  readonly id: string;
  readonly projector: ReadoutProcess;
  readonly startProjector: (name: string) => ReadoutProcess;
  stop(): Promise<void>;
}

/** A projector and an API as real processes, with their own consumer group and Redis key prefix. */
export async function startPipeline(label: string): Promise<Pipeline> {
  const id = `${label}-${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const env = { READOUT_CONSUMER_GROUP: id, READOUT_KEY_PREFIX: id, READOUT_API_PORT: String(port) };
  const running: ReadoutProcess[] = [];
  const startProjector = (name: string) => {
    const projector = startReadout(`${id}-${name}`, 'projector', env);
    running.push(projector);
    return projector;
  };
  const projector = startProjector('projector');
  running.push(startReadout(`${id}-api`, 'api', env));
  const apiUrl = `http://127.0.0.1:${port}/graphql`;
  await waitForHealthy(apiUrl.replace('/graphql', '/healthz'));
  return {
    apiUrl,
    id,
    projector,
    startProjector,
    stop: async () => {
      await Promise.all(running.map((process) => process.stop()));
    },
  };
}
