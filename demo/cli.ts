/**
 * The demo's own command line (npm run seed | workload | watch): its orders domain lives here, in
 * readmodels/ and db/, never in src/. Configured like readout (READOUT_* variables).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { UsageError, positiveInteger, untilSignal, type CommandRun } from '../src/cli/command.ts';
import { endQuietlyWhenReaderLeaves, exitOnceWritten } from '../src/cli/output.ts';
import { runCli } from '../src/cli/run-cli.ts';
import { describeError } from '../src/errors/index.ts';
import { createLogger } from '../src/log/logger.ts';
import { watchOrdersByStatus } from './watch.ts';
import { runWorkload, seedOrders } from './workload.ts';

const seedCommand: CommandRun = {
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

const workloadCommand: CommandRun = {
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

const watchCommand: CommandRun = {
  async run(config) {
    const controller = new AbortController();
    void untilSignal().then(() => controller.abort());
    const url = `http://${config.api.host}:${config.api.port}/graphql`;
    await watchOrdersByStatus(url, (line) => process.stdout.write(`${line}\n`), controller.signal);
  },
};

endQuietlyWhenReaderLeaves();
runCli(
  {
    name: 'demo',
    commands: [
      {
        name: 'seed',
        summary: 'insert demo orders (with their lines) in one transaction',
        usage: 'npm run seed -- [--count 200] [--seed 1]',
        load: () => Promise.resolve(seedCommand),
      },
      {
        name: 'workload',
        summary: 'write inserts, status updates and business deletes at a steady rate',
        usage:
          'npm run workload -- [--rate 20] [--operations N] [--mix inserts:updates:deletes (5:4:1)] [--seed S]\n  Runs until N operations are done or SIGINT/SIGTERM.',
        load: () => Promise.resolve(workloadCommand),
      },
      {
        name: 'watch',
        summary: 'subscribe to ordersByStatus over graphql-ws and print one line per version',
        usage: 'npm run watch\n  Connects to the API at READOUT_API_HOST:READOUT_API_PORT; Ctrl-C stops.',
        load: () => Promise.resolve(watchCommand),
      },
    ],
  },
  process.argv.slice(2),
).then(exitOnceWritten, (error: unknown) => {
  process.stderr.write(`demo: ${describeError(error)}\n`);
  exitOnceWritten(1);
});
