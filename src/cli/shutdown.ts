import type { Logger } from '../log/logger.js';

/** How long a graceful shutdown may take before the process gives up and exits with 1. */
export const SHUTDOWN_BOUND_MS = 15_000;

/**
 * Runs shutdown steps in order, logging each as it completes ("shutdown: <step>", which the
 * shutdown test reads), within SHUTDOWN_BOUND_MS; a step that fails is logged and the next runs.
 */
export async function shutDownInOrder(
  logger: Logger,
  steps: ReadonlyArray<readonly [string, () => unknown]>,
): Promise<void> {
  const giveUp = setTimeout(() => {
    logger.error({ boundMs: SHUTDOWN_BOUND_MS }, 'shutdown took too long: exiting anyway');
    process.exit(1);
  }, SHUTDOWN_BOUND_MS);
  giveUp.unref();
  for (const [step, run] of steps) {
    try {
      await run();
      logger.info({ step }, `shutdown: ${step}`);
    } catch (error) {
      logger.warn({ step, err: error }, `shutdown: ${step} failed`);
    }
  }
  clearTimeout(giveUp);
}
