import type { Logger } from '../log/logger.ts';

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
  // `done` numbers the steps as they complete: pino writes asynchronously and flushes what is left
  // synchronously at exit, so the last lines can overtake one still being written (seen in CI);
  // the shutdown test reads `done`, not the order of lines.
  for (const [index, [step, run]] of steps.entries()) {
    try {
      await run();
      logger.info({ step, done: index + 1 }, `shutdown: ${step}`);
    } catch (error) {
      logger.warn({ step, done: index + 1, err: error }, `shutdown: ${step} failed`);
    }
  }
  clearTimeout(giveUp);
}
