import { loadLuaScript, runLuaScript, type LuaScript } from '../lua-script.ts';
import type { RedisClient } from '../connection.ts';
import { field, replyTuple, unknownReply } from './script-reply.ts';

/** generations.lua with the shared prelude. */
export const generationsScript: LuaScript = loadLuaScript('./scripts/generations.lua', [
  './scripts/prelude.lua',
]);

/** What generations.lua can be asked (see its header). Keys come from store/keys.ts. */
export type GenerationsRequest =
  | { readonly op: 'adopt'; readonly fingerprint: string }
  | { readonly op: 'start'; readonly fingerprint: string; readonly nowMs: number }
  | { readonly op: 'phase'; readonly generation: number; readonly from: string; readonly to: string }
  | {
      readonly op: 'switch';
      readonly generation: number;
      /** The current generation the caller saw, and its meta key; the new one's meta key. */
      readonly seen: number;
      readonly currentMeta: string;
      readonly newMeta: string;
      readonly channel: string;
      readonly model: string;
    }
  | { readonly op: 'abandon'; readonly generation: number };

/** Every kind of reply generations.lua gives (the protocol test sees each one). */
export const GENERATIONS_REPLY_KINDS = [
  'ok',
  'started',
  'moved',
  'not-at',
  'switched',
  'not-ready',
  'stale',
] as const;

export type GenerationsReply =
  | { readonly kind: 'ok' }
  | { readonly kind: 'started'; readonly generation: number; readonly abandoned: number | null }
  | { readonly kind: 'moved' }
  | { readonly kind: 'not-at' }
  | { readonly kind: 'switched'; readonly old: number }
  | { readonly kind: 'not-ready' }
  | { readonly kind: 'stale' };

export function encodeGenerations(
  generations: string,
  request: GenerationsRequest,
): { keys: string[]; args: string[] } {
  switch (request.op) {
    case 'adopt':
      return { keys: [generations], args: ['adopt', request.fingerprint] };
    case 'start':
      return { keys: [generations], args: ['start', request.fingerprint, String(request.nowMs)] };
    case 'phase':
      return { keys: [generations], args: ['phase', String(request.generation), request.from, request.to] };
    case 'switch':
      return {
        keys: [generations, request.currentMeta, request.newMeta],
        args: ['switch', String(request.generation), String(request.seen), request.channel, request.model],
      };
    case 'abandon':
      return { keys: [generations], args: ['abandon', String(request.generation)] };
  }
}

const SCRIPT = 'generations.lua';

export function decodeGenerations(reply: unknown): GenerationsReply {
  const tuple = replyTuple(SCRIPT, reply);
  switch (tuple[0]) {
    case 'ok':
      return { kind: 'ok' };
    case 'started': {
      const abandoned = field(SCRIPT, tuple, 2);
      return {
        kind: 'started',
        generation: Number(field(SCRIPT, tuple, 1)),
        abandoned: abandoned === '' ? null : Number(abandoned),
      };
    }
    case 'moved':
      return { kind: 'moved' };
    case 'not-at':
      return { kind: 'not-at' };
    case 'switched':
      return { kind: 'switched', old: Number(field(SCRIPT, tuple, 1)) };
    case 'not-ready':
      return { kind: 'not-ready' };
    case 'stale':
      return { kind: 'stale' };
    default:
      throw unknownReply(SCRIPT, reply);
  }
}

export async function runGenerations(
  redis: RedisClient,
  generations: string,
  request: GenerationsRequest,
): Promise<GenerationsReply> {
  const { keys, args } = encodeGenerations(generations, request);
  return decodeGenerations(await runLuaScript(redis, generationsScript, keys, args));
}
