/**
 * How errors reach GraphQL clients. A {@link PixloomError} (bad image, image too large, bad
 * arguments, gpu-service unavailable…) keeps its message and gets `extensions.code`; GraphQL's
 * own errors (syntax, validation) pass as they are; anything else is masked under an error id
 * the client sees. Logging is done per request, with its id, by errors-log.ts.
 */
import { GraphQLError } from 'graphql';
import { isPixloomError } from '../../shared/src/errors';
import type { LogLevel } from '../../shared/src/logger';
import { retryAfterOf } from '../../shared/src/retry-after';

/** The error a GraphQL error was raised for (itself when it wraps none). */
function unwrap(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) {
    current = current.originalError;
  }
  return current;
}

function location(error: unknown) {
  if (!(error instanceof GraphQLError)) return {};
  return { nodes: error.nodes, source: error.source, positions: error.positions,
    path: error.path };
}

/** Client errors that say the service is short of capacity rather than that the call is wrong. */
const CAPACITY_CODES = new Set(['BUSY', 'UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED']);

/**
 * The level an error with `code` is logged at: `error` for an unexpected one (`INTERNAL`),
 * `warn` when the service is short of capacity, `info` for a call the client must fix.
 */
export function logLevelOf(code: string): LogLevel {
  if (code === 'INTERNAL') return 'error';
  return CAPACITY_CODES.has(code) ? 'warn' : 'info';
}

/** The code a client sees for `error` (before masking or after): `INTERNAL` if unexpected. */
export function codeOf(error: unknown): string {
  const original = unwrap(error);
  if (isPixloomError(original)) return original.code;
  const own = original instanceof Error && original.name === 'GraphQLError';
  if (!own) return 'INTERNAL';
  const outer = error instanceof GraphQLError ? error.extensions?.code : undefined;
  const code = (original as GraphQLError).extensions?.code ?? outer;
  return typeof code === 'string' ? code : 'BAD_REQUEST';
}

const errorIds = new WeakMap<object, string>();

/** The id an unexpected error is reported and logged under; the same for the same error. */
export function errorIdOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return crypto.randomUUID();
  let id = errorIds.get(error);
  if (!id) {
    id = crypto.randomUUID();
    errorIds.set(error, id);
  }
  return id;
}

/** The error each masked one replaced (not `originalError`: yoga would answer 500). */
const originals = new WeakMap<GraphQLError, unknown>();

/** The error `error` was masked from, or `error` itself. */
export function originalOf(error: GraphQLError): unknown {
  return originals.has(error) ? originals.get(error) : unwrap(error);
}

function masked(original: unknown, error: GraphQLError): GraphQLError {
  originals.set(error, original);
  return error;
}

/** The `maskedErrors.maskError` of the edge's yoga server. */
export function createMaskError() {
  return (error: unknown): Error => {
    const original = unwrap(error);
    if (isPixloomError(original)) {
      // A retry delay becomes extensions.retryAfter and, through yoga, a Retry-After header.
      const retryAfter = retryAfterOf(original);
      const retry = retryAfter === null ? {}
        : { retryAfter, http: { headers: { 'retry-after': String(retryAfter) } } };
      return masked(original, new GraphQLError(original.message, {
        ...location(error),
        extensions: { code: original.code, ...retry },
      }));
    }
    if (error instanceof GraphQLError && !error.originalError) return error;
    // GraphQL's and yoga's own errors (a parse error raised through a plugin's parser, a
    // variable that cannot be coerced) may arrive wrapped, and from graphql's CommonJS build
    // (another GraphQLError class); they are the client's to read.
    if (original instanceof Error && original.name === 'GraphQLError') {
      const own = (original as GraphQLError).extensions ?? {};
      const outer = error instanceof GraphQLError ? error.extensions : {};
      return masked(original, new GraphQLError(original.message, { ...location(error),
        extensions: { ...own, ...outer } }));
    }

    const errorId = errorIdOf(original);
    return masked(original, new GraphQLError(`Unexpected error; it was logged as ${errorId}. `
      + 'Retry, and report the id if it happens again.', {
      ...location(error),
      extensions: { code: 'INTERNAL', errorId },
    }));
  };
}
