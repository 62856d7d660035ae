// Generates the `where` and `sort` inputs of an asset type from its SDL type (DESIGN.md section 3), so that
// every scalar field of `type Trail` is filterable with the operators its type allows, and none is forgotten.
import {
  GraphQLError,
  Kind,
  getNamedType,
  print,
  type ASTNode,
  type ASTVisitor,
  type FieldDefinitionNode,
  type ObjectTypeDefinitionNode,
  type TypeNode,
  type ValidationContext,
  type VariableDefinitionNode,
} from 'graphql';
import { filterKey, OPERATORS_BY_KIND, type ColumnKind, type FilterColumn, type FilterOperator } from '../store/where.js';

/** GraphQL scalars that can be filtered, and the kind of comparison each allows. */
const FILTERABLE_SCALARS: Readonly<Record<string, ColumnKind>> = {
  ID: 'string',
  String: 'string',
  DateTime: 'datetime',
  Int: 'integer',
  Boolean: 'boolean',
};

const OPERATOR_HELP: Readonly<Record<FilterOperator, string>> = {
  EQ: 'equals',
  NOT: 'does not equal (unknown values included)',
  IN: 'equals one of',
  NOT_IN: 'equals none of (unknown values included)',
  CONTAINS: 'contains (case-sensitive)',
  NOT_CONTAINS: 'does not contain (unknown values included)',
  STARTS_WITH: 'starts with (case-sensitive)',
  ENDS_WITH: 'ends with (case-sensitive)',
  LT: 'is less than',
  LTE: 'is at most',
  GT: 'is greater than',
  GTE: 'is at least',
};

/** The suffix that names a generated filter input type. */
export const WHERE_SUFFIX = 'Where';

/** The filterable scalar fields of an SDL object type, checked against the store's columns. */
export function filterableFields(
  type: ObjectTypeDefinitionNode,
  columns: ReadonlyMap<string, FilterColumn>,
): { name: string; scalar: string; kind: ColumnKind; description: string }[] {
  return (type.fields ?? []).flatMap((field: FieldDefinitionNode) => {
    // A field that takes arguments (e.g. history(limit)) is computed per query, not a stored value to filter on.
    if (field.arguments?.length) return [];
    const scalar = scalarName(field.type);
    if (!scalar || !(scalar in FILTERABLE_SCALARS)) return [];
    const column = columns.get(field.name.value);
    if (!column) {
      throw new Error(`schema: ${type.name.value}.${field.name.value} has no store column; add it to the store's column list`);
    }
    if (field.name.value.includes('_')) {
      throw new Error(`schema: ${type.name.value}.${field.name.value}: filterable field names must not contain "_"`);
    }
    return [{ name: field.name.value, scalar, kind: FILTERABLE_SCALARS[scalar]!, description: field.description?.value ?? '' }];
  });
}

/** SDL for `input <Type>Where` and `input <Type>Sort`. */
export function filterInputsSdl(type: ObjectTypeDefinitionNode, columns: ReadonlyMap<string, FilterColumn>): string {
  const typeName = type.name.value;
  const where = `${typeName}${WHERE_SUFFIX}`;
  const fields = filterableFields(type, columns);
  const whereLines = fields.flatMap(({ name, scalar, kind }) =>
    OPERATORS_BY_KIND[kind].map((op) => {
      const inputType = op === 'IN' || op === 'NOT_IN' ? `[${scalar === 'ID' ? 'ID' : scalar}!]` : scalar;
      return `  "${name} ${OPERATOR_HELP[op]}"\n  ${filterKey(name, op)}: ${inputType}`;
    }),
  );
  const sortLines = fields.map(({ name }) => `  ${name}: SortDirection`);
  return [
    `"Filters ${typeName}s: every field listed must hold. \`field: value\` is equality; null is not a value, \`{}\` is no constraint."`,
    `input ${where} {`,
    `  "Every filter in the list holds."`,
    `  AND: [${where}!]`,
    `  "At least one filter in the list holds."`,
    `  OR: [${where}!]`,
    `  "The filter does not hold."`,
    `  NOT: ${where}`,
    ...whereLines,
    '}',
    '',
    `"Sorts ${typeName}s by one field: give exactly one field per entry, e.g. {name: ASC}."`,
    `input ${typeName}Sort {`,
    ...sortLines,
    '}',
  ].join('\n');
}

function scalarName(type: TypeNode): string | undefined {
  if (type.kind === Kind.NON_NULL_TYPE) return scalarName(type.type);
  if (type.kind === Kind.LIST_TYPE) return undefined;
  return type.name.value;
}

/**
 * `kmsKeyID: null` inside a filter, or `where: null`, is a validation error, never "no constraint" (the trap DESIGN.md
 * section 3 warns about): with it, `eq []` would pass falsely. For the same reason a variable inside a filter must be
 * declared non-null (or have a default), and a variable for the whole `where` must be non-null: a nullable variable
 * the request leaves out silently removes its filter. Variables that carry null at run time are refused by the
 * where compiler.
 */
export function noNullInFilters(context: ValidationContext): ASTVisitor {
  const declared = new Map<string, VariableDefinitionNode[]>();
  const refuseNullableVariable = (where: string, name: string, node: ASTNode, why: string) => {
    for (const definition of declared.get(name) ?? []) {
      if (definition.type.kind === Kind.NON_NULL_TYPE) continue;
      context.reportError(
        new GraphQLError(`${where}: $${name} is declared ${print(definition.type)}, so ${why}; declare it ${print(definition.type)}!`, { nodes: [node, definition] }),
      );
    }
  };
  return {
    Document(document) {
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        for (const variable of definition.variableDefinitions ?? []) {
          declared.set(variable.variable.name.value, [...(declared.get(variable.variable.name.value) ?? []), variable]);
        }
      }
    },
    Argument(node) {
      const argument = context.getArgument();
      if (!argument || !getNamedType(argument.type).name.endsWith(WHERE_SUFFIX)) return;
      const where = `${context.getParentType()?.name ?? ''}.${context.getFieldDef()?.name ?? ''}(${node.name.value})`;
      if (node.value.kind === Kind.NULL) {
        context.reportError(new GraphQLError(`${where}: null is not a filter; use {} for no constraint.`, { nodes: node }));
      }
      // Even with a default: a request may still send null explicitly, and that would drop the whole filter.
      if (node.value.kind === Kind.VARIABLE) refuseNullableVariable(where, node.value.name.value, node, 'a null or missing value would silently drop the whole filter');
    },
    ObjectField(node) {
      const parent = getNamedType(context.getParentInputType());
      if (!parent || !parent.name.endsWith(WHERE_SUFFIX)) return;
      const where = `${parent.name}.${node.name.value}`;
      if (node.value.kind === Kind.NULL) {
        context.reportError(
          new GraphQLError(`${where}: null is not a filter value; use "" for an empty string, or leave the field out for no constraint.`, { nodes: node }),
        );
      }
      // A default covers a missing value here; an explicit null still reaches the where compiler, which refuses it.
      const name = node.value.kind === Kind.VARIABLE ? node.value.name.value : undefined;
      if (name && !(declared.get(name) ?? []).every((d) => d.defaultValue)) {
        refuseNullableVariable(where, name, node, 'leaving it out would silently drop this filter');
      }
    },
  };
}
