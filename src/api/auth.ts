import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Who may use the API: any holder of a configured key, or everyone when keys are off. */
export interface ApiAuth {
  readonly required: boolean;
  allows(credential: string | undefined): boolean;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** `keys` null: authentication off (the local demo). Keys are compared in constant time. */
export function createApiAuth(keys: readonly string[] | null): ApiAuth {
  const digests = (keys ?? []).map(digest);
  return {
    required: keys !== null,
    allows(credential) {
      if (keys === null) return true;
      if (credential === undefined || credential === '') return false;
      const offered = digest(credential);
      // Every key is compared, so the time taken does not say which one nearly matched.
      return digests.reduce((found, known) => timingSafeEqual(known, offered) || found, false);
    },
  };
}

function bearer(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}

/** `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function credentialFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  return bearer(headers.authorization) ?? (typeof apiKey === 'string' ? apiKey : undefined);
}

/** graphql-ws `connection_init` payload: `{ authorization: "Bearer <key>" }` or `{ apiKey: "<key>" }`. */
export function credentialFromConnectionParams(
  params: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  const apiKey = params?.apiKey;
  return bearer(params?.authorization) ?? (typeof apiKey === 'string' ? apiKey : undefined);
}
