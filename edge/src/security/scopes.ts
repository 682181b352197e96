/**
 * Scope checks per operation: each root field needs a scope (`story…` fields need `story`,
 * the image and segment fields `segment`; introspection needs none). A yoga plugin reads the
 * key the request was let in with from the server context and refuses, with `FORBIDDEN`, an
 * operation that asks for a root field outside the key's scopes.
 */
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { KeyRecord, Scope } from './api-keys';

/** Root fields that reach stories; `node`/`nodes` too, while Story is the only Node type. */
const STORY_FIELDS: ReadonlySet<string> = new Set(['node', 'nodes']);

/** The scope a root field needs, or `null` for introspection. */
export function scopeOfField(name: string): Scope | null {
  if (name.startsWith('__')) return null;
  return /stor(y|ies)/i.test(name) || STORY_FIELDS.has(name) ? 'story' : 'segment';
}

function operation(document: DocumentNode, name?: string | null): OperationDefinitionNode | null {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode =>
    d.kind === Kind.OPERATION_DEFINITION);
  return (name ? ops.find((o) => o.name?.value === name) : ops[0]) ?? null;
}

/** Scopes the operation needs but the key lacks (root fields only; fragments included). */
export function missingScopes(
  document: DocumentNode,
  operationName: string | null | undefined,
  key: KeyRecord,
): Scope[] {
  const op = operation(document, operationName);
  if (!op) return [];
  const fragments = new Map(document.definitions
    .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
    .map((d) => [d.name.value, d]));
  const needed = new Set<Scope>();
  const visit = (selections: OperationDefinitionNode['selectionSet']['selections'],
    seen: Set<string>) => {
    for (const s of selections) {
      if (s.kind === Kind.FIELD) {
        const scope = scopeOfField(s.name.value);
        if (scope) needed.add(scope);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        visit(s.selectionSet.selections, seen);
      } else if (!seen.has(s.name.value)) {
        const fragment = fragments.get(s.name.value);
        if (fragment) visit(fragment.selectionSet.selections, new Set([...seen, s.name.value]));
      }
    }
  };
  visit(op.selectionSet.selections, new Set());
  return [...needed].filter((scope) => !key.scopes.includes(scope));
}

interface WithKey {
  auth?: KeyRecord | null;
}

function refusal(missing: Scope[], key: KeyRecord): GraphQLError {
  return new GraphQLError(`This key (${key.id}) lacks the scope ${missing.join(' and ')} `
    + `that the operation needs; create a key with --scopes ${[...key.scopes, ...missing]
      .join(',')} or leave those fields out.`, { extensions: { code: 'FORBIDDEN' } });
}

/** A yoga plugin that refuses operations outside the request key's scopes. */
export function useScopes(): Plugin {
  const check = (args: { document: DocumentNode; operationName?: string | null;
    contextValue: unknown }, stop: (result: { errors: GraphQLError[] }) => void) => {
    const key = (args.contextValue as WithKey).auth;
    if (!key) return;
    const missing = missingScopes(args.document, args.operationName, key);
    if (missing.length > 0) stop({ errors: [refusal(missing, key)] });
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
  };
}
