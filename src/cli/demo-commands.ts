import { parseArgs } from 'node:util';
import pg from 'pg';
import { watchOrdersByStatus } from '../demo/watch.ts';
import { runWorkload, seedOrders } from '../demo/workload.ts';
import { createLogger } from '../log/logger.ts';
import { UsageError, positiveInteger, untilSignal, type CommandRun } from './command.ts';

export const seedCommand: CommandRun = {
  async run(config, args) {
    const { values } = parseArgs({
      args,
      options: { count: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' } },
    });
    const client = new pg.Client({ connectionString: config.postgres.url });
    await client.connect();
    try {
      await seedOrders(
        client,
        positiveInteger(values.count, '--count'),
        positiveInteger(values.seed, '--seed'),
      );
    } finally {
      await client.end();
    }
  },
};

export const workloadCommand: CommandRun = {
  async run(config, args) {
    const { values } = parseArgs({
      args,
      options: {
        rate: { type: 'string', default: '20' },
        operations: { type: 'string' },
        mix: { type: 'string', default: '5:4:1' },
        seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      },
    });
    const [inserts, updates, deletes] = values.mix
      .split(':')
      .map((part) => positiveInteger(part, '--mix', true));
    if (
      inserts === undefined ||
      updates === undefined ||
      deletes === undefined ||
      inserts + updates + deletes === 0
    ) {
      throw new UsageError('--mix must be inserts:updates:deletes, e.g. 5:4:1');
    }
    const logger = createLogger(config.logLevel, 'workload', config.logFormat);
    const controller = new AbortController();
    void untilSignal().then(() => controller.abort());
    const counts = await runWorkload(
      config.postgres.url,
      {
        rate: positiveInteger(values.rate, '--rate'),
        ...(values.operations === undefined
          ? {}
          : { operations: positiveInteger(values.operations, '--operations') }),
        mix: { inserts, updates, deletes },
        seed: positiveInteger(values.seed, '--seed', true),
      },
      logger,
      controller.signal,
    );
    logger.info(counts, 'workload done');
  },
};

export const watchCommand: CommandRun = {
  async run(config) {
    const controller = new AbortController();
    void untilSignal().then(() => controller.abort());
    const url = `http://${config.api.host}:${config.api.port}/graphql`;
    await watchOrdersByStatus(url, (line) => process.stdout.write(`${line}\n`), controller.signal);
  },
};
