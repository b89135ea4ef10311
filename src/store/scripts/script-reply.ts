import { ErrorCode, ReadoutError } from '../../errors/index.ts';

/**
 * A script's reply as its codec reads it: a table whose first element names the kind, then the
 * kind's fields as text (Redis turns Lua numbers into integers; they are read back as text).
 * Anything else is a protocol error.
 */
export function replyTuple(script: string, reply: unknown): [string, ...string[]] {
  if (!Array.isArray(reply) || reply.length === 0) throw unknownReply(script, reply);
  const fields = (reply as unknown[]).map((field) => {
    if (typeof field === 'string') return field;
    if (typeof field === 'number' && Number.isSafeInteger(field)) return String(field);
    throw unknownReply(script, reply);
  });
  return fields as [string, ...string[]];
}

/** The error for a reply no codec case describes: never guessed at, never retried. */
export function unknownReply(script: string, reply: unknown): ReadoutError {
  return new ReadoutError(
    ErrorCode.StoreProtocol,
    `${script} answered ${JSON.stringify(reply)?.slice(0, 200) ?? String(reply)}, which this version of Readout does not know`,
    { retriable: false },
  );
}

/** Field `index` of a reply, which its kind says is there. */
export function field(script: string, reply: readonly string[], index: number): string {
  const value = reply[index];
  if (value === undefined) throw unknownReply(script, reply);
  return value;
}
