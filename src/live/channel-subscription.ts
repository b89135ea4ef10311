import type { Logger } from '../log/logger.ts';
import type { RedisClient } from '../store/index.ts';

/** How long to wait before asking Redis again for a subscription it could not make. */
export const SUBSCRIBE_RETRY_MS = 500;

/**
 * SSUBSCRIBEs a channel, asking again every `retryMs` while Redis cannot be reached (ioredis fails
 * a command after a few reconnect attempts), for as long as `wanted()` says so. Never rejects: an
 * API started before its Redis, or during an outage, must wait for it, not crash on a rejected
 * promise nobody awaited. Once made, ioredis renews the subscription after every reconnect itself.
 * Resolves true when subscribed, false when no longer wanted.
 */
export async function subscribeWhileWanted(
  subscriber: RedisClient,
  channel: string,
  wanted: () => boolean,
  logger: Logger,
  retryMs = SUBSCRIBE_RETRY_MS,
): Promise<boolean> {
  for (let attempt = 0; wanted(); attempt += 1) {
    try {
      await subscriber.ssubscribe(channel);
      return true;
    } catch (error) {
      if (attempt === 0) logger.warn({ err: error, channel }, 'cannot subscribe yet: asking Redis again');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
  return false;
}
