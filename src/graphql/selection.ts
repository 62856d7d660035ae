// Which fields a query reads of the objects a resolver returns, so the store can fetch only those columns.
import {
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type NamedTypeNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The names of the fields selected on the objects a list or object field returns, through named and inline
 * fragments alike; with `path`, those of the objects under that path (e.g. ['edges', 'node'] of a connection).
 * A fragment whose type condition the objects cannot meet is left out (the stored AssetFragment's `... on Account`
 * names cloudAccountName, a subquery per row, which a trail must not pay for); other conditional selections
 * (@include, @skip, a condition on an abstract type) are counted as selected: reading a column too many is harmless,
 * missing one is not.
 */
export function selectedFields(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'> & Partial<Pick<GraphQLResolveInfo, 'schema' | 'returnType'>>,
  path: readonly string[] = [],
): string[] {
  const visited = new Set<string>();
  const schema = info.schema;
  /** Whether objects of `type` (unknown: undefined) can meet the type condition `condition`. */
  const applies = (condition: NamedTypeNode | undefined, type: GraphQLNamedType | undefined): boolean => {
    if (!condition || !schema || !type || !isObjectType(type)) return true;
    const conditionType = schema.getType(condition.name.value);
    if (!conditionType || conditionType === type) return true;
    return isAbstractType(conditionType) && schema.isSubType(conditionType, type);
  };
  // The fields of a selection set, through fragments; `visit` sees each field node once.
  const walk = (selectionSet: SelectionSetNode | undefined, type: GraphQLNamedType | undefined, visit: (field: FieldNode) => void): void => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) visit(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(selection.typeCondition, type)) walk(selection.selectionSet, type, visit);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = info.fragments[selection.name.value] as FragmentDefinitionNode | undefined;
        if (applies(fragment?.typeCondition, type)) walk(fragment?.selectionSet, type, visit);
      }
    }
  };
  // Down `path` (e.g. edges, node of a connection): every selection of those fields, however aliased or spread.
  let type: GraphQLNamedType | undefined = info.returnType ? getNamedType(info.returnType) : undefined;
  let level: SelectionSetNode[] = (info.fieldNodes as readonly FieldNode[]).flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    const next: SelectionSetNode[] = [];
    visited.clear();
    for (const selectionSet of level)
      walk(selectionSet, type, (field) => {
        if (field.name.value === name && field.selectionSet) next.push(field.selectionSet);
      });
    level = next;
    const parent: GraphQLNamedType | undefined = type;
    const fieldType: GraphQLOutputType | undefined = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name]?.type : undefined;
    type = fieldType ? getNamedType(fieldType) : undefined;
  }
  const names = new Set<string>();
  visited.clear();
  for (const selectionSet of level) walk(selectionSet, type, (field) => names.add(field.name.value));
  return [...names];
}
