/**
 * Every error a client sees carries `extensions.code`. Errors of the schema's services get
 * theirs when they are masked (../errors.ts); the ones GraphQL and yoga raise themselves
 * (a syntax error, an unknown field, a batched or malformed request) come without one and
 * are given one here: `GRAPHQL_PARSE_FAILED` for a syntax error (as yoga codes it when the
 * parser is its own), `BAD_REQUEST` otherwise; common request mistakes get a hint saying how
 * to fix them.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Hints appended to yoga's own request errors, keyed by a piece of their message. */
const HINTS: Array<[RegExp, string]> = [
  [/batching is not (supported|enabled)/i, 'Send one operation per request, not a JSON array.'],
  [/POST body sent invalid JSON|invalid JSON/i, 'Send the body as JSON: '
    + '{ "query": "...", "variables": { ... } }.'],
  [/must provide query string/i, 'Send the operation in the "query" field.'],
];

function withCode(error: GraphQLError): GraphQLError {
  const hasCode = typeof error.extensions?.code === 'string';
  const hint = HINTS.find(([pattern]) => pattern.test(error.message))?.[1];
  if (hasCode && !hint) return error;
  const message = hint && !error.message.includes(hint) ? `${error.message} ${hint}`
    : error.message;
  const parse = error.message.startsWith('Syntax Error:');
  const code = hasCode ? error.extensions.code : parse ? 'GRAPHQL_PARSE_FAILED' : 'BAD_REQUEST';
  return new GraphQLError(message, {
    nodes: error.nodes, source: error.source, positions: error.positions, path: error.path,
    originalError: error.originalError, extensions: { ...error.extensions, code },
  });
}

function coded(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  return { ...result, errors: result.errors.map(withCode) };
}

/** A yoga plugin that gives every code-less error in a single result `BAD_REQUEST`. */
export function useErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result)) {
        setResult(result.map((r) => coded(r as ExecutionResult)));
      } else if (!(Symbol.asyncIterator in (result as object))) {
        setResult(coded(result as ExecutionResult));
      }
    },
  };
}
