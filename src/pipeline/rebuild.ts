import type { CleanupRules } from '../cleanup/index.ts';
import type { DecodeLimits } from '../decode/index.ts';
import type { ChangeSource, PartitionRange } from '../ingest/index.ts';
import { ErrorCode, ReadoutError, describeError, isReadoutError } from '../errors/index.ts';
import type { Logger } from '../log/logger.ts';
import type { CompiledModel } from '../projection/index.ts';
import {
  modelReader,
  partitionKey,
  type GuardStore,
  type ReadModelStore,
  type StreamReader,
} from '../store/index.ts';
import { decidePositions } from './position-decision.ts';
import { createProjector } from './projector.ts';

export interface RebuildDeps {
  /** The models to rebuild (each gets a new generation). */
  readonly models: readonly CompiledModel[];
  readonly store: ReadModelStore;
  readonly keyPrefix: string;
  /** Reads the models' topics (and the transaction topic when guarding) from the earliest offset. */
  readonly source: ChangeSource;
  readonly topicOf: (model: CompiledModel) => string;
  readonly cleanup: {
    readonly rules: CleanupRules;
    /** The projector's guard (its decisions are followed), or null when the guard is off. */
    readonly liveGuard: GuardStore | null;
    /** A guard of the rebuild's own, so that replaying never touches the projector's pending deletes. */
    readonly ownGuard: GuardStore | null;
    readonly transactionTopic: string;
  };
  readonly logger: Logger;
  /** Told about every second while the history is read. */
  readonly onProgress: (progress: RebuildProgress) => void;
  /** Told when the rebuild waits for a projector to take over. */
  readonly onWaiting: (what: string) => void;
  /** How long readers may still be reading the old generation after the switch. */
  readonly graceMs?: number;
  /** What a record may hold before it is dead-lettered unread (as the projector's). */
  readonly decodeLimits?: DecodeLimits;
  /** How long batches may keep failing before the rebuild gives up (default STALL_MS). */
  readonly stallMs?: number;
}

export interface RebuildProgress {
  readonly applied: number;
  readonly total: number;
  readonly ratePerSecond: number;
  /** Seconds left at this rate, or null before a rate is known. */
  readonly secondsLeft: number | null;
}

export interface RebuildResult {
  readonly generations: ReadonlyMap<string, number>;
  readonly events: number;
  readonly seconds: number;
  /** Keys of the replaced generations deleted. */
  readonly dropped: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const POLL_MS = 200;
/** How long the rebuild waits for the ENDs of transactions whose deletes it read (seconds, normally). */
const END_WAIT_MS = 60_000;
/** How long the history's batches may keep failing (Redis unreachable, say) before the rebuild fails. */
const STALL_MS = 120_000;

/**
 * Rebuilds read models without taking them down (see docs/operating.md, "Rebuilding a read model"):
 *
 * 1. each model gets a new generation of keys, which nobody reads yet;
 * 2. the models' topics are read from their earliest offsets up to their ends as they were at the
 *    start, folded into the new generations (silently: no version is announced), with a guard of
 *    the rebuild's own that starts from the operators' decisions, so held and decided mass deletes
 *    come out as they did for the projector; the transaction topic is read on until every delete
 *    read has its END;
 * 3. the running projector is asked to take over (`handoff`): it writes both generations and
 *    replays into the new one what the rebuild did not read;
 * 4. changes held when the rebuild read them but decided since are applied to the new generation;
 * 5. the projector switches readers to the new generation between two batches, once it has caught
 *    up (`ready`), and the old generation is deleted after a grace period.
 */
export async function rebuild(deps: RebuildDeps): Promise<RebuildResult> {
  const { models, store, source, logger, cleanup } = deps;
  const started = Date.now();
  const generations = new Map<string, number>();
  const before = await store.generations.read(models);
  for (const model of models) {
    const { generation, abandoned } = await store.generations.start(model);
    if (abandoned !== null) {
      const dropped = await store.generations.drop(model, abandoned);
      logger.warn({ model: model.name, abandoned, dropped }, 'an unfinished earlier rebuild was abandoned');
    }
    generations.set(model.name, generation);
  }
  const targets = models.map((model) => ({ ...model, generation: generations.get(model.name) ?? 0 }));
  const readers = targets.map((model) => modelReader(deps.keyPrefix, model, model.generation, true));
  let applied = 0;
  // Set while the history's batches fail (a callback sets it: TypeScript cannot see that).
  let failing = null as { readonly sinceMs: number; readonly error: unknown } | null;
  // Until readers switch, a failure leaves the old generation serving and drops the new one.
  try {
    if (cleanup.liveGuard && cleanup.ownGuard)
      await cleanup.ownGuard.recordDecisions(await cleanup.liveGuard.decisions());
    const projector = createProjector({
      models: targets,
      store,
      logger,
      topicOf: deps.topicOf,
      ...(deps.decodeLimits ? { decodeLimits: deps.decodeLimits } : {}),
      cleanup: { rules: cleanup.rules, guard: cleanup.ownGuard, transactionTopic: cleanup.transactionTopic },
    });

    // Where each data partition must get to, fixed when the consumer is first assigned.
    const dataTopics = new Set(models.map(deps.topicOf));
    let ends: PartitionRange[] | undefined;
    const reached = new Map<string, bigint>();
    await source.start(async (batch) => {
      // Past the history's end a data partition is the projector's to replay into the new generation
      // (from where the generation stands): reading on would only admit deletes whose END the
      // rebuild then has to wait for. The transaction topic is read on, for those ENDs.
      const end = dataTopics.has(batch.topic)
        ? ends?.find((range) => range.topic === batch.topic && range.partition === batch.partition)
        : undefined;
      const records = end
        ? batch.records.filter((record) => BigInt(record.offset) < BigInt(end.high))
        : batch.records;
      if (records.length > 0) {
        const mine = readers.filter((_, i) => deps.topicOf(targets[i] as CompiledModel) === batch.topic);
        try {
          await projector.handleBatch({ ...batch, records });
          failing = null;
        } catch (error) {
          failing ??= { sinceMs: Date.now(), error };
          if (!isReadoutError(error) || error.code !== ErrorCode.StoreLostWrites) throw error;
          // A failover lost writes of the new generation: the partition is read again from the
          // earliest place one of them stands.
          const first = BigInt(records[0]?.offset ?? '0');
          const { positions } = await store.positions.read(mine, batch.topic, batch.partition);
          const stands = mine.map((reader, i) => {
            const next = positions[i]?.next;
            return { name: reader.name, next: next ? BigInt(next) : null, catchingUp: false };
          });
          const low = stands.some((reader) => reader.next === null)
            ? BigInt((await source.range(batch.topic, batch.partition)).low)
            : 0n;
          const decision = decidePositions({
            at: 'before-batch',
            marker: 'known',
            low,
            readers: stands,
            expected: () => first,
          });
          // Proceeding means the loss was not this partition's: the batch is simply read again.
          const from = decision.kind === 'rewind' ? decision.from : first;
          logger.warn(
            { topic: batch.topic, partition: batch.partition, from: from.toString() },
            'Redis lost writes of the rebuilt generation (a failover?): reading the partition again',
          );
          return { rewindTo: from.toString() };
        }
        if (dataTopics.has(batch.topic)) {
          const next = BigInt(records.at(-1)?.offset ?? '-1') + 1n;
          await store.positions.advance(mine, batch.topic, batch.partition, next.toString());
          applied += records.length;
        }
      }
      const next = BigInt(batch.records.at(-1)?.offset ?? '-1') + 1n;
      reached.set(partitionKey(batch.topic, batch.partition), next);
    });
    while (!ends) {
      const assigned = await source.assigned();
      if (assigned.length > 0) ends = assigned;
      else await sleep(POLL_MS);
    }
    const dataEnds = ends.filter((range) => dataTopics.has(range.topic));
    const total = dataEnds.reduce((sum, range) => sum + Number(BigInt(range.high) - BigInt(range.low)), 0);
    const isAt = (range: PartitionRange, high: string) =>
      BigInt(range.low) === BigInt(high) ||
      (reached.get(partitionKey(range.topic, range.partition)) ?? BigInt(range.low)) >= BigInt(high);

    // 2. Until the history is read, and no transaction's deletes wait for an END. Such deletes are
    // only in the rebuild's own guard: if it stopped now, the projector could read the END before
    // it takes over, and apply them to the old generation only. Debezium writes an END right after
    // its transaction, so the wait is short; it is bounded all the same.
    let lastReport = 0;
    let pendingSince: number | undefined;
    for (;;) {
      const dataDone = dataEnds.every((range) => isAt(range, range.high));
      if (dataDone) {
        const pending = (await cleanup.ownGuard?.countPending()) ?? 0;
        if (pending === 0) break;
        pendingSince ??= Date.now();
        if (Date.now() - pendingSince > END_WAIT_MS) {
          logger.warn(
            { pending, waitedMs: END_WAIT_MS },
            "deletes still wait for their transaction's END: the rebuilt generation may keep those rows",
          );
          break;
        }
      }
      if (failing && Date.now() - failing.sinceMs > (deps.stallMs ?? STALL_MS)) {
        throw new ReadoutError(
          ErrorCode.RebuildFailed,
          `the rebuild made no progress for ${Math.round((Date.now() - failing.sinceMs) / 1000)} s: ${describeError(failing.error)}`,
          { cause: failing.error },
        );
      }
      if (Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        const seconds = (Date.now() - started) / 1000;
        const rate = seconds > 0 ? applied / seconds : 0;
        deps.onProgress({
          applied,
          total,
          ratePerSecond: rate,
          secondsLeft: rate > 0 ? Math.max(0, (total - applied) / rate) : null,
        });
      }
      await sleep(POLL_MS);
    }
    await source.stop();
    deps.onProgress({
      applied,
      total,
      ratePerSecond: applied / ((Date.now() - started) / 1000),
      secondsLeft: 0,
    });

    // A history that could not be read whole is known now: no need to involve the projector.
    await requireComplete(store, targets, readers);

    // 3. The projector takes over.
    for (const model of targets) await store.generations.advance(model, model.generation, 'replay');
    await waitForPhase(
      deps,
      targets,
      (state) => state.phase !== 'handoff',
      'a running projector to take over (readout projector)',
    );

    // 4. Held changes decided since the rebuild read them: applied to the new generations.
    if (cleanup.ownGuard && cleanup.liveGuard && projector.actions) {
      const stillHeld = new Set((await cleanup.liveGuard.listHeld()).map((change) => change.id));
      for (const change of await cleanup.ownGuard.listHeld()) {
        if (stillHeld.has(change.id)) continue; // the projector applies its decision to both generations
        const decision = await cleanup.liveGuard.decisionOf(change);
        if (decision) await projector.actions.release(change.id, decision);
        else
          logger.warn(
            { id: change.id },
            'the rebuild held a change the projector did not: it stays unapplied in the rebuilt generation',
          );
      }
    }
    await requireComplete(store, targets, readers);
    for (const model of targets) await store.generations.advance(model, model.generation, 'dual');
  } catch (error) {
    await giveUp(deps, targets, error);
    throw error;
  }

  // 5. The projector switches readers; then the old generations go.
  for (;;) {
    const states = await store.generations.read(targets);
    for (const model of targets) {
      const state = states.get(model.name);
      if (state?.building !== model.generation && state?.current !== model.generation)
        throw new Error(
          `the rebuild of ${model.name} was replaced by another one (generation ${state?.building ?? '?'})`,
        );
    }
    if (targets.every((model) => states.get(model.name)?.current === model.generation)) break;
    await sleep(POLL_MS);
  }
  await sleep(deps.graceMs ?? 2000);
  let dropped = 0;
  for (const model of targets) {
    const replaced = { ...model, generation: before.get(model.name)?.current ?? 0 };
    // Records only the replaced generation missed (a definition fixed since) are no one's gap now.
    await store.releaseDeadLetters(replaced);
    dropped += await store.generations.drop(model, replaced.generation);
  }
  await cleanup.ownGuard?.purge();
  return { generations, events: applied, seconds: (Date.now() - started) / 1000, dropped };
}

/**
 * A rebuilt generation must miss no record that the generation it replaces has (dead letters
 * concerning it): otherwise the rebuild made the numbers worse, and readers stay where they are.
 */
async function requireComplete(
  store: ReadModelStore,
  targets: ReadonlyArray<CompiledModel & { generation: number }>,
  readers: readonly StreamReader[],
): Promise<void> {
  const states = await store.generations.read(targets);
  const built = await store.positions.readiness(readers);
  for (const [i, model] of targets.entries()) {
    const stopped = built[i]?.stopped;
    if (stopped)
      throw new ReadoutError(
        ErrorCode.RebuildFailed,
        `the rebuilt ${model.name} stopped at ${stopped.at} (${stopped.code}): ${stopped.reason}`,
      );
    const serving = { ...model, generation: states.get(model.name)?.current ?? 0 };
    const before = new Set(await store.missedRecords(serving));
    const missed = (await store.missedRecords(model)).filter((id) => !before.has(id));
    if (missed.length > 0)
      throw new ReadoutError(
        ErrorCode.RebuildFailed,
        `the rebuilt ${model.name} misses ${missed.length} records the current generation has (${missed.slice(0, 5).join(', ')}${missed.length > 5 ? ', …' : ''}): readout dead-letters list says why`,
      );
  }
}

/** A failed rebuild: the new generations are forgotten and deleted; readers never saw them. */
async function giveUp(
  deps: RebuildDeps,
  targets: ReadonlyArray<CompiledModel & { generation: number }>,
  error: unknown,
): Promise<void> {
  for (const model of targets) {
    try {
      await deps.store.generations.abandon(model, model.generation);
      // Its dead letters concerned only the generation that goes (unless others share them).
      const released = await deps.store.releaseDeadLetters(model);
      const dropped = await deps.store.generations.drop(model, model.generation);
      deps.logger.error(
        { model: model.name, generation: model.generation, dropped, released, err: error },
        'rebuild failed: its generation was dropped; the current one keeps serving',
      );
    } catch (cleanupError) {
      deps.logger.error(
        { model: model.name, generation: model.generation, err: cleanupError },
        'rebuild failed and its generation could not be dropped: the next rebuild abandons it',
      );
    }
  }
}

async function waitForPhase(
  deps: RebuildDeps,
  targets: ReadonlyArray<CompiledModel & { generation: number }>,
  done: (state: { phase: string | null }) => boolean,
  what: string,
): Promise<void> {
  let waitedMs = 0;
  for (;;) {
    const states = await deps.store.generations.read(targets);
    if (targets.every((model) => done({ phase: states.get(model.name)?.phase ?? null }))) return;
    if (waitedMs % 10_000 === 0) deps.onWaiting(what);
    await sleep(POLL_MS);
    waitedMs += POLL_MS;
  }
}
