import { parseArgs } from 'node:util';
import { readConsumerLag } from '../ingest/index.ts';
import { modelReader } from '../store/index.ts';
import { print, toJson, type CommandRun } from './command.ts';
import { lagSeconds, modelEntry, renderStatus, troubleOf, type StatusReport } from './status-report.ts';
import { sourceTopics, topicOf, wireProjector } from './wiring.ts';

/** The API's /readyz answer, or why it could not be had. */
async function apiReadiness(url: string): Promise<StatusReport['api']> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    const body = (await response.json()) as { notReady?: Record<string, string> };
    const reasons = Object.entries(body.notReady ?? {}).map(([name, why]) => `${name}: ${why}`);
    return { url, ready: response.ok, detail: response.ok ? 'ready' : reasons.join('; ') };
  } catch (error) {
    return {
      url,
      ready: null,
      detail: `unreachable (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}

export const statusCommand: CommandRun = {
  async run(config, args) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
    const { models, store, guard } = wireProjector(config, 'status');
    try {
      const host = config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host;
      const generations = await store.generations.read(models);
      const readerOf = (model: { name: string; table: string }) =>
        modelReader(config.redis.keyPrefix, model, generations.get(model.name)?.current ?? 0);
      const [lags, readiness, deadLetters, held, memory, api, topology, losses, missed] = await Promise.all([
        readConsumerLag({
          brokers: config.kafka.brokers,
          clientId: `${config.kafka.clientId}-status`,
          groupId: config.kafka.consumerGroup,
          topics: sourceTopics(config, models),
        }),
        store.positions.readiness(models.map(readerOf)),
        store.countDeadLetters(),
        guard?.listHeld() ?? Promise.resolve([]),
        store.memoryUsed(),
        apiReadiness(`http://${host}:${config.api.port}/readyz`),
        store.topology(),
        store.positions.losses(),
        store.countMissed(models),
      ]);
      const now = Date.now();
      const byName = new Map(models.map((model, i) => [model.name, readiness[i]]));
      const report = {
        group: config.kafka.consumerGroup,
        keyPrefix: config.redis.keyPrefix,
        at: new Date(now).toISOString(),
        consumer: lags.map((lag) => ({
          ...lag,
          lagSeconds: lagSeconds(
            lag,
            models.filter((m) => topicOf(config, m) === lag.topic).flatMap((m) => byName.get(m.name) ?? []),
            now,
          ),
        })),
        readModels: models.flatMap((model, i) => {
          const state = readiness[i];
          return state
            ? [
                modelEntry(
                  model.name,
                  state,
                  generations.get(model.name),
                  model.fingerprint,
                  missed.get(model.name) ?? 0,
                ),
              ]
            : [];
        }),
        deadLetters,
        held,
        redisMemoryBytes: memory,
        redis: { topology, losses },
        api,
      };
      const full: StatusReport = { ...report, trouble: troubleOf(report) };
      print(values.json ? toJson(full) : renderStatus(full));
      if (full.trouble.length > 0) process.exitCode = 1;
    } finally {
      await store.quit();
      await guard?.quit();
    }
  },
};
