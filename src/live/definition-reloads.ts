import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { RedisClient } from '../store/index.ts';
import { subscribeWhileWanted } from './channel-subscription.ts';

/** What a reload changed in one process's read models (names). */
export interface DefinitionChanges {
  readonly added: readonly string[];
  /** Another definition than the one the model's data was computed with: stale until rebuilt. */
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

/** What one process did with a reload: the definitions it runs now, or why it kept the old ones. */
export type ReloadOutcome =
  ({ readonly ok: true } & DefinitionChanges) | { readonly ok: false; readonly error: string };

/** One process's answer to `readout reload`, as published on the reply channel. */
export type ReloadReply = ReloadOutcome & { readonly id: string; readonly process: string };

export interface DefinitionReloadsDeps {
  /** A dedicated connection: it is put into subscriber mode (SSUBSCRIBE). Closed by close(). */
  readonly subscriber: RedisClient;
  /** Any other connection: replies are published with it. */
  readonly publisher: Pick<RedisClient, 'spublish'>;
  /** store/keys.ts reloadDefinitionsChannel(prefix). */
  readonly channel: string;
  /** store/keys.ts definitionsReloadedChannel(prefix). */
  readonly replyChannel: string;
  /** How this process names itself in replies ("projector 1234@host"). */
  readonly processName: string;
  readonly logger: Logger;
  /**
   * Reads the definitions again and applies them; resolves with what changed, or `ok: false`
   * with why the old definitions are kept (a rejection is taken as that too).
   */
  readonly onReload: () => Promise<ReloadOutcome>;
  /** The local trigger (default SIGHUP); null: none (tests, or a process that must not take it). */
  readonly signal?: NodeJS.Signals | null;
}

export interface DefinitionReloads {
  /** Reloads now, as a signal would (after any reload in progress). */
  reloadNow(): Promise<ReloadOutcome>;
  /** Stops listening (signal and channel) and closes the subscriber connection. */
  close(): Promise<void>;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The trigger of a definitions reload in a running projector or API: a request of
 * `readout reload` on the Redis channel (every process of every host subscribes), or a signal
 * (SIGHUP) sent to this process. Reloads run one at a time, each reading the files as they are
 * when it starts; a request is answered on the reply channel with what changed.
 *
 * Usage (a process's composition root):
 *
 *     const reloads = watchDefinitionReloads({
 *       subscriber: store.subscriberConnection(), publisher: connectRedis(settings),
 *       channel: reloadDefinitionsChannel(prefix), replyChannel: definitionsReloadedChannel(prefix),
 *       processName: `api ${process.pid}@${hostname()}`, logger,
 *       onReload: async () => ({ ok: true, added: [...], changed: [...], removed: [...] }),
 *     });
 *     // on shutdown: await reloads.close();
 */
export function watchDefinitionReloads(deps: DefinitionReloadsDeps): DefinitionReloads {
  const { subscriber, publisher, channel, replyChannel, processName, logger, onReload } = deps;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  function reload(id: string | null): Promise<ReloadOutcome> {
    const run = queue.then(async (): Promise<ReloadOutcome> => {
      let outcome: ReloadOutcome;
      try {
        outcome = await onReload();
      } catch (error) {
        outcome = { ok: false, error: errorText(error) };
      }
      if (id !== null) {
        const reply: ReloadReply = { ...outcome, id, process: processName };
        await publisher.spublish(replyChannel, JSON.stringify(reply)).catch((error: unknown) => {
          logger.warn({ err: error }, 'could not answer a reload request');
        });
      }
      return outcome;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  const onSignal = () => {
    logger.info({ signal: deps.signal ?? 'SIGHUP' }, 'reloading the read-model definitions (signal)');
    void reload(null);
  };
  const signal = deps.signal === undefined ? 'SIGHUP' : deps.signal;
  if (signal !== null) process.on(signal, onSignal);

  subscriber.on('smessage', (from: string, message: string) => {
    if (from !== channel || closed) return;
    const id = requestId(message);
    if (id === null) {
      logger.warn({ channel }, 'ignored a reload request that is not {"id": "…"}');
      return;
    }
    logger.info({ request: id }, 'reloading the read-model definitions (readout reload)');
    void reload(id);
  });
  void subscribeWhileWanted(subscriber, channel, () => !closed, logger);

  return {
    reloadNow: () => reload(null),
    async close() {
      closed = true;
      if (signal !== null) process.off(signal, onSignal);
      await queue;
      await subscriber.quit().catch(() => undefined);
    },
  };
}

function requestId(message: string): string | null {
  try {
    const parsed = JSON.parse(message) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && typeof parsed.id === 'string')
      return parsed.id;
  } catch {
    // not JSON: refused below
  }
  return null;
}

const names = (value: unknown): string[] | null =>
  Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : null;

/** A reply read from the channel (anything else published there is not one: undefined). */
export function parseReloadReply(message: string): ReloadReply | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const reply = parsed as Record<string, unknown>;
  const { id, process: name, ok } = reply;
  if (typeof id !== 'string' || typeof name !== 'string') return undefined;
  if (ok === false)
    return { ok, id, process: name, error: typeof reply.error === 'string' ? reply.error : 'unknown' };
  const [added, changed, removed] = [names(reply.added), names(reply.changed), names(reply.removed)];
  if (ok !== true || !added || !changed || !removed) return undefined;
  return { ok, id, process: name, added, changed, removed };
}

export interface ReloadRequestDeps {
  /** A dedicated connection for the replies (subscriber mode); the caller closes it. */
  readonly subscriber: RedisClient;
  readonly publisher: Pick<RedisClient, 'spublish'>;
  readonly channel: string;
  readonly replyChannel: string;
  /** How long to wait for every process reached to answer. */
  readonly waitMs: number;
}

/**
 * Asks every running projector and API to reload their definitions, and collects their answers:
 * `reached` is how many processes got the request (Redis says it), `replies` those that answered
 * within `waitMs`.
 */
export async function requestDefinitionReload(
  deps: ReloadRequestDeps,
): Promise<{ id: string; reached: number; replies: ReloadReply[] }> {
  const id = randomUUID();
  const replies: ReloadReply[] = [];
  let reached = Number.POSITIVE_INFINITY;
  let allAnswered: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (allAnswered = resolve));
  const onMessage = (from: string, message: string) => {
    if (from !== deps.replyChannel) return;
    const reply = parseReloadReply(message);
    if (reply?.id !== id) return;
    replies.push(reply);
    if (replies.length >= reached) allAnswered();
  };
  deps.subscriber.on('smessage', onMessage);
  // Subscribed before asking, so that no answer comes before anyone listens.
  await deps.subscriber.ssubscribe(deps.replyChannel);
  try {
    reached = Number(await deps.publisher.spublish(deps.channel, JSON.stringify({ id })));
    if (replies.length >= reached) allAnswered();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([answered, new Promise((resolve) => (timer = setTimeout(resolve, deps.waitMs)))]);
    clearTimeout(timer);
    return { id, reached, replies: [...replies] };
  } finally {
    deps.subscriber.off('smessage', onMessage);
  }
}
