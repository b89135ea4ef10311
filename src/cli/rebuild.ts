import { parseArgs } from 'node:util';
import { createCleanupRules } from '../cleanup/index.ts';
import { loadSources } from '../definitions/index.ts';
import { createKafkaSource } from '../ingest/index.ts';
import { rebuild } from '../pipeline/index.ts';
import { createGuardStore } from '../store/index.ts';
import { UsageError, print, toJson, type CommandRun } from './command.ts';
import { redisSettings, topicOf, transactionTopic, wireProjector } from './wiring.ts';

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

export const rebuildCommand: CommandRun = {
  async run(config, args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { all: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    });
    const { models, store, guard, logger } = wireProjector(config, 'rebuild');
    const known = new Set(models.map((model) => model.name));
    const unknown = positionals.filter((name) => !known.has(name));
    if (unknown.length > 0)
      throw new UsageError(`unknown read model ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
    if (values.all === positionals.length > 0)
      throw new UsageError('name the read models to rebuild, or --all');
    const chosen = values.all ? models : models.filter((model) => positionals.includes(model.name));
    const names = chosen.map((model) => model.name).join(', ');
    const runId = `rebuild-${Date.now().toString(36)}`;
    const ownGuard = guard
      ? createGuardStore({
          ...redisSettings(config, logger),
          keyPrefix: `${config.redis.keyPrefix}:${runId}`,
        })
      : null;
    const topics = [...new Set(chosen.map((model) => topicOf(config, model)))];
    const source = createKafkaSource({
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-rebuild`,
      // A group of its own, new each time: it starts from the earliest offsets.
      groupId: `${config.kafka.consumerGroup}.${runId}`,
      topics: guard ? [...topics, transactionTopic(config)] : topics,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      logger,
    });
    try {
      if (!values.json) print(`rebuilding ${names} from the earliest retained events`);
      const result = await rebuild({
        models: chosen,
        store,
        keyPrefix: config.redis.keyPrefix,
        source,
        topicOf: (model) => topicOf(config, model),
        decodeLimits: config.decode,
        cleanup: {
          rules: createCleanupRules(loadSources(config.readModelsDir), config.cleanup),
          liveGuard: guard,
          ownGuard,
          transactionTopic: transactionTopic(config),
        },
        logger,
        onProgress: (p) => {
          if (values.json) return;
          // The last batches may reach past the ends taken at the start (live traffic goes on).
          const done = Math.min(p.applied, p.total);
          const percent = p.total === 0 ? 100 : Math.floor((100 * done) / p.total);
          const left = p.secondsLeft === null ? '' : `, about ${Math.ceil(p.secondsLeft)} s left`;
          print(
            `  ${thousands(done)} of ${thousands(p.total)} events (${percent}%), ${thousands(p.ratePerSecond)} events/s${left}`,
          );
        },
        onWaiting: (what) => {
          if (!values.json) print(`  history read; waiting for ${what}`);
        },
      });
      const generations = Object.fromEntries(result.generations);
      if (values.json) print(toJson({ ...result, generations }));
      else
        print(
          `done: ${Object.entries(generations)
            .map(([name, generation]) => `${name} → generation ${generation}`)
            .join(
              ', ',
            )}; ${thousands(result.events)} events in ${result.seconds.toFixed(1)} s; ${thousands(result.dropped)} keys of the old generation deleted`,
        );
    } finally {
      await source.stop().catch(() => undefined);
      await store.quit();
      await guard?.quit();
      await ownGuard?.quit();
    }
  },
};
