/** Looks into a resolver's selection set, following fragments. */
import type { FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

function walk(
  set: SelectionSetNode | undefined,
  names: ReadonlySet<string>,
  fragments: Record<string, FragmentDefinitionNode>,
  seen: Set<string>,
): boolean {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === 'Field') {
      if (names.has(selection.name.value)) return true;
      if (walk(selection.selectionSet, names, fragments, seen)) return true;
    } else if (selection.kind === 'InlineFragment') {
      if (walk(selection.selectionSet, names, fragments, seen)) return true;
    } else {
      const name = selection.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      if (walk(fragments[name]?.selectionSet, names, fragments, seen)) return true;
    }
  }
  return false;
}

/**
 * Whether any field named in `names` is selected anywhere below the current field.
 *
 * @example
 * // subscription { segmentStream(...) { ... on SegmentDecoded { segment { mask { ... } } } } }
 * selectsAnyField(info, ['mask', 'bbox']) // → true
 */
export function selectsAnyField(info: GraphQLResolveInfo, names: readonly string[]): boolean {
  const wanted = new Set(names);
  const seen = new Set<string>();
  return info.fieldNodes.some((node) => walk(node.selectionSet, wanted, info.fragments, seen));
}
