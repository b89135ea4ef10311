import type { RedisClient } from '../connection.ts';
import { loadLuaScript, runLuaScript, type LuaScript } from '../lua-script.ts';
import { replyTuple, unknownReply } from './script-reply.ts';

/** lanes.lua with the shared prelude. */
export const lanesScript: LuaScript = loadLuaScript('./scripts/lanes.lua', ['./scripts/prelude.lua']);

/** Every kind of reply lanes.lua gives (the protocol test sees each one). */
export const LANES_REPLY_KINDS = ['lanes'] as const;

/** The lanes of some model generations of one table: assigned if they had none. */
export interface LanesRequest {
  readonly registry: string;
  readonly mainRows: string;
  readonly main: string;
  readonly generations: ReadonlyArray<{
    readonly field: string;
    readonly model: string;
    readonly own: string;
  }>;
}

export type LanesReply = { readonly kind: 'lanes'; readonly lanes: readonly string[] };

export function encodeLanes(request: LanesRequest): { keys: string[]; args: string[] } {
  return {
    keys: [request.registry, request.mainRows],
    args: [request.main, ...request.generations.flatMap(({ field, model, own }) => [field, model, own])],
  };
}

export function decodeLanes(reply: unknown, count: number): LanesReply {
  const tuple = replyTuple('lanes.lua', reply);
  switch (tuple[0]) {
    case 'lanes':
      if (tuple.length !== count + 1) throw unknownReply('lanes.lua', reply);
      return { kind: 'lanes', lanes: tuple.slice(1) };
    default:
      throw unknownReply('lanes.lua', reply);
  }
}

export async function runLanes(redis: RedisClient, request: LanesRequest): Promise<LanesReply> {
  const { keys, args } = encodeLanes(request);
  return decodeLanes(await runLuaScript(redis, lanesScript, keys, args), request.generations.length);
}
