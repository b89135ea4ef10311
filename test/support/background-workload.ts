import pg from 'pg';
import { createRandom, runOperation, type WorkloadOptions } from '../../demo/workload.ts';

/**
 * Order changes as the application makes them (the demo workload's operations, each its own
 * transaction, on its own connection), one every `pauseMs`, until stopped.
 */
export function backgroundWorkload(
  seed: number,
  mix: WorkloadOptions['mix'] = { inserts: 5, updates: 4, deletes: 2 },
  pauseMs = 5,
): { stop(): Promise<void> } {
  const client = new pg.Client({ connectionString: process.env.READOUT_PG_URL });
  const random = createRandom(seed);
  let running = true;
  const done = (async () => {
    await client.connect();
    while (running) {
      await runOperation(client, random, mix);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}
