/**
 * A retry delay carried by an error: the gpu-service sends it as the `Retry-After` header, the
 * edge as `extensions.retryAfter` and a `Retry-After` header on the GraphQL response.
 */
import type { PixloomError } from './errors';

const RETRY_AFTER = Symbol.for('pixloom.retryAfterS');

/** Marks `error` as worth retrying after `seconds` (at least 1); returns the same error. */
export function withRetryAfter<E extends PixloomError>(error: E, seconds: number): E {
  Object.defineProperty(error, RETRY_AFTER, { value: Math.max(1, Math.ceil(seconds)) });
  return error;
}

/** The retry delay an error carries, in whole seconds, or `null`. */
export function retryAfterOf(error: unknown): number | null {
  const value = (error as Record<symbol, unknown> | null)?.[RETRY_AFTER];
  return typeof value === 'number' ? value : null;
}
