import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  buildSchema, Kind, Lexer, parse, Source, specifiedRules, TokenKind, validate,
  type OperationDefinitionNode, type ValidationRule,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_TABS, graphiqlOptions } from './graphiql';
import { DEFAULT_GRAPHQL_LIMITS } from './security/graphql-limits';

// The committed SDL; schema/src/schema.test.ts keeps it equal to the Pothos schema.
const schema = buildSchema(readFileSync(fileURLToPath(
  new URL('../../schema/schema.graphql', import.meta.url)), 'utf8'));

const operations = EXAMPLE_TABS.flatMap((tab) => parse(tab.query).definitions
  .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
  .map((operation) => ({ tab, operation })));

function tokens(source: string): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

describe('GraphiQL examples', () => {
  it('are the tabs GraphiQL opens with', () => {
    expect(graphiqlOptions.defaultTabs?.map((t) => t.query))
      .toEqual(EXAMPLE_TABS.map((t) => t.query));
  });

  it('validate against the schema, tab by tab', () => {
    for (const tab of EXAMPLE_TABS) {
      const errors = validate(schema, parse(tab.query)).map((e) => e.message);
      expect(errors).toEqual([]);
    }
  });

  it('name every operation, once', () => {
    const names = operations.map(({ operation }) => operation.name?.value);
    expect(names.every((n) => typeof n === 'string')).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it('show every query, mutation and subscription field', () => {
    const used = new Set(operations.flatMap(({ operation }) => operation.selectionSet.selections
      .flatMap((s) => (s.kind === Kind.FIELD ? [`${operation.operation}.${s.name.value}`] : []))));
    const roots = [['query', schema.getQueryType()], ['mutation', schema.getMutationType()],
      ['subscription', schema.getSubscriptionType()]] as const;
    const all = roots.flatMap(([kind, type]) =>
      Object.keys(type?.getFields() ?? {}).map((field) => `${kind}.${field}`));
    expect(all.length).toBeGreaterThanOrEqual(11);
    expect(all.filter((field) => !used.has(field))).toEqual([]);
  });

  it('give every variable an operation declares a value in its tab', () => {
    for (const { tab, operation } of operations) {
      const values = JSON.parse(tab.variables) as Record<string, unknown>;
      for (const definition of operation.variableDefinitions ?? []) {
        expect(values, `${operation.name?.value} $${definition.variable.name.value}`)
          .toHaveProperty(definition.variable.name.value);
      }
    }
  });

  it('stay within the edge\'s limits on tokens, depth, aliases and cost', () => {
    const limits = DEFAULT_GRAPHQL_LIMITS;
    const rules = [
      maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true }),
      maxAliasesRule({ n: limits.maxAliases }),
      costLimitRule({ maxCost: limits.maxCost, ignoreIntrospection: true }),
    ] as unknown as ValidationRule[];
    for (const tab of EXAMPLE_TABS) {
      expect(tokens(tab.query)).toBeLessThanOrEqual(limits.maxTokens);
      for (const { operation } of operations.filter((o) => o.tab === tab)) {
        const alone = parse(tab.query).definitions.filter((d) => d.kind
          === Kind.OPERATION_DEFINITION && d.name?.value === operation.name?.value);
        const errors = validate(schema, { kind: Kind.DOCUMENT, definitions: alone },
          [...specifiedRules, ...rules]).map((e) => e.message);
        expect(errors, operation.name?.value).toEqual([]);
      }
    }
  });
});
