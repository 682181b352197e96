/**
 * Who may call the GraphQL endpoint: with auth on, the request's API key is looked up and its
 * rate limit taken before yoga reads the body; scopes are checked per operation (scopes.ts).
 * Refusals are GraphQL-shaped JSON with `extensions.code` and the HTTP status of the code. A
 * WebSocket upgrade may instead bring its key in graphql-ws connectionParams (ws-access.ts).
 */
import { ERROR_STATUS, isPixloomError, PixloomError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/logger';
import { retryAfterOf, withRetryAfter } from '../../../shared/src/retry-after';
import { logLevelOf } from '../errors';
import { requestIdOf } from '../errors-log';
import { authenticate, type KeyRecord } from './api-keys';
import { authRequired, type SecurityEnv } from './env';

/** A refusal as a GraphQL-over-HTTP response. */
export function errorResponse(error: PixloomError, headers: Record<string, string> = {}) {
  return Response.json({ errors: [{ message: error.message,
    extensions: { code: error.code } }] }, { status: ERROR_STATUS[error.code], headers });
}

let warnedOpen = false;

/** Logs a refused call at the level of its code, under the request's id. */
export function logRefusal(logger: Logger, request: Request, error: PixloomError,
  keyId?: string): void {
  logger[logLevelOf(error.code)]('client error', { requestId: requestIdOf(request),
    code: error.code, message: error.message, keyId });
}

/** Takes one request from `key`'s rate: `null` if allowed, else `RATE_LIMITED` with a delay. */
export async function takeRequest(
  key: KeyRecord,
  limiter: NonNullable<SecurityEnv['RATE_LIMITER']>,
): Promise<PixloomError | null> {
  const decision = await limiter.get(limiter.idFromName(key.id)).take(key.ratePerMinute);
  if (decision.ok) return null;
  return withRetryAfter(new PixloomError('RATE_LIMITED', `This key may make `
    + `${key.ratePerMinute} requests a minute; wait ${decision.retryAfterS} s (Retry-After) `
    + 'and retry, or ask for a key with a higher rate.'), decision.retryAfterS);
}

/**
 * The key of an allowed request (`null` when auth is off), or the response that refuses it:
 * `UNAUTHENTICATED` (401) or `RATE_LIMITED` (429, with `Retry-After`). A WebSocket upgrade
 * without an Authorization header passes as `null`: its key must come in connectionParams,
 * which {@link connectionAccess} (ws-access.ts) checks before any operation runs.
 */
export async function checkAccess(
  request: Request,
  env: SecurityEnv,
  logger: Logger,
): Promise<KeyRecord | null | Response> {
  if (!authRequired(env)) {
    if (!warnedOpen) {
      logger.warn('PIXLOOM_AUTH is off: every GraphQL request is served without an API key');
      warnedOpen = true;
    }
    return null;
  }
  if (!env.API_KEYS || !env.RATE_LIMITER) {
    throw new Error('PIXLOOM_AUTH is on but the API_KEYS or RATE_LIMITER binding is missing '
      + '(see wrangler.toml)');
  }

  const upgrade = request.headers.get('upgrade')?.toLowerCase() === 'websocket';
  if (upgrade && !request.headers.has('authorization')) return null;
  const refuse = (error: PixloomError, headers: Record<string, string>, keyId?: string) => {
    logRefusal(logger, request, error, keyId);
    return errorResponse(error, headers);
  };

  let key: KeyRecord;
  try {
    key = await authenticate(request, env.API_KEYS);
  } catch (error) {
    if (isPixloomError(error)) {
      return refuse(error, { 'www-authenticate': 'Bearer realm="pixloom"' });
    }
    throw error;
  }

  const limited = await takeRequest(key, env.RATE_LIMITER);
  if (limited) {
    return refuse(limited, { 'retry-after': String(retryAfterOf(limited)),
      'x-ratelimit-remaining': '0' }, key.id);
  }
  return key;
}
