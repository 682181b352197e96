/** The GraphQL server of the edge: graphql-yoga with the Pothos schema from schema/. */
import type { GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from '../../shared/src/logger';
import type { PixloomContext } from '../../schema/src/context';
import { schema } from '../../schema/src/schema';
import { createMaskError } from './errors';
import { useErrorLog } from './errors-log';
import { graphiqlOptions, renderGraphiQL } from './graphiql';
import type { KeyRecord } from './security/api-keys';
import { useErrorCodes } from './security/error-codes';
import { graphqlLimitPlugins } from './security/graphql-limits';
import { useScopes } from './security/scopes';

export const GRAPHQL_PATH = '/graphql';

/** What each request brings to yoga (its second `fetch` argument). */
export interface ServerContext {
  pixloom: PixloomContext;
  /** Keeps the isolate alive for work that outlives the response. */
  waitUntil: (work: Promise<unknown> | void) => void;
  /** The API key the request came with; `null` when PIXLOOM_AUTH is off. */
  auth?: KeyRecord | null;
}

type EdgeYoga = YogaServerInstance<ServerContext, PixloomContext>;

let yoga: EdgeYoga | null = null;

/** Errors inside yoga's log arguments keep their name, message and stack in JSON. */
function loggable(args: unknown[]): unknown[] {
  return args.map((arg) => (arg instanceof Error
    ? { name: arg.name, message: arg.message, stack: arg.stack }
    : arg));
}

/**
 * A document that does not parse is a request error: HTTP 400 for clients that accept
 * `application/graphql-response+json`, 200 for `application/json`, as GraphQL over HTTP asks.
 * yoga marks only parse errors of its own graphql instance; the token limit's parser raises
 * them from graphql's other build in the bundle, so they are matched by name here.
 */
function useParseErrorStatus(): Plugin {
  return {
    onParse: () => ({ result }) => {
      if (!(result instanceof Error) || result.name !== 'GraphQLError') return;
      const extensions = (result as GraphQLError).extensions as Record<string, unknown>;
      const http = (extensions.http ?? {}) as Record<string, unknown>;
      extensions.http = { ...http, spec: http.spec ?? true, status: http.status ?? 400 };
    },
  };
}

/** The isolate's yoga server, created on first use (the logger of that first request is kept). */
export function edgeYoga(logger: Logger): EdgeYoga {
  yoga ??= createYoga<ServerContext, PixloomContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    graphiql: graphiqlOptions,
    renderGraphiQL,
    maskedErrors: { maskError: createMaskError() },
    logging: {
      debug: (...args) => logger.debug('yoga', { args: loggable(args) }),
      info: (...args) => logger.info('yoga', { args: loggable(args) }),
      warn: (...args) => logger.warn('yoga', { args: loggable(args) }),
      // yoga reports here each error it masks; useErrorLog logs each once, at its level and
      // with its request id, so these copies are only for debugging.
      error: (...args) => logger.debug('yoga error', { args: loggable(args) }),
    },
    context: ({ pixloom }) => pixloom,
    // One operation per request; limits on tokens, depth, aliases, directives and cost.
    batching: false,
    plugins: [...graphqlLimitPlugins(), useScopes(), useErrorLog(logger), useErrorCodes(),
      useParseErrorStatus()],
  });
  return yoga;
}
