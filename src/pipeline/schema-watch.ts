import { ErrorCode } from '../errors/index.ts';
import type { RowEvent } from '../decode/index.ts';
import type { Logger } from '../log/logger.ts';
import type { CompiledModel } from '../projection/index.ts';
import { readerName, type ReadModelStore } from '../store/index.ts';
import type { KnownTypes, SchemaChange } from './record-verdicts.ts';

export interface SchemaWatch {
  /** Learns (from Redis, or from these events when Redis has none yet) each model's column types. */
  learn(events: readonly RowEvent[]): Promise<void>;
  /** The column types each model generation started from (for judgeEvents). */
  readonly known: KnownTypes;
  /** Stops a model whose source no longer has what it reads; said once, where operators look. */
  stop(model: CompiledModel, change: SchemaChange): Promise<void>;
}

/**
 * What the projector knows of its sources' schemas: per model generation, the Connect types of the
 * columns it reads when it first read them (kept in Redis with the generation, so a restart or
 * another projector compares with the same), and the stop of a model whose source changed.
 */
export function createSchemaWatch({
  store,
  logger,
  targets,
}: {
  store: ReadModelStore;
  logger: Logger;
  targets: () => readonly CompiledModel[];
}): SchemaWatch {
  // Per model generation (reader name): its columns' Connect types when it first read them.
  const knownTypes = new Map<string, ReadonlyMap<string, string>>();

  async function learn(events: readonly RowEvent[]): Promise<void> {
    for (const model of targets()) {
      const name = readerName(model.name, model.generation);
      if (knownTypes.has(name)) continue;
      const first = events.find((event) => event.table === model.table && event.columnTypes !== null);
      if (!first?.columnTypes) continue;
      const stored = await store.columnTypes(model);
      if (stored) {
        knownTypes.set(name, stored);
        continue;
      }
      const types = first.columnTypes;
      const mine = new Map(
        model.columns.flatMap((column) => {
          const type = types.get(column);
          return type === undefined ? [] : [[column, type] as const];
        }),
      );
      knownTypes.set(name, await store.recordColumnTypes(model, mine));
    }
  }

  async function stop(model: CompiledModel, change: SchemaChange): Promise<void> {
    const { record } = change.event;
    const inForce = await store.stopModel(model, {
      code: ErrorCode.SourceSchemaChanged,
      reason: `${change.reason}: edit the model's definition to fit the table, then readout rebuild ${model.name}`,
      at: `${record.topic}/${record.partition}/${record.offset}`,
    });
    if (inForce.at === `${record.topic}/${record.partition}/${record.offset}`)
      logger.error(
        { model: model.name, code: inForce.code, at: inForce.at },
        `read model stopped: ${inForce.reason}`,
      );
  }

  return {
    learn,
    known: (model) => knownTypes.get(readerName(model.name, model.generation)),
    stop,
  };
}
