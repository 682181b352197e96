/**
 * One log line per error a client receives, with the request's id and a level that says whose
 * move it is: `info` for a call the client must fix (bad input, a missing key or scope, a
 * query too complex), `warn` when the service is short of capacity (`BUSY`, `RATE_LIMITED`,
 * `UNAVAILABLE`, `TIMEOUT`), `error` for an unexpected error, with its stack and the error id
 * the client was given.
 */
import type { ExecutionResult, GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { Logger } from '../../shared/src/logger';
import { codeOf, errorIdOf, logLevelOf, originalOf } from './errors';

const requestIds = new WeakMap<Request, string>();

/**
 * The id of a request: Cloudflare's `cf-ray` when present, else a fresh UUID; the same for
 * the same Request object (the access check and the GraphQL server log under one id).
 */
export function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    id = request.headers.get('cf-ray') ?? crypto.randomUUID();
    requestIds.set(request, id);
  }
  return id;
}

/**
 * The errors already logged for each request. Per request, not per isolate: yoga's parse and
 * validation caches hand the same error object to every request that repeats a document.
 */
const loggedFor = new WeakMap<Request, WeakSet<object>>();

function loggedSet(request: Request | undefined): WeakSet<object> {
  if (!request) return new WeakSet();
  let logged = loggedFor.get(request);
  if (!logged) {
    logged = new WeakSet();
    loggedFor.set(request, logged);
  }
  return logged;
}

/** Logs `error` (raw or masked) once per request, at the level of its code. */
function logError(logger: Logger, error: GraphQLError, request: Request | undefined) {
  const original = originalOf(error);
  const key = (typeof original === 'object' && original !== null ? original : error) as object;
  const logged = loggedSet(request);
  if (logged.has(key)) return;
  logged.add(key);

  const code = codeOf(error);
  const fields = { requestId: request ? requestIdOf(request) : undefined, code,
    path: error.path };
  if (code === 'INTERNAL') {
    logger.error('unexpected error', { ...fields, errorId: errorIdOf(original),
      error: original });
  } else {
    logger[logLevelOf(code)]('client error', { ...fields,
      message: original instanceof Error ? original.message : error.message });
  }
}

function logResult(logger: Logger, result: unknown, request: Request | undefined) {
  for (const error of (result as ExecutionResult | null)?.errors ?? []) {
    logError(logger, error, request);
  }
}

/**
 * A yoga plugin that logs the errors of every operation (HTTP, SSE and graphql-ws, from the
 * execution and subscription hooks) and of every request refused before execution (from the
 * result hook). An error is logged once per request, however many of these places see it.
 */
export function useErrorLog(logger: Logger): Plugin {
  const requestOf = (context: unknown) => (context as { request?: Request }).request;
  return {
    onExecute({ args }) {
      const request = requestOf(args.contextValue);
      return {
        onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload,
          ({ result }) => logResult(logger, result, request)),
      };
    },
    onSubscribe({ args }) {
      const request = requestOf(args.contextValue);
      return {
        onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload,
          ({ result }) => logResult(logger, result, request)),
        onSubscribeError: ({ error }) => logResult(logger, { errors: [error as GraphQLError] },
          request),
      };
    },
    onResultProcess({ request, result }) {
      const results = Array.isArray(result) ? result : [result];
      for (const one of results) {
        if (!(Symbol.asyncIterator in (one as object))) logResult(logger, one, request);
      }
    },
  };
}
