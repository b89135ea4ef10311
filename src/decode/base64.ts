/** Base64 as Kafka Connect writes bytes (standard alphabet, padded), checked in one pass. */

function isBase64Char(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2b || // +
    code === 0x2f // /
  );
}

/**
 * True for padded standard base64. A loop, not a regular expression: the expression's
 * backtracking stack overflowed (RangeError) on a few megabytes.
 */
export function isBase64(text: string): boolean {
  const length = text.length;
  if (length % 4 !== 0) return false;
  let end = length;
  if (length > 0 && text.charCodeAt(length - 1) === 0x3d) end -= 1;
  if (end < length && text.charCodeAt(length - 2) === 0x3d) end -= 1;
  for (let i = 0; i < end; i += 1) if (!isBase64Char(text.charCodeAt(i))) return false;
  return true;
}

/** The number of bytes a valid base64 text decodes to, without decoding it. */
export function base64ByteLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}
