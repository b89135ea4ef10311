import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { SourcePosition } from '../decode/index.js';
import { ErrorCode, ReadoutError, describeError } from '../errors/index.js';
import type { Contribution, FoldResult, StoredRow } from '../projection/index.js';
import { deadLetterKey, modelKeys } from './keys.js';
import { snapshotFromHashes, type ModelSnapshot } from './model-snapshot.js';

const applyScript = readFileSync(new URL('./apply-batch.lua', import.meta.url), 'utf8');
const applyScriptSha = createHash('sha1').update(applyScript).digest('hex');

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly code: string;
  readonly reason: string;
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

export interface ReadModelStore {
  readRows(model: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>>;
  applyBatch(model: string, write: BatchWrite): Promise<ApplyOutcome>;
  readSnapshot(model: string): Promise<ModelSnapshot>;
  recordDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  countDeadLetters(): Promise<number>;
  /** A second connection in subscriber mode, for the live stage. */
  duplicateConnection(): Redis;
  quit(): Promise<void>;
}

interface StoredContribution {
  readonly g: string;
  readonly m: Record<string, string>;
}

function encodeContribution(contribution: Contribution): string {
  const measures: Record<string, string> = {};
  for (const [measure, value] of Object.entries(contribution.measures)) measures[measure] = value.toString();
  return JSON.stringify({ g: contribution.group, m: measures } satisfies StoredContribution);
}

function decodeContribution(text: string): Contribution {
  const stored = JSON.parse(text) as StoredContribution;
  const measures: Record<string, bigint> = {};
  for (const [measure, value] of Object.entries(stored.m)) measures[measure] = BigInt(value);
  return { group: stored.g, measures };
}

function sourceFields(source: SourcePosition | null): Record<string, string> {
  return {
    lsn: source?.lsn.toString() ?? '',
    txId: source?.txId?.toString() ?? '',
    commitTimeMs: source?.commitTimeMs.toString() ?? '',
  };
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
  const redis = new Redis(options.url, { maxRetriesPerRequest: 3, lazyConnect: false });
  const { keyPrefix } = options;

  async function runApplyScript(keys: string[], args: string[]): Promise<unknown> {
    try {
      return await redis.evalsha(applyScriptSha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!describeError(error).includes('NOSCRIPT')) throw error;
      return await redis.eval(applyScript, keys.length, ...keys, ...args);
    }
  }

  return {
    async readRows(model, rowKeys) {
      const rows = new Map<string, StoredRow>();
      if (rowKeys.length === 0) return rows;
      const keys = modelKeys(keyPrefix, model);
      try {
        const [lsnReply, contributionReply] = (await redis
          .multi()
          .hmget(keys.rowLsn, ...rowKeys)
          .hmget(keys.rowContribution, ...rowKeys)
          .exec()) as [[Error | null, Array<string | null>], [Error | null, Array<string | null>]];
        const failed = lsnReply[0] ?? contributionReply[0];
        if (failed) throw failed;
        rowKeys.forEach((rowKey, index) => {
          const lsn = lsnReply[1][index];
          if (lsn === null || lsn === undefined) return;
          const contribution = contributionReply[1][index];
          rows.set(rowKey, {
            lsn: BigInt(lsn),
            contribution: contribution ? decodeContribution(contribution) : null,
          });
        });
        return rows;
      } catch (error) {
        throw unavailable('read of row positions', error);
      }
    },

    async applyBatch(model, { fold, offset }) {
      const keys = modelKeys(keyPrefix, model);
      const request = {
        model,
        rows: [...fold.rows].map(([rowKey, write]) => ({
          k: rowKey,
          ...(write.expectedLsn === null ? {} : { e: write.expectedLsn.toString() }),
          l: write.next.lsn.toString(),
          ...(write.next.contribution === null ? {} : { c: encodeContribution(write.next.contribution) }),
        })),
        deltas: [...fold.deltas].map(([field, delta]) => [field, delta.toString()]),
        source: sourceFields(fold.lastSource),
        offset: { partition: `${offset.topic}/${offset.partition}`, next: offset.next },
      };
      let reply: unknown;
      try {
        reply = await runApplyScript(
          [keys.aggregate, keys.rowLsn, keys.rowContribution, keys.meta, keys.offsets],
          [keys.channel, JSON.stringify(request)],
        );
      } catch (error) {
        throw unavailable('apply script', error);
      }
      const [status, detail] = reply as [string, string];
      return status === 'applied'
        ? { kind: 'applied', version: BigInt(detail) }
        : { kind: 'conflict', rowKey: detail };
    },

    async readSnapshot(model) {
      const keys = modelKeys(keyPrefix, model);
      try {
        // One MULTI: the aggregate and its version are read at the same instant.
        const replies = (await redis.multi().hgetall(keys.aggregate).hgetall(keys.meta).exec()) as [
          [Error | null, Record<string, string>],
          [Error | null, Record<string, string>],
        ];
        const [aggregate, meta] = replies;
        const failed = aggregate[0] ?? meta[0];
        if (failed) throw failed;
        return snapshotFromHashes(model, aggregate[1], meta[1]);
      } catch (error) {
        throw unavailable('snapshot read', error);
      }
    },

    async recordDeadLetters(letters) {
      if (letters.length === 0) return;
      const fields: string[] = [];
      for (const letter of letters) {
        // Keyed by position: a replayed poison record overwrites its own entry, never duplicates it.
        fields.push(`${letter.topic}/${letter.partition}/${letter.offset}`, JSON.stringify(letter));
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

    duplicateConnection() {
      return redis.duplicate();
    },

    async quit() {
      await redis.quit();
    },
  };
}
