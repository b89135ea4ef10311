import { loadLuaScript, runLuaScript, type LuaScript } from '../lua-script.ts';
import type { RedisClient } from '../connection.ts';
import { heldDeletesId, transactionField, type GuardKeys } from '../keys.ts';
import { field, replyTuple, unknownReply } from './script-reply.ts';

/** guard.lua with the shared prelude. */
export const guardScript: LuaScript = loadLuaScript('./scripts/guard.lua', ['./scripts/prelude.lua']);

/** A waiting or held change as the guard stores it: its id and its encoded entry. */
export interface GuardEntry {
  readonly id: string;
  readonly entry: string;
}

/** What guard.lua can be asked (see its header). */
export type GuardRequest =
  | {
      readonly op: 'admit';
      readonly table: string;
      readonly txId: string;
      readonly threshold: number;
      readonly nowMs: number;
      readonly entries: readonly GuardEntry[];
    }
  | {
      readonly op: 'end';
      readonly txId: string;
      /** Rows the transaction changed, per table (its END's counts). */
      readonly counts: Readonly<Record<string, number>>;
      /** Per table the threshold, '*' for the default. */
      readonly thresholds: Readonly<Record<string, number>>;
      readonly nowMs: number;
      readonly keepMs: number;
    }
  | {
      readonly op: 'truncate';
      readonly table: string;
      readonly id: string;
      readonly nowMs: number;
      readonly entry: GuardEntry;
    };

export type Admission = 'apply' | 'pending' | 'hold' | 'archive' | 'retract';

/** Every kind of reply guard.lua gives, an admission by its decision (the protocol test sees each one). */
export const GUARD_REPLY_KINDS = ['apply', 'pending', 'hold', 'archive', 'retract', 'released'] as const;

export type GuardReply =
  | { readonly kind: 'admission'; readonly admission: Admission }
  /** Per table, the pending deletes of an ended transaction now known to be small. */
  | { readonly kind: 'released'; readonly tables: ReadonlyArray<{ table: string; entries: string[] }> };

export function encodeGuard(
  keys: GuardKeys,
  channel: string,
  request: GuardRequest,
): { keys: string[]; args: string[] } {
  const fixed = [keys.held, keys.heldTx, keys.decided, keys.ends, keys.endsAt, keys.pendingIndex];
  switch (request.op) {
    case 'admit': {
      const { table, txId } = request;
      return {
        keys: [...fixed, keys.pending(table, txId), keys.heldRows(heldDeletesId(table, txId))],
        args: [
          'admit',
          channel,
          table,
          txId,
          transactionField(table, txId),
          heldDeletesId(table, txId),
          String(request.threshold),
          String(request.nowMs),
          ...request.entries.flatMap(({ id, entry }) => [id, entry]),
        ],
      };
    }
    case 'end': {
      const tables = Object.keys(request.counts);
      return {
        keys: [
          ...fixed,
          ...tables.flatMap((table) => [
            keys.pending(table, request.txId),
            keys.heldRows(heldDeletesId(table, request.txId)),
          ]),
        ],
        args: [
          'end',
          channel,
          request.txId,
          JSON.stringify(request.counts),
          JSON.stringify(request.thresholds),
          String(request.nowMs),
          String(request.keepMs),
          ...tables.flatMap((table) => [
            table,
            transactionField(table, request.txId),
            heldDeletesId(table, request.txId),
          ]),
        ],
      };
    }
    case 'truncate':
      return {
        keys: [...fixed, keys.heldRows(request.id)],
        args: [
          'truncate',
          channel,
          request.table,
          request.id,
          String(request.nowMs),
          request.entry.id,
          request.entry.entry,
        ],
      };
  }
}

const SCRIPT = 'guard.lua';

export function decodeGuard(reply: unknown): GuardReply {
  const tuple = replyTuple(SCRIPT, reply);
  switch (tuple[0]) {
    case 'apply':
    case 'pending':
    case 'hold':
    case 'archive':
    case 'retract':
      return { kind: 'admission', admission: tuple[0] };
    case 'released': {
      const tables: Array<{ table: string; entries: string[] }> = [];
      for (let i = 1; i < tuple.length;) {
        const table = field(SCRIPT, tuple, i);
        const count = Number(field(SCRIPT, tuple, i + 1));
        if (!Number.isSafeInteger(count) || count < 0 || i + 2 + count > tuple.length)
          throw unknownReply(SCRIPT, reply);
        tables.push({ table, entries: tuple.slice(i + 2, i + 2 + count) });
        i += 2 + count;
      }
      return { kind: 'released', tables };
    }
    default:
      throw unknownReply(SCRIPT, reply);
  }
}

export async function runGuard(
  redis: RedisClient,
  keys: GuardKeys,
  channel: string,
  request: GuardRequest,
): Promise<GuardReply> {
  const { keys: scriptKeys, args } = encodeGuard(keys, channel, request);
  return decodeGuard(await runLuaScript(redis, guardScript, scriptKeys, args));
}
