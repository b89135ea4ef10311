/**
 * The reload trigger on a real Redis: `readout reload`'s request reaches every process that
 * listens (each answers with what it changed, or why it kept its definitions), SIGHUP reloads
 * one process without answering anyone, and a closed watcher no longer listens.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestDefinitionReload, watchDefinitionReloads, type ReloadOutcome } from '../../src/live/index.ts';
import { definitionsReloadedChannel, reloadDefinitionsChannel } from '../../src/store/index.ts';
import type { RedisClient } from '../../src/store/index.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

const silent = pino({ level: 'silent' });
let redis: TestRedis;
const clients: RedisClient[] = [];
const client = () => {
  const made = redis.client();
  clients.push(made);
  return made;
};
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const made of clients) made.disconnect();
  await redis.stop();
});

const channels = (prefix: string) => ({
  channel: reloadDefinitionsChannel(prefix),
  replyChannel: definitionsReloadedChannel(prefix),
});

/** A process listening for reloads, counting them; `outcome` is what its reload yields. */
function listener(
  prefix: string,
  name: string,
  outcome: () => Promise<ReloadOutcome>,
  signal: NodeJS.Signals | null = null,
) {
  let reloads = 0;
  const watcher = watchDefinitionReloads({
    subscriber: client(),
    publisher: client(),
    ...channels(prefix),
    processName: name,
    logger: silent,
    signal,
    onReload: async () => {
      reloads += 1;
      return await outcome();
    },
  });
  return { watcher, reloads: () => reloads };
}

/** Asks as `readout reload` does, once every listener has subscribed. */
async function request(prefix: string, listeners: number, waitMs = 5000) {
  const publisher = client();
  await expect
    .poll(async () =>
      Number(
        await publisher
          .call('PUBSUB', 'SHARDNUMSUB', channels(prefix).channel)
          .then((r) => (r as unknown[])[1]),
      ),
    )
    .toBe(listeners);
  return await requestDefinitionReload({ subscriber: client(), publisher, ...channels(prefix), waitMs });
}

describe('definition reloads', () => {
  it("reaches every listening process, and collects each one's answer", async () => {
    const projector = listener('two', 'projector 1@a', () =>
      Promise.resolve({ ok: true, added: ['new_model'], changed: ['edited'], removed: [] }),
    );
    const api = listener('two', 'api 2@b', () =>
      Promise.reject(new Error('broken.yaml: measures: expected array')),
    );
    const result = await request('two', 2);
    expect(result.reached).toBe(2);
    expect(
      result.replies.map(({ id: _id, ...reply }) => reply).sort((x, y) => x.process.localeCompare(y.process)),
    ).toEqual([
      { ok: false, process: 'api 2@b', error: 'broken.yaml: measures: expected array' },
      { ok: true, process: 'projector 1@a', added: ['new_model'], changed: ['edited'], removed: [] },
    ]);
    expect(result.replies.every((reply) => reply.id === result.id)).toBe(true);
    expect([projector.reloads(), api.reloads()]).toEqual([1, 1]);
    await Promise.all([projector.watcher.close(), api.watcher.close()]);
  });

  it('reloads on its signal without answering anyone, and listens no more once closed', async () => {
    const nothing = { ok: true, added: [], changed: [], removed: [] } as const;
    const process1 = listener('signal', 'projector 3@c', () => Promise.resolve(nothing), 'SIGUSR2');
    await expect.poll(() => process.listenerCount('SIGUSR2')).toBeGreaterThan(0);
    process.emit('SIGUSR2', 'SIGUSR2');
    await expect.poll(() => process1.reloads()).toBe(1);
    expect((await request('signal', 1)).replies).toHaveLength(1);
    expect(process1.reloads()).toBe(2);
    await process1.watcher.close();
    const before = process.listenerCount('SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(process1.reloads()).toBe(2);
    expect(before).toBe(0);
    const none = await requestDefinitionReload({
      subscriber: client(),
      publisher: client(),
      ...channels('signal'),
      waitMs: 5000,
    });
    expect(none).toMatchObject({ reached: 0, replies: [] });
  });
});
