// Which fields a query reads of the objects a resolver returns, so the store can fetch only those columns.
import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The names of the fields selected on the objects a list or object field returns, through named and inline
 * fragments alike; with `path`, those of the objects under that path (e.g. ['edges', 'node'] of a connection).
 * Conditional selections (@include, @skip, type conditions) are counted as selected: reading a column too many is
 * harmless, missing one is not.
 */
export function selectedFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: readonly string[] = []): string[] {
  const visited = new Set<string>();
  // The fields of a selection set, through fragments; `visit` sees each field node once.
  const walk = (selectionSet: SelectionSetNode | undefined, visit: (field: FieldNode) => void): void => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) visit(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, visit);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        walk((info.fragments[selection.name.value] as FragmentDefinitionNode | undefined)?.selectionSet, visit);
      }
    }
  };
  // Down `path` (e.g. edges, node of a connection): every selection of those fields, however aliased or spread.
  let level: SelectionSetNode[] = (info.fieldNodes as readonly FieldNode[]).flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    const next: SelectionSetNode[] = [];
    visited.clear();
    for (const selectionSet of level)
      walk(selectionSet, (field) => {
        if (field.name.value === name && field.selectionSet) next.push(field.selectionSet);
      });
    level = next;
  }
  const names = new Set<string>();
  visited.clear();
  for (const selectionSet of level) walk(selectionSet, (field) => names.add(field.name.value));
  return [...names];
}
