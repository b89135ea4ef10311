import type { WaitingChange } from '../cleanup/index.ts';
import { guardKeys, guardTag, heldChannel, transactionField } from './keys.ts';
import { connectRedis, scanKeys, type RedisConnectionOptions } from './connection.ts';
import { redisUnavailable } from './lua-script.ts';
import { unknownReply } from './scripts/script-reply.ts';
import { runGuard, type Admission, type GuardReply, type GuardRequest } from './scripts/guard-script.ts';

/** How long END records are kept: deletes of a transaction arrive long before this runs out. */
const END_RECORDS_KEPT_MS = 7 * 24 * 3_600_000;

/** What happens to a transaction's untagged deletes now. */
export type { Admission } from './scripts/guard-script.ts';

export interface HeldChange {
  /** "<table>/tx/<txId>" or "<table>/truncate/<lsn>". */
  readonly id: string;
  readonly kind: 'deletes' | 'truncate';
  readonly table: string;
  readonly txId: string | null;
  readonly heldAtMs: number;
  /** Rows waiting (deletes), or 0 for a TRUNCATE. */
  readonly rows: number;
}

export interface GuardStore {
  /** Records a transaction's untagged deletes of one table seen in a batch, and says what to do. */
  admitDeletes(
    table: string,
    txId: bigint,
    threshold: number,
    deletes: readonly WaitingChange[],
  ): Promise<Admission>;
  /** Records a transaction's END; returns its pending deletes that are now known to be small. */
  recordEnd(
    txId: bigint,
    changedRows: Readonly<Record<string, number>>,
    thresholds: Readonly<Record<string, number>>,
  ): Promise<Array<{ table: string; deletes: WaitingChange[] }>>;
  /** Forgets pending deletes once they are applied. */
  clearPending(table: string, txId: bigint, deletes: readonly WaitingChange[]): Promise<void>;
  holdTruncate(table: string, truncate: WaitingChange): Promise<string>;
  listHeld(): Promise<HeldChange[]>;
  heldChanges(id: string): Promise<WaitingChange[]>;
  /**
   * Records the operator's decision: from now on, later deletes of the transaction follow it
   * instead of joining the hold, so the held set stops growing. Then apply heldChanges(id) and drop(id).
   */
  decide(id: string, decision: 'archive' | 'retract'): Promise<void>;
  /** Forgets a held change once its decision is applied. */
  drop(id: string): Promise<void>;
  /** The operator's decision on a held change (kept after it is applied), or null if none was made. */
  decisionOf(change: Pick<HeldChange, 'id' | 'table' | 'txId'>): Promise<'archive' | 'retract' | null>;
  /** Every decision made, by transaction ("table|txId") or held TRUNCATE id. */
  decisions(): Promise<Record<string, string>>;
  /** Records decisions (a rebuild's own guard starts with the operators' decisions so far). */
  recordDecisions(decisions: Readonly<Record<string, string>>): Promise<void>;
  /** Deletes every key of this guard (a rebuild's own guard, once it is done). */
  purge(): Promise<void>;
  /** Transactions whose deletes wait for their END. */
  countPending(): Promise<number>;
  quit(): Promise<void>;
}

function entryId(change: WaitingChange): string {
  return `${change.partition}/${change.offset}`;
}

function encodeEntry(change: WaitingChange): string {
  return JSON.stringify([
    change.topic,
    change.partition,
    change.offset,
    change.rowKey,
    change.lsn.toString(),
    change.txId?.toString() ?? null,
    change.commitTimeMs.toString(),
  ]);
}

function decodeEntry(text: string): WaitingChange {
  const [topic, partition, offset, rowKey, lsn, txId, commitTimeMs] = JSON.parse(text) as [
    string,
    number,
    string,
    string,
    string,
    string | null,
    string,
  ];
  return {
    topic,
    partition,
    offset,
    rowKey,
    lsn: BigInt(lsn),
    txId: txId === null ? null : BigInt(txId),
    commitTimeMs: BigInt(commitTimeMs),
  };
}

/** The guard's state in Redis: pending and held deletes, END records, operators' decisions. */
export function createGuardStore(options: RedisConnectionOptions & { keyPrefix: string }): GuardStore {
  const redis = connectRedis(options);
  const tag = guardTag(options.keyPrefix);
  const keys = guardKeys(options.keyPrefix);
  const { held, decided } = keys;
  const changed = heldChannel(options.keyPrefix);
  const guard = async (request: GuardRequest): Promise<GuardReply> => {
    try {
      return await runGuard(redis, keys, changed, request);
    } catch (error) {
      throw redisUnavailable(`guard ${request.op}`, error);
    }
  };

  return {
    async admitDeletes(table, txId, threshold, deletes) {
      const reply = await guard({
        op: 'admit',
        table,
        txId: txId.toString(),
        threshold,
        nowMs: Date.now(),
        entries: deletes.map((change) => ({ id: entryId(change), entry: encodeEntry(change) })),
      });
      if (reply.kind !== 'admission') throw unknownReply('guard.lua admit', reply);
      return reply.admission;
    },

    async recordEnd(txId, changedRows, thresholds) {
      const reply = await guard({
        op: 'end',
        txId: txId.toString(),
        counts: changedRows,
        thresholds,
        nowMs: Date.now(),
        keepMs: END_RECORDS_KEPT_MS,
      });
      if (reply.kind !== 'released') throw unknownReply('guard.lua end', reply);
      return reply.tables.map(({ table, entries }) => ({ table, deletes: entries.map(decodeEntry) }));
    },

    async clearPending(table, txId, deletes) {
      if (deletes.length === 0) return;
      const key = keys.pending(table, txId.toString());
      try {
        await redis.hdel(key, ...deletes.map(entryId));
        if ((await redis.hlen(key)) === 0)
          await redis.srem(keys.pendingIndex, transactionField(table, txId.toString()));
      } catch (error) {
        throw redisUnavailable('pending delete cleanup', error);
      }
    },

    async holdTruncate(table, truncate) {
      const id = `${table}/truncate/${truncate.lsn}`;
      await guard({
        op: 'truncate',
        table,
        id,
        nowMs: Date.now(),
        entry: { id: entryId(truncate), entry: encodeEntry(truncate) },
      });
      return id;
    },

    async listHeld() {
      let all: Record<string, string>;
      try {
        all = await redis.hgetall(held);
      } catch (error) {
        throw redisUnavailable('read of held changes', error);
      }
      const changes = await Promise.all(
        Object.values(all).map(async (text) => {
          const meta = JSON.parse(text) as Omit<HeldChange, 'rows' | 'txId'> & { txId?: string };
          const rows = meta.kind === 'deletes' ? await redis.hlen(keys.heldRows(meta.id)) : 0;
          return { ...meta, txId: meta.txId ?? null, heldAtMs: Number(meta.heldAtMs), rows };
        }),
      );
      return changes.sort((a, b) => a.heldAtMs - b.heldAtMs || a.id.localeCompare(b.id));
    },

    async heldChanges(id) {
      const values = await redis.hvals(keys.heldRows(id));
      return values.map(decodeEntry).sort((a, b) => (a.lsn < b.lsn ? -1 : a.lsn > b.lsn ? 1 : 0));
    },

    async decide(id, decision) {
      const text = await redis.hget(held, id);
      if (text === null) return;
      const meta = JSON.parse(text) as { table: string; txId?: string };
      // A TRUNCATE's decision is kept under its id: a rebuild replaying it must find it.
      if (meta.txId === undefined) {
        await redis.multi().hset(decided, id, decision).spublish(changed, id).exec();
        return;
      }
      await redis
        .multi()
        .hset(decided, transactionField(meta.table, meta.txId), decision)
        .hdel(keys.heldTx, transactionField(meta.table, meta.txId))
        .spublish(changed, id)
        .exec();
    },

    async decisionOf(change) {
      const field = change.txId === null ? change.id : transactionField(change.table, change.txId);
      const decision = await redis.hget(decided, field);
      return decision === 'archive' || decision === 'retract' ? decision : null;
    },

    async decisions() {
      return await redis.hgetall(decided);
    },

    async recordDecisions(decisions) {
      const fields = Object.entries(decisions).flat();
      if (fields.length > 0) await redis.hset(decided, ...fields);
    },

    async purge() {
      for await (const keys of scanKeys(redis, `${tag}:*`)) await redis.unlink(...keys);
    },

    async drop(id) {
      await redis.multi().del(keys.heldRows(id)).hdel(held, id).spublish(changed, id).exec();
    },

    async countPending() {
      return await redis.scard(keys.pendingIndex);
    },

    async quit() {
      await redis.quit();
    },
  };
}
