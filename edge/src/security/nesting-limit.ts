/**
 * A limit on how deeply a document nests brackets, braces and parentheses, checked by running
 * graphql's lexer over it before the parser sees it.
 *
 * graphql's parser is recursive: every `[`, `{` or `(` costs several stack frames. The token
 * limit bounds the length of a document, not its nesting, and a document of 2000 tokens that
 * opens 2000 lists in a row needs more stack than the runtime has: the parser (or the token
 * limit's own refusal, raised at that depth) dies with a RangeError that only an internal
 * error can report. The lexer is a loop, so counting nesting with it costs no stack, and the
 * parser then only ever sees documents whose recursion is shallow.
 */
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const OPENERS = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSERS = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * The deepest nesting of `[`, `{` and `(` within the first `maxTokens` tokens of `source`
 * (the token limit refuses anything longer). A lexical error ends the count early: the parser
 * reports it with its position.
 */
export function nestingOf(source: string | Source, maxTokens: number): number {
  const lexer = new Lexer(typeof source === 'string' ? new Source(source) : source);
  let depth = 0;
  let deepest = 0;
  try {
    for (let tokens = 0; tokens <= maxTokens; tokens += 1) {
      const token = lexer.advance();
      if (token.kind === TokenKind.EOF) break;
      if (OPENERS.has(token.kind)) {
        depth += 1;
        deepest = Math.max(deepest, depth);
      } else if (CLOSERS.has(token.kind)) {
        depth -= 1;
      }
    }
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
  }
  return deepest;
}

/**
 * A yoga plugin that refuses, with `code`, a document nested deeper than `maxNesting` before
 * it is parsed. It wraps the parse function set by the plugins listed before it.
 */
export function useNestingLimit(options: {
  maxNesting: number;
  maxTokens: number;
  code: string;
}): Plugin {
  const { maxNesting, maxTokens, code } = options;
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, parseOptions) => {
        if (nestingOf(source, maxTokens) > maxNesting) {
          throw new GraphQLError(`Nesting limit of ${maxNesting} exceeded: the document opens `
            + 'brackets, braces or parentheses more than that many levels deep. Flatten the '
            + 'nested lists, objects or selections.', { extensions: { code } });
        }
        return parseFn(source, parseOptions);
      });
    },
  };
}
