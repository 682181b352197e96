/**
 * How errors reach GraphQL clients. A {@link PixloomError} (bad image, image too large, bad
 * arguments, gpu-service unavailable…) keeps its message and gets `extensions.code`; GraphQL's
 * own errors (syntax, validation) pass as they are; anything else is masked and logged under an
 * error id the client sees.
 */
import { GraphQLError } from 'graphql';
import { isPixloomError } from '../../shared/src/errors';
import type { Logger } from '../../shared/src/logger';
import { retryAfterOf } from '../../shared/src/retry-after';

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

/** The `maskedErrors.maskError` of the edge's yoga server. */
export function createMaskError(logger: Logger) {
  return (error: unknown): Error => {
    const original = unwrap(error);
    if (isPixloomError(original)) {
      // A retry delay becomes extensions.retryAfter and, through yoga, a Retry-After header.
      const retryAfter = retryAfterOf(original);
      const retry = retryAfter === null ? {}
        : { retryAfter, http: { headers: { 'retry-after': String(retryAfter) } } };
      return new GraphQLError(original.message, {
        ...location(error),
        extensions: { code: original.code, ...retry },
      });
    }
    if (error instanceof GraphQLError && !error.originalError) return error;
    // GraphQL's and yoga's own errors (a parse error raised through a plugin's parser, a
    // variable that cannot be coerced) may arrive wrapped, and from graphql's CommonJS build
    // (another GraphQLError class); they are the client's to read.
    if (original instanceof Error && original.name === 'GraphQLError') {
      const own = (original as GraphQLError).extensions ?? {};
      const outer = error instanceof GraphQLError ? error.extensions : {};
      return new GraphQLError(original.message, { ...location(error),
        extensions: { ...own, ...outer } });
    }

    const errorId = crypto.randomUUID();
    logger.error('unexpected error', { errorId, error: original, path: location(error).path });
    return new GraphQLError(`Unexpected error; it was logged as ${errorId}. Retry, and report `
      + 'the id if it happens again.', {
      ...location(error),
      extensions: { code: 'INTERNAL', errorId },
    });
  };
}
