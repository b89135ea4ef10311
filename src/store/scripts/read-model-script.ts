import { loadLuaScript, runLuaScript, type LuaScript } from '../lua-script.ts';
import type { RedisClient } from '../connection.ts';
import { counterField, ROWS_FIELD } from '../../projection/index.ts';
import { modelKeyLayout, modelKeys, type ModelRef } from '../keys.ts';
import { field, replyTuple, unknownReply } from './script-reply.ts';

/** read-model.lua with the shared prelude. */
export const readModelScript: LuaScript = loadLuaScript('./scripts/read-model.lua', [
  './scripts/prelude.lua',
]);

/** What to read of a model (see read-model.lua's header). */
export interface ReadModelRequest {
  readonly bucketed: boolean;
  /** Bucket starts (epoch ms) or '-inf' / '+inf'. */
  readonly from: string;
  readonly to: string;
  readonly extremes: ReadonlyArray<readonly [measure: string, kind: 'min' | 'max']>;
  readonly distincts: readonly string[];
  /** The ranked measure, or '' for none. */
  readonly ranking: string;
  readonly limit: number;
}

/** What each group's row-count field starts with: the script finds the groups by it. */
const ROWS_FIELD_PREFIX = counterField(ROWS_FIELD, '');

/** Every kind of reply read-model.lua gives (the protocol test sees each one). */
export const READ_MODEL_REPLY_KINDS = ['snapshot'] as const;

export type ReadModelReply = { readonly kind: 'snapshot'; readonly json: string };

export function encodeReadModel(
  prefix: string,
  model: ModelRef,
  request: ReadModelRequest,
): { keys: string[]; args: string[] } {
  return {
    keys: [modelKeys(prefix, model).generations],
    args: [
      JSON.stringify(modelKeyLayout(prefix, model)),
      JSON.stringify({ ...request, rowsField: ROWS_FIELD_PREFIX }),
    ],
  };
}

const SCRIPT = 'read-model.lua';

export function decodeReadModel(reply: unknown): ReadModelReply {
  const tuple = replyTuple(SCRIPT, reply);
  switch (tuple[0]) {
    case 'snapshot':
      return { kind: 'snapshot', json: field(SCRIPT, tuple, 1) };
    default:
      throw unknownReply(SCRIPT, reply);
  }
}

export async function runReadModel(
  redis: RedisClient,
  prefix: string,
  model: ModelRef,
  request: ReadModelRequest,
): Promise<ReadModelReply> {
  const { keys, args } = encodeReadModel(prefix, model, request);
  return decodeReadModel(await runLuaScript(redis, readModelScript, keys, args));
}
