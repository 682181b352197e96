/**
 * Limits on the shape of a GraphQL operation, with GraphQL Armor's plugins: tokens (checked
 * while parsing, so a huge document is never fully parsed), depth, aliases, directives and cost
 * (checked during validation, before any resolver runs), and nesting (checked by the lexer
 * before parsing, nesting-limit.ts). A refused operation gets the code
 * `QUERY_TOO_COMPLEX` and a sentence saying how to make it acceptable.
 */
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { useNestingLimit } from './nesting-limit';

export interface GraphQLLimits {
  /** Lexical tokens in the document. @default 2000 */
  maxTokens: number;
  /** Nesting of selection sets, fragments flattened. @default 10 */
  maxDepth: number;
  /** Aliased fields in one operation. @default 15 */
  maxAliases: number;
  /** Directives in one operation. @default 20 */
  maxDirectives: number;
  /** GraphQL Armor's cost: objects and scalars weighted by their depth. @default 500 */
  maxCost: number;
  /**
   * Brackets, braces and parentheses open at once, counted before parsing, so that the
   * recursive parser never runs out of stack. @default 40
   */
  maxNesting: number;
}

/**
 * Room for every operation the schema serves (a `segment` selecting every field and mask
 * format is 5 levels deep and costs 152), while a document that asks for several such calls
 * at once, or nests far deeper, is refused before any resolver runs.
 */
export const DEFAULT_GRAPHQL_LIMITS: Readonly<GraphQLLimits> = {
  maxTokens: 2000,
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 20,
  maxCost: 500,
  maxNesting: 40,
};

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/**
 * Gives a refusal from an Armor plugin its code and the way out. Armor calls this before it
 * reports the error, so the error the client sees carries both.
 */
function refusal(fix: string) {
  return (_context: unknown, error: GraphQLError): void => {
    Object.assign(error.extensions as Record<string, unknown>, { code: QUERY_TOO_COMPLEX });
    error.message = `${error.message.replace(/^Syntax Error: /, '')} ${fix}`;
  };
}

/** The yoga plugins that enforce `limits`; introspection is measured like any operation. */
export function graphqlLimitPlugins(
  limits: GraphQLLimits = DEFAULT_GRAPHQL_LIMITS,
): Array<Plugin<Record<string, unknown>>> {
  const common = { exposeLimits: true, propagateOnRejection: true };
  return [
    maxTokensPlugin({ ...common, n: limits.maxTokens, onReject: [refusal('Send a shorter '
      + 'document: drop unused fields and fragments, and pass long values as variables.')] }),
    // After the token limit, so that it wraps that plugin's parser.
    useNestingLimit({ maxNesting: limits.maxNesting, maxTokens: limits.maxTokens,
      code: QUERY_TOO_COMPLEX }),
    maxDepthPlugin({ ...common, n: limits.maxDepth, flattenFragments: true,
      ignoreIntrospection: true, onReject: [refusal('Select fewer nested levels.')] }),
    maxAliasesPlugin({ ...common, n: limits.maxAliases, onReject: [refusal('Use fewer '
      + 'aliases: send several requests instead of repeating a field under many names.')] }),
    maxDirectivesPlugin({ ...common, n: limits.maxDirectives, onReject: [refusal('Use fewer '
      + 'directives.')] }),
    costLimitPlugin({ ...common, maxCost: limits.maxCost, ignoreIntrospection: true,
      onReject: [refusal('Select fewer fields, ask for fewer items (a list\'s first or last '
        + 'multiplies the cost of what it selects), or split the operation into several '
        + 'requests.')] }),
  ] as Array<Plugin<Record<string, unknown>>>;
}
