import type { ChangeSource, Rewind, SourceBatch } from '../ingest/index.ts';
import { describeError } from '../errors/index.ts';
import { definitionChanges, describeChanges, type ReloadOutcome } from '../live/index.ts';
import type { Logger } from '../log/logger.ts';
import type { CompiledModel } from '../projection/index.ts';
import {
  checkReadiness,
  guardReader,
  type Readiness,
  modelReader,
  type GuardStore,
  type ReadModelStore,
} from '../store/index.ts';
import { createBackfills } from './backfills.ts';
import type { Generations } from './generations.ts';
import type { Projector } from './projector.ts';
import { createProjectorMetrics, type ProjectorMetrics } from './projector-metrics.ts';
import { createStreamPositions } from './stream-positions.ts';

/**
 * The projector's life, one state at a time:
 *
 *   starting ──▶ waiting-for-topics ──▶ consuming ◀──▶ recovering
 *       │               │                   │              │
 *       └───────────────┴─────────▶ stopping ◀─────────────┘ ──▶ stopped
 *
 * - `starting`: reading the models' generations from Redis (waits while Redis is down);
 * - `waiting-for-topics`: the consumer waits for Debezium to create a source topic;
 * - `consuming`: batches flow;
 * - `recovering`: a partition is being read again after Redis lost data, until it is back where it
 *   was when the loss was seen;
 * - `stopping`, `stopped`: consumption paused, the batch in flight drained, the group left.
 */
export type ProjectorStatus =
  'starting' | 'waiting-for-topics' | 'consuming' | 'recovering' | 'stopping' | 'stopped';

const TRANSITIONS: Readonly<Record<ProjectorStatus, readonly ProjectorStatus[]>> = {
  starting: ['waiting-for-topics', 'stopping'],
  'waiting-for-topics': ['consuming', 'stopping'],
  consuming: ['recovering', 'stopping'],
  recovering: ['consuming', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/** Whether the projector may go from one status to another (the diagram above). */
export const canMove = (from: ProjectorStatus, to: ProjectorStatus): boolean =>
  TRANSITIONS[from].includes(to);

/** Ready only while batches flow (`consuming`, `recovering`) and every model is served. */
export interface ProjectorReadiness extends Readiness {
  readonly status: ProjectorStatus;
}

export interface ProjectorServiceDeps {
  readonly source: ChangeSource;
  readonly store: ReadModelStore;
  readonly guard: GuardStore | null;
  readonly generations: Generations;
  readonly keyPrefix: string;
  readonly logger: Logger;
  /** The definitions in force at start, and the projector over them. */
  readonly models: readonly CompiledModel[];
  readonly projectorFor: (models: readonly CompiledModel[]) => Projector;
  /** The Kafka topic of a model's table. */
  readonly topicOf: (model: CompiledModel) => string;
  /** Every topic the models need (with the transaction topic when guarding). */
  readonly topicsOf: (models: readonly CompiledModel[]) => string[];
  /** Debezium's transaction topic when the guard is on (its reader is the guard), else null. */
  readonly transactionTopic: string | null;
  /** Reads and checks the definitions again (a reload); throws naming the file when they are wrong. */
  readonly loadDefinitions: () => Promise<CompiledModel[]>;
  /** How often the service looks for losses, rebuilds and backfills while no batch comes (default 1 s). */
  readonly checkEveryMs?: number;
}

export interface ProjectorService {
  /** Starts consuming; resolves once batches flow (or `stop` was called meanwhile). */
  start(): Promise<void>;
  /** Stops the periodic check and pauses consumption; resolves once the batch in flight is applied and committed. */
  drain(): Promise<void>;
  /** Leaves the consumer group (after `drain`, which it runs first if it has not run). */
  stop(): Promise<void>;
  status(): ProjectorStatus;
  /** Ready when batches flow and every model is served (read from Redis now). */
  readiness(): Promise<ProjectorReadiness>;
  /** Reads the definitions again and puts them in force between two batches. */
  reload(): Promise<ReloadOutcome>;
  /** The models of the definitions in force. */
  models(): readonly CompiledModel[];
  readonly metrics: ProjectorMetrics;
}

/** The definitions a projector runs now; a reload replaces them between two batches. */
interface InForce {
  models: readonly CompiledModel[];
  modelsByName: Map<string, CompiledModel>;
  projector: Projector;
  topics: string[];
}

/**
 * The projector as a service: it owns the batch loop (generations, positions, backfills, the
 * projector's batch, and the per-second checks, one at a time), its status, its readiness and its
 * reloads. The command that runs it only wires (cli/run-projector.ts).
 */
export function createProjectorService(deps: ProjectorServiceDeps): ProjectorService {
  const { source, store, guard, generations, keyPrefix, logger, topicOf } = deps;
  const checkEveryMs = deps.checkEveryMs ?? 1000;
  const inForce: InForce = {
    models: deps.models,
    modelsByName: new Map(deps.models.map((model) => [model.name, model])),
    projector: deps.projectorFor(deps.models),
    topics: deps.topicsOf(deps.models),
  };
  let status: ProjectorStatus = 'starting';
  const move = (to: ProjectorStatus) => {
    if (status === to) return;
    if (!canMove(status, to)) throw new Error(`the projector cannot go from ${status} to ${to}`);
    logger.debug({ from: status, to }, 'projector status');
    status = to;
  };
  // Partitions being read again after a loss, and the offset each must reach: `recovering` until
  // every one has.
  const replaying = new Map<string, bigint>();
  const noteReplay = (topic: string, partition: number, until: bigint) => {
    replaying.set(`${topic}/${partition}`, until);
    if (status === 'consuming') move('recovering');
  };
  const noteProgress = (batch: SourceBatch) => {
    const key = `${batch.topic}/${batch.partition}`;
    const until = replaying.get(key);
    const next = BigInt(batch.records.at(-1)?.offset ?? '-1') + 1n;
    if (until !== undefined && next >= until) replaying.delete(key);
    if (replaying.size === 0 && status === 'recovering') move('consuming');
  };

  /** A partition taken away (a rebalance) is replayed by its new owner, not awaited here. */
  async function forgetRevokedReplays(): Promise<void> {
    if (replaying.size === 0) return;
    const assigned = new Set((await source.assigned()).map((range) => `${range.topic}/${range.partition}`));
    for (const key of replaying.keys()) if (!assigned.has(key)) replaying.delete(key);
    if (replaying.size === 0 && status === 'recovering') move('consuming');
  }

  const metrics = createProjectorMetrics(async () => {
    const models = inForce.models;
    const states = await store.generations.read(models);
    const [readiness, missed] = await Promise.all([
      store.positions.readiness(
        models.map((model) => modelReader(keyPrefix, model, states.get(model.name)?.current ?? 0)),
      ),
      store.countMissed(models),
    ]);
    return models.map((model, i) => ({
      model: model.name,
      missedRecords: missed.get(model.name) ?? 0,
      stopped: Boolean(readiness[i]?.stopped),
    }));
  });

  const guardReaders = guard ? [guardReader(keyPrefix)] : [];
  // Each written generation keeps its own place in the stream (see generations.ts).
  const modelReadersOf = (topic: string) =>
    generations
      .targets()
      .filter((target) => topicOf(target.model) === topic)
      .map((target) => target.reader);
  const positions = createStreamPositions({
    positions: store.positions,
    readersOf: (topic) => (guard && topic === deps.transactionTopic ? guardReaders : modelReadersOf(topic)),
    readers: () => [...generations.targets().map((target) => target.reader), ...guardReaders],
    topics: () => inForce.topics,
    source,
    forgetCached: () => store.forgetCached(),
    onReplay: (topic, partition) => metrics.observeReplay(topic, partition),
    onRecovery: (topic, partition, until) => noteReplay(topic, partition, until),
    groupHasCommitted: () => source.groupHasCommitted(),
    logger,
  });
  const backfills = createBackfills({
    positions: store.positions,
    readers: () => generations.targets().map((target) => target.reader),
    readersOf: modelReadersOf,
    source,
    logger,
  });

  // Batches, the periodic check and reloads run one at a time.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work);
    tail = run.catch(() => undefined);
    return run;
  };

  /** One batch: generations first (a rebuild may have moved), then positions, the batch, positions again. */
  async function handle(batch: SourceBatch): Promise<void | Rewind> {
    const started = process.hrtime.bigint();
    return await exclusive(async () => {
      await generations.refresh();
      await generations.followRebuilds(source);
      await backfills.prepare();
      const rewind = await positions.check(batch);
      if (rewind) return rewind;
      const stats = await inForce.projector.handleBatch(batch);
      const lost = await positions.advance(batch, stats.recordedBy);
      if (lost) return lost;
      noteProgress(batch);
      await generations.switchReady();
      metrics.observeBatch(batch, stats, Number(process.hrtime.bigint() - started) / 1e9);
      return undefined;
    });
  }

  // Said once per outage, not every second (batches report their own failures).
  let checkFailing = false;
  function periodicCheck(): void {
    // A rebuild handed over or ready while no batch comes (the lock keeps a switch from landing
    // in the middle of a batch).
    exclusive(async () => {
      await generations.refresh();
      await generations.followRebuilds(source);
      await backfills.tick();
      await generations.switchReady();
      await positions.checkRecorded();
      await forgetRevokedReplays();
    }).catch((error: unknown) =>
      logger.debug({ err: error }, 'generation check failed; retried in a second'),
    );
    positions.checkForLoss().then(
      () => {
        if (checkFailing) logger.info('Redis answers the loss check again');
        checkFailing = false;
      },
      (error: unknown) => {
        if (!checkFailing) logger.warn({ err: error }, 'Redis loss check failed; retrying every second');
        checkFailing = true;
      },
    );
  }

  /** Reads the generations once before consuming, waiting (and saying so once) while Redis is down. */
  async function refreshUntilRedisAnswers(stopped: () => boolean): Promise<void> {
    for (let told = false; !stopped(); told = true) {
      try {
        await generations.refresh();
        return;
      } catch (error) {
        if (!told)
          logger.warn({ err: error }, 'cannot read the read models from Redis yet; retrying every second');
        await new Promise((resolve) => setTimeout(resolve, checkEveryMs));
      }
    }
  }

  /**
   * An upgrade from the layout before one pass per table: the old keys go, and the models, which
   * Redis then holds nothing of, are read again from Kafka (backfilled, with progress) under the
   * new one. Said once; a failure here is only logged (the next start tries again).
   */
  async function dropLegacyLayout(): Promise<void> {
    try {
      const dropped = await store.dropLegacyLayout(inForce.models);
      if (dropped > 0)
        logger.warn(
          { dropped },
          'deleted the keys of the former Redis layout (one tag per model): the read models are read again from Kafka under the table layout, and are backfilling until done',
        );
    } catch (error) {
      logger.warn(
        { err: error },
        'could not look for keys of the former Redis layout; trying at the next start',
      );
    }
  }

  let checks: NodeJS.Timeout | undefined;
  let stopRequested: () => void = () => undefined;
  const stopping = new Promise<void>((resolve) => (stopRequested = resolve));
  const isStopping = () => status === 'stopping' || status === 'stopped';

  async function reload(): Promise<ReloadOutcome> {
    let next: CompiledModel[];
    let projector: Projector;
    try {
      next = await deps.loadDefinitions();
      projector = deps.projectorFor(next);
    } catch (error) {
      logger.error(
        {},
        `read-model definitions not reloaded, the ones in force stay: ${describeError(error)}`,
      );
      return { ok: false, error: describeError(error) };
    }
    const changes = definitionChanges(inForce.models, next);
    const topics = deps.topicsOf(next);
    // The consumer first: its restart (a topic added or removed) loses seeks, which the models
    // taken on below make right after it.
    await source.setTopics(topics).catch((error: unknown) => {
      // The source tries again by itself (it restarts while wanted topics are not consumed).
      logger.warn({ err: error, topics }, 'the consumer could not restart with the new topics yet');
    });
    await exclusive(async () => {
      Object.assign(inForce, {
        models: next,
        modelsByName: new Map(next.map((model) => [model.name, model])),
        projector,
        topics,
      });
      generations.setModels(next);
      // The new definitions are in force from here: a failure below (Redis away for a moment) is
      // made good before the next batch (which refreshes and prepares again), not a refusal.
      try {
        await generations.refresh();
        await backfills.prepare();
      } catch (error) {
        logger.warn(
          { err: error },
          'definitions in force; taking new models on is retried before the next batch',
        );
      }
    });
    logger.info({ ...changes, topics }, `read-model definitions reloaded: ${describeChanges(changes)}`);
    return { ok: true, ...changes };
  }

  return {
    metrics,
    status: () => status,
    models: () => inForce.models,
    reload,

    async start() {
      await refreshUntilRedisAnswers(isStopping);
      if (isStopping()) return;
      await dropLegacyLayout();
      move('waiting-for-topics');
      // Also while waiting for Debezium's topics: a fresh Redis is marked ready (and empty) then.
      checks = setInterval(periodicCheck, checkEveryMs);
      // Starting waits for Debezium to create a topic; a stop meanwhile still ends it cleanly.
      await Promise.race([source.start(handle), stopping]);
      if (isStopping()) return;
      move('consuming');
      if (replaying.size > 0) move('recovering');
      logger.info(
        { topics: inForce.topics, models: inForce.models.map((model) => model.name) },
        'projector consuming',
      );
    },

    async drain() {
      if (isStopping()) return;
      move('stopping');
      stopRequested();
      clearInterval(checks);
      await source.pause();
    },

    async stop() {
      if (status === 'stopped') return;
      if (status !== 'stopping') await this.drain();
      try {
        await source.stop();
      } finally {
        move('stopped');
      }
    },

    async readiness() {
      const models = await checkReadiness(store, inForce.modelsByName, keyPrefix);
      const flowing = status === 'consuming' || status === 'recovering';
      return { ...models, ready: flowing && models.ready, status };
    },
  };
}
