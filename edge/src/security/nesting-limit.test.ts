import { parse, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { nestingOf, useNestingLimit } from './nesting-limit';

const deepList = (n: number) => `{ image(id: ${'['.repeat(n)}"a"${']'.repeat(n)}) { id } }`;

describe('nestingOf', () => {
  it('counts brackets, braces and parentheses open at once', () => {
    expect(nestingOf('{ __typename }', 100)).toBe(1);
    expect(nestingOf('{ image(id: [["a"], ["b"]]) { id } }', 100)).toBe(4);
    // Five tokens before the first bracket; counting stops after 2001 tokens.
    expect(nestingOf(deepList(20_000), 2000)).toBe(1998);
  });

  it('stops at a lexical error and leaves it to the parser', () => {
    expect(nestingOf('{ a(b: [[ "unterminated', 100)).toBe(4);
  });
});

/** The parse function the plugin sets, wrapping graphql's own. */
function limitedParse(): (source: string) => DocumentNode {
  let parseFn: (source: string) => DocumentNode = (source) => parse(source);
  const plugin = useNestingLimit({ maxNesting: 40, maxTokens: 2000, code: 'QUERY_TOO_COMPLEX' });
  (plugin.onParse as (payload: unknown) => void)({ parseFn,
    setParseFn: (fn: typeof parseFn) => { parseFn = fn; } });
  return parseFn;
}

describe('useNestingLimit', () => {
  it('refuses a list literal 20 000 brackets deep before parsing it', () => {
    expect(() => limitedParse()(deepList(20_000))).toThrow(/Nesting limit of 40 exceeded/);
    try {
      limitedParse()(`${'{ a '.repeat(5000)}${'}'.repeat(5000)}`);
      expect.unreachable();
    } catch (error) {
      expect((error as { extensions: { code: string } }).extensions.code)
        .toBe('QUERY_TOO_COMPLEX');
    }
  });

  it('hands a shallow document to the parser it wraps', () => {
    // A brace and a parenthesis come before the brackets.
    const document = limitedParse()(deepList(38));
    expect(document.definitions).toHaveLength(1);
    expect(() => limitedParse()(deepList(39))).toThrow(/Nesting limit/);
  });
});
