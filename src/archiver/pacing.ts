/**
 * How many of the archiver's batches may be committed but not yet applied by the projector.
 *
 * Why a window and not only "wait while the oldest batch is older than the bound": a live change
 * committed after a batch is applied after it (Debezium reads the WAL in order, the projector a
 * partition in order), so its delay is the time that batch takes to be applied. Waiting until
 * that time exceeds the bound lets several more batches queue up first, and every live change
 * behind them waits for all of them. Instead the window grows while batches are applied well
 * within the bound and halves as soon as one takes more than half of it (additive increase,
 * multiplicative decrease), keeping the queue ahead of live changes short.
 */
export interface Pacing {
  /** Batches that may be in flight now (at least 1). */
  readonly window: number;
  /** A batch was applied `latencyMs` after its commit. */
  applied(latencyMs: number): void;
}

export function createPacing(maxLagMs: number, maxWindow = 8): Pacing {
  let window = 1;
  return {
    get window() {
      return window;
    },
    applied(latencyMs) {
      if (latencyMs > maxLagMs / 2) window = Math.max(1, Math.floor(window / 2));
      else if (latencyMs < maxLagMs / 4) window = Math.min(maxWindow, window + 1);
    },
  };
}
