import { parseArgs } from 'node:util';
import { describeError } from '../errors/index.ts';
import { describeChanges, requestDefinitionReload, type ReloadReply } from '../live/index.ts';
import { createLogger } from '../log/logger.ts';
import {
  connectRedis,
  createRedisStore,
  definitionsReloadedChannel,
  reloadDefinitionsChannel,
} from '../store/index.ts';
import { positiveInteger, print, toJson, type CommandRun } from './command.ts';
import { checkSourceColumns } from './source-columns.ts';
import { loadModels, redisSettings } from './wiring.ts';

function describeReply(reply: ReloadReply): string {
  return reply.ok
    ? `  ${reply.process}: ${describeChanges(reply)}`
    : `  ${reply.process}: FAILED, kept the definitions in force: ${reply.error}`;
}

export const reloadCommand: CommandRun = {
  async run(config, args) {
    const { values } = parseArgs({
      args,
      options: { json: { type: 'boolean', default: false }, wait: { type: 'string', default: '10000' } },
    });
    const waitMs = positiveInteger(values.wait, '--wait');
    const logger = createLogger(config.logLevel, 'reload', config.logFormat);
    // Checked here first: definitions every process would refuse are not sent at all.
    let count: number;
    try {
      count = loadModels(config).length;
      await checkSourceColumns(config, logger);
    } catch (error) {
      if (values.json) print(toJson({ valid: false, error: describeError(error), sent: false }));
      else
        print(`not sent: the definitions in ${config.readModelsDir} are invalid:\n${describeError(error)}`);
      process.exitCode = 1;
      return;
    }
    const settings = redisSettings(config, logger);
    const store = createRedisStore(settings);
    const subscriber = store.subscriberConnection();
    const publisher = connectRedis(settings);
    const channel = reloadDefinitionsChannel(config.redis.keyPrefix);
    try {
      const { reached, replies } = await requestDefinitionReload({
        subscriber,
        publisher,
        channel,
        replyChannel: definitionsReloadedChannel(config.redis.keyPrefix),
        waitMs,
      });
      const failed = replies.filter((reply) => !reply.ok).length;
      const silent = Math.max(0, reached - replies.length);
      if (failed > 0 || silent > 0) process.exitCode = 1;
      if (values.json) {
        print(toJson({ valid: true, models: count, sent: true, channel, reached, replies, silent }));
        return;
      }
      print(`definitions in ${config.readModelsDir}: ${count} read models, valid`);
      if (reached === 0) {
        print(
          `no running projector or API listens on ${channel}: nothing to reload (each reads the definitions when it starts)`,
        );
        return;
      }
      print(`reload sent to ${reached} process${reached === 1 ? '' : 'es'} (${channel}):`);
      for (const reply of replies) print(describeReply(reply));
      if (silent > 0)
        print(
          `  ${silent} did not answer within ${waitMs} ms (see their logs; readout status shows the models)`,
        );
    } finally {
      await Promise.all([subscriber.quit(), publisher.quit(), store.quit()]);
    }
  },
};
