import { loadLuaScript, runLuaScript, type LuaScript } from '../lua-script.ts';
import type { RedisClient } from '../connection.ts';
import { field, replyTuple, unknownReply } from './script-reply.ts';

/** positions.lua with the shared prelude. */
export const positionsScript: LuaScript = loadLuaScript('./scripts/positions.lua', ['./scripts/prelude.lua']);

/** The reader a call is about: its keys (store/keys.ts) and where its versions are announced. */
export interface PositionsTarget {
  readonly name: string;
  readonly meta: string;
  readonly offsets: string;
  /** '' for a reader that announces nothing (a generation being rebuilt). */
  readonly channel: string;
}

/** What positions.lua can be asked (see its header for what each does). */
export type PositionsRequest =
  | {
      readonly op: 'advance';
      readonly partition: string;
      readonly next: string;
      /** The offset the reader must already stand at, or null for none. */
      readonly required: string | null;
    }
  | { readonly op: 'read'; readonly partition: string; readonly next: string; readonly required: string }
  | { readonly op: 'catch-up'; readonly targets: ReadonlyMap<string, string> }
  | {
      readonly op: 'backfill';
      readonly why: 'start' | 'added';
      readonly targets: ReadonlyMap<string, string>;
    };

/** Every kind of reply positions.lua gives (the protocol test sees each one). */
export const POSITIONS_REPLY_KINDS = ['ok', 'reached', 'behind'] as const;

export type PositionsReply =
  | { readonly kind: 'ok' }
  /** A catch-up target was reached: the reader is ready again (a version was announced). */
  | { readonly kind: 'reached' }
  /** The reader stands at `stood`, short of the required offset: nothing was recorded. */
  | { readonly kind: 'behind'; readonly stood: string };

/** KEYS and ARGV for one request, built in one place. */
export function encodePositions(
  reader: PositionsTarget,
  request: PositionsRequest,
): { keys: string[]; args: string[] } {
  const keys = [reader.meta, reader.offsets];
  const head = [request.op, reader.channel, reader.name];
  switch (request.op) {
    case 'advance':
      return { keys, args: [...head, request.partition, request.next, request.required ?? ''] };
    case 'read':
      return { keys, args: [...head, request.partition, request.next, request.required] };
    case 'catch-up':
      return { keys, args: [...head, ...[...request.targets].flat()] };
    case 'backfill':
      return { keys, args: [...head, request.why, ...[...request.targets].flat()] };
  }
}

export function decodePositions(reply: unknown): PositionsReply {
  const tuple = replyTuple('positions.lua', reply);
  switch (tuple[0]) {
    case 'ok':
      return { kind: 'ok' };
    case 'reached':
      return { kind: 'reached' };
    case 'behind':
      return { kind: 'behind', stood: field('positions.lua', tuple, 1) };
    default:
      throw unknownReply('positions.lua', reply);
  }
}

/** Runs one request (Redis errors propagate: the caller says what failed). */
export async function runPositions(
  redis: RedisClient,
  reader: PositionsTarget,
  request: PositionsRequest,
): Promise<PositionsReply> {
  const { keys, args } = encodePositions(reader, request);
  return decodePositions(await runLuaScript(redis, positionsScript, keys, args));
}
