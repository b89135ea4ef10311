import type { WaitingChange } from '../cleanup/index.ts';
import { guardTag, heldChannel } from './keys.ts';
import { connectRedis, scanKeys, type RedisConnectionOptions } from './connection.ts';
import { loadLuaScript, redisUnavailable, runLuaScript } from './lua-script.ts';

const guardScript = loadLuaScript('./guard.lua');

/** How long END records are kept: deletes of a transaction arrive long before this runs out. */
const END_RECORDS_KEPT_MS = 7 * 24 * 3_600_000;

/** What happens to a transaction's untagged deletes now. */
export type Admission = 'apply' | 'pending' | 'hold' | 'archive' | 'retract';

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
  const held = `${tag}:held`;
  const decided = `${tag}:decided`;
  const changed = heldChannel(options.keyPrefix);
  const guard = async (args: Array<string | number>): Promise<string[]> => {
    try {
      return (await runLuaScript(
        redis,
        guardScript,
        [held],
        [args[0] ?? '', tag, ...args.slice(1)],
      )) as string[];
    } catch (error) {
      throw redisUnavailable(`guard ${String(args[0])}`, error);
    }
  };

  return {
    async admitDeletes(table, txId, threshold, deletes) {
      const entries = deletes.flatMap((change) => [entryId(change), encodeEntry(change)]);
      const [decision] = await guard(['admit', table, txId.toString(), threshold, Date.now(), ...entries]);
      return decision as Admission;
    },

    async recordEnd(txId, changedRows, thresholds) {
      const reply = await guard([
        'end',
        txId.toString(),
        JSON.stringify(changedRows),
        JSON.stringify(thresholds),
        Date.now(),
        END_RECORDS_KEPT_MS,
      ]);
      const result: Array<{ table: string; deletes: WaitingChange[] }> = [];
      for (let i = 0; i < reply.length;) {
        const table = reply[i] ?? '';
        const count = Number(reply[i + 1] ?? '0');
        result.push({ table, deletes: reply.slice(i + 2, i + 2 + count).map(decodeEntry) });
        i += 2 + count;
      }
      return result;
    },

    async clearPending(table, txId, deletes) {
      if (deletes.length === 0) return;
      const key = `${tag}:pending:${table}:${txId}`;
      try {
        await redis.hdel(key, ...deletes.map(entryId));
        if ((await redis.hlen(key)) === 0) await redis.srem(`${tag}:pending-index`, `${table}|${txId}`);
      } catch (error) {
        throw redisUnavailable('pending delete cleanup', error);
      }
    },

    async holdTruncate(table, truncate) {
      const id = `${table}/truncate/${truncate.lsn}`;
      await guard(['truncate', table, id, Date.now(), entryId(truncate), encodeEntry(truncate)]);
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
          const rows = meta.kind === 'deletes' ? await redis.hlen(`${tag}:held-rows:${meta.id}`) : 0;
          return { ...meta, txId: meta.txId ?? null, heldAtMs: Number(meta.heldAtMs), rows };
        }),
      );
      return changes.sort((a, b) => a.heldAtMs - b.heldAtMs || a.id.localeCompare(b.id));
    },

    async heldChanges(id) {
      const values = await redis.hvals(`${tag}:held-rows:${id}`);
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
        .hset(decided, `${meta.table}|${meta.txId}`, decision)
        .hdel(`${tag}:held-tx`, `${meta.table}|${meta.txId}`)
        .spublish(changed, id)
        .exec();
    },

    async decisionOf(change) {
      const field = change.txId === null ? change.id : `${change.table}|${change.txId}`;
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
      await redis.multi().del(`${tag}:held-rows:${id}`).hdel(held, id).spublish(changed, id).exec();
    },

    async countPending() {
      return await redis.scard(`${tag}:pending-index`);
    },

    async quit() {
      await redis.quit();
    },
  };
}
