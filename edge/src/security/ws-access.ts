/**
 * API keys on GraphQL over WebSocket (graphql-ws). A browser cannot set headers on a
 * WebSocket, so with auth on a connection brings its key either in the Authorization header
 * of the upgrade request (checked like any HTTP request, access.ts) or in the payload of its
 * ConnectionInit message: connectionParams `{ authorization: "Bearer <key>" }`. A connection
 * without a valid key is closed before any operation runs, with close code 4401 and a reason
 * that starts with `UNAUTHENTICATED` and says what to send; a key over its rate is closed
 * with 4429 (`RATE_LIMITED`). Each operation on an open connection counts against its key's
 * rate like an HTTP request, and the scope check (scopes.ts) applies to it as to HTTP.
 */
import { isPixloomError, PixloomError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/logger';
import { authenticateBearer, type KeyRecord } from './api-keys';
import { logRefusal, takeRequest } from './access';
import { authRequired, type SecurityEnv } from './env';

/** graphql-ws close codes for refused connections (the library's own Unauthorized, 4401). */
export const WS_CLOSE_CODES = { UNAUTHENTICATED: 4401, RATE_LIMITED: 4429 } as const;

/** How graphql-ws connections are let in and their operations counted. */
export interface ConnectionAccess {
  /**
   * The key of a connection being initialised (`null` when auth is off).
   *
   * @throws PixloomError `UNAUTHENTICATED` or `RATE_LIMITED`
   */
  open(connectionParams: Readonly<Record<string, unknown>> | undefined):
  Promise<KeyRecord | null>;
  /**
   * Takes one request from the key's rate for an operation on the connection.
   *
   * @throws PixloomError `RATE_LIMITED`
   */
  operation(key: KeyRecord | null): Promise<void>;
}

const HOW = 'send connectionParams {"authorization":"Bearer <key>"} with a key from npm run '
  + 'key:create';

/** WebSocket close reasons may have at most 123 bytes. */
const MAX_REASON_BYTES = 123;

/** The close code and reason of a connection refused with `error`. */
export function closeFor(error: PixloomError): { code: number; reason: string } {
  const code = error.code === 'RATE_LIMITED' ? WS_CLOSE_CODES.RATE_LIMITED
    : WS_CLOSE_CODES.UNAUTHENTICATED;
  const full = `${error.code}: ${error.message}`;
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  if (bytes(full) <= MAX_REASON_BYTES) return { code, reason: full };
  let reason = full;
  while (bytes(`${reason}…`) > MAX_REASON_BYTES) reason = reason.slice(0, -1);
  return { code, reason: `${reason}…` };
}

/**
 * The access of one WebSocket connection, opened by `upgrade`; `headerKey` is what
 * checkAccess made of the upgrade (a key, or `null` when auth is off or the header is absent).
 */
export function connectionAccess(
  upgrade: Request,
  headerKey: KeyRecord | null,
  env: SecurityEnv,
  logger: Logger,
): ConnectionAccess {
  const required = authRequired(env);
  const refuse = (error: unknown, keyId?: string): never => {
    if (isPixloomError(error)) logRefusal(logger, upgrade, error, keyId);
    throw error;
  };
  return {
    async open(connectionParams) {
      if (!required || headerKey) return headerKey;
      const authorization = connectionParams?.authorization;
      if (typeof authorization !== 'string' || authorization.trim() === '') {
        refuse(new PixloomError('UNAUTHENTICATED', `This API needs a key; ${HOW}.`));
      }
      const key = await authenticateBearer(authorization as string, env.API_KEYS!)
        .catch((error: unknown) => refuse(isPixloomError(error)
          ? new PixloomError('UNAUTHENTICATED', error.message.replace(/;.*$/, `; ${HOW}.`))
          : error));
      const limited = await takeRequest(key, env.RATE_LIMITER!);
      if (limited) refuse(limited, key.id);
      return key;
    },
    async operation(key) {
      if (!required) return;
      if (!key) refuse(new PixloomError('UNAUTHENTICATED', `This API needs a key; ${HOW}.`));
      const limited = await takeRequest(key as KeyRecord, env.RATE_LIMITER!);
      if (limited) refuse(limited, key!.id);
    },
  };
}
