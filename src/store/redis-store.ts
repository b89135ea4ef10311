import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { ErrorCode, ReadoutError, describeError } from '../errors/index.js';
import {
  decodePosition,
  type CompiledModel,
  type FoldResult,
  type MemoryRow,
  type ModelState,
  type RowPosition,
  type StoredRow,
} from '../projection/index.js';
import { buildApplyRequest } from './batch-request.js';
import { deadLetterKey, modelKeys } from './keys.js';
import type { ModelSnapshot } from './model-snapshot.js';
import { snapshotFromRead } from './read-snapshot.js';

interface Script {
  readonly source: string;
  readonly sha: string;
}

function loadScript(file: string): Script {
  const source = readFileSync(new URL(file, import.meta.url), 'utf8');
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const applyScript = loadScript('./apply-batch.lua');
const readScript = loadScript('./read-model.lua');

/** The id of a dead letter: its position, "topic/partition/offset". */
export function deadLetterId(letter: { topic: string; partition: number; offset: string }): string {
  return `${letter.topic}/${letter.partition}/${letter.offset}`;
}

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly code: string;
  readonly reason: string;
  /** The record's raw bytes, as UTF-8 text (JSON from the JsonConverter), or null. */
  readonly key: string | null;
  readonly value: string | null;
}

export interface BatchWrite {
  readonly fold: FoldResult;
  /** The applied batch's Kafka partition and the next offset to read. */
  readonly offset: { readonly topic: string; readonly partition: number; readonly next: string };
}

export type ApplyOutcome =
  | { readonly kind: 'applied'; readonly version: bigint }
  | { readonly kind: 'conflict'; readonly rowKey: string };

/** A time range of buckets to read, epoch ms, inclusive. */
export interface BucketRange {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface ReadModelStore {
  readModelState(model: CompiledModel, rowKeys: readonly string[]): Promise<ModelState>;
  applyBatch(model: CompiledModel, write: BatchWrite): Promise<ApplyOutcome>;
  /** Every stored row's position, a page at a time (HSCAN: rows written meanwhile may appear or not). */
  scanRowPositions(
    model: CompiledModel,
    pageSize?: number,
  ): AsyncIterable<Array<readonly [string, RowPosition]>>;
  /** Counts changes skipped as duplicates in a batch that applied nothing. */
  countDuplicates(model: CompiledModel, duplicates: number): Promise<void>;
  /** Changes applied and skipped as duplicates, per model, since the model was built. */
  readCounters(model: CompiledModel): Promise<{ applied: bigint; duplicates: bigint }>;
  readSnapshot(model: CompiledModel, range?: BucketRange): Promise<ModelSnapshot>;
  recordDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  countDeadLetters(): Promise<number>;
  /** Every dead letter, oldest position first within a partition. */
  listDeadLetters(): Promise<DeadLetter[]>;
  /** Removes dead letters by id ("topic/partition/offset"); returns how many were there. */
  removeDeadLetters(ids: readonly string[]): Promise<number>;
  /** A second connection in subscriber mode, for the live stage. */
  duplicateConnection(): Redis;
  quit(): Promise<void>;
}

function unavailable(operation: string, error: unknown): ReadoutError {
  return new ReadoutError(
    ErrorCode.DependencyUnavailable,
    `Redis ${operation} failed: ${describeError(error)}`,
    {
      retriable: true,
      cause: error,
    },
  );
}

/** The read-model store on Redis (ioredis stays inside this folder and src/live). */
export function createRedisStore(options: { url: string; keyPrefix: string }): ReadModelStore {
  const redis = new Redis(options.url, { maxRetriesPerRequest: 3 });
  const { keyPrefix } = options;

  async function run(script: Script, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!describeError(error).includes('NOSCRIPT')) throw error;
      return await redis.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  return {
    async readModelState(model, rowKeys) {
      const keys = modelKeys(keyPrefix, model.name);
      try {
        const pipeline = redis.multi().hget(keys.meta, 'maxCommitTimeMs');
        if (rowKeys.length > 0) pipeline.hmget(keys.rowLsn, ...rowKeys).hmget(keys.rowMemory, ...rowKeys);
        const replies = (await pipeline.exec()) ?? [];
        const failed = replies.find(([error]) => error)?.[0];
        if (failed) throw failed;
        const maxCommit = replies[0]?.[1] as string | null;
        const lsns = (replies[1]?.[1] ?? []) as Array<string | null>;
        const memories = (replies[2]?.[1] ?? []) as Array<string | null>;
        const rows = new Map<string, StoredRow>();
        rowKeys.forEach((rowKey, index) => {
          const lsn = lsns[index];
          if (lsn === null || lsn === undefined) return;
          const memory = memories[index];
          rows.set(rowKey, {
            position: decodePosition(lsn),
            memory: memory ? (JSON.parse(memory) as MemoryRow) : null,
          });
        });
        return { rows, maxCommitTimeMs: maxCommit ? BigInt(maxCommit) : null };
      } catch (error) {
        throw unavailable('read of row memory', error);
      }
    },

    async applyBatch(model, { fold, offset }) {
      const keys = modelKeys(keyPrefix, model.name);
      const { keys: scriptKeys, request } = buildApplyRequest(model, keys, fold, offset);
      let reply: unknown;
      try {
        reply = await run(applyScript, scriptKeys, [keys.channel, keys.tag, JSON.stringify(request)]);
      } catch (error) {
        throw unavailable('apply script', error);
      }
      const [status, detail] = reply as [string, string];
      return status === 'applied'
        ? { kind: 'applied', version: BigInt(detail) }
        : { kind: 'conflict', rowKey: detail };
    },

    async *scanRowPositions(model, pageSize = 1000) {
      const key = modelKeys(keyPrefix, model.name).rowLsn;
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(key, cursor, 'COUNT', pageSize);
        cursor = next;
        const page: Array<readonly [string, RowPosition]> = [];
        for (let i = 0; i + 1 < flat.length; i += 2)
          page.push([flat[i] ?? '', decodePosition(flat[i + 1] ?? '')]);
        if (page.length > 0) yield page;
      } while (cursor !== '0');
    },

    async countDuplicates(model, duplicates) {
      if (duplicates === 0) return;
      try {
        await redis.hincrby(modelKeys(keyPrefix, model.name).meta, 'duplicates', duplicates);
      } catch (error) {
        throw unavailable('duplicate count', error);
      }
    },

    async readCounters(model) {
      const [applied, duplicates] = await redis.hmget(
        modelKeys(keyPrefix, model.name).meta,
        'applied',
        'duplicates',
      );
      return { applied: BigInt(applied ?? '0'), duplicates: BigInt(duplicates ?? '0') };
    },

    async readSnapshot(model, range) {
      const keys = modelKeys(keyPrefix, model.name);
      const measures = model.definition.measures;
      const request = {
        bucketed: model.retentionMs !== null,
        from: range ? String(range.fromMs) : '-inf',
        to: range ? String(range.toMs) : '+inf',
        extremes: measures.flatMap((m) => (m.type === 'min' || m.type === 'max' ? [[m.name, m.type]] : [])),
        distincts: measures.flatMap((m) => (m.type === 'distinct' ? [m.name] : [])),
        ranking: model.top?.measure ?? '',
        limit: model.top?.limit ?? 0,
      };
      try {
        const json = (await run(
          readScript,
          [keys.meta, keys.buckets],
          [keys.tag, JSON.stringify(request)],
        )) as string;
        return snapshotFromRead(model.name, json);
      } catch (error) {
        throw unavailable('snapshot read', error);
      }
    },

    async recordDeadLetters(letters) {
      if (letters.length === 0) return;
      const fields: string[] = [];
      for (const letter of letters) {
        // Keyed by position: a replayed poison record overwrites its own entry, never duplicates it.
        fields.push(deadLetterId(letter), JSON.stringify(letter));
      }
      try {
        await redis.hset(deadLetterKey(keyPrefix), ...fields);
      } catch (error) {
        throw unavailable('dead-letter write', error);
      }
    },

    async countDeadLetters() {
      return await redis.hlen(deadLetterKey(keyPrefix));
    },

    async listDeadLetters() {
      const all = await redis.hgetall(deadLetterKey(keyPrefix));
      return Object.values(all)
        .map((text) => JSON.parse(text) as DeadLetter)
        .sort((a, b) =>
          a.topic !== b.topic
            ? a.topic.localeCompare(b.topic)
            : a.partition !== b.partition
              ? a.partition - b.partition
              : Number(BigInt(a.offset) - BigInt(b.offset)),
        );
    },

    async removeDeadLetters(ids) {
      return ids.length === 0 ? 0 : await redis.hdel(deadLetterKey(keyPrefix), ...ids);
    },

    duplicateConnection() {
      return redis.duplicate();
    },

    async quit() {
      await redis.quit();
    },
  };
}
