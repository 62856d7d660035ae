// Generates the `where` and `sort` inputs of an asset type from its SDL type (README, Querying: filter conventions), so
// that every scalar field of `type Trail` is filterable with the operators its type allows, and none is forgotten.
import {
  GraphQLError,
  Kind,
  getNamedType,
  isInputObjectType,
  print,
  type ASTNode,
  type ASTVisitor,
  type FieldDefinitionNode,
  type InterfaceTypeDefinitionNode,
  type ObjectTypeDefinitionNode,
  type TypeNode,
  type ValidationContext,
  type VariableDefinitionNode,
} from 'graphql';
import type { JsonShape } from '../assets/definition.js';
import {
  filterKey,
  jsonForm,
  OPERATORS_BY_KIND,
  RELATION_OPERATORS,
  relationKey,
  type ColumnKind,
  type FilterColumn,
  type FilterOperator,
  type FilterRelation,
  type FilterSchema,
  type RelationOperator,
} from '../store/where.js';

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
  MATCHES: 'matches the regular expression as a whole (RE2 syntax, e.g. `(?i).*db.*`; linear time; README, Querying)',
  INCLUDES: 'holds the value',
  NOT_INCLUDES: 'does not hold the value (unknown lists included)',
};

/**
 * The second syntax, which the schema does not declare but every request may use (src/graphql/filter-syntax.ts rewrites
 * it into the suffixes before validation): said in each Where input's description, so GraphiQL shows it.
 */
const OPERATOR_OBJECT_HELP = [
  'Every field also takes an operator object, the syntax of later Neo4j GraphQL versions, and both may be mixed in one',
  'filter: `kmsKeyID: {eq: ""}` is `kmsKeyID: ""`; `{in: [...]}`, `{contains}`, `{startsWith}`, `{endsWith}`, `{lt}`,',
  '`{lte}`, `{gt}`, `{gte}`, `{matches}` and `{includes}` are `_IN`, `_CONTAINS`, ... `_INCLUDES`; `{NOT: {eq: ...}}` is',
  '`_NOT` (and so on); a list or relation takes `{some: {...}}`, `{none}`, `{all}`, `{single}` for `_SOME`, `_NONE`, `_ALL`,',
  '`_SINGLE`, and `{eq: []}` for "empty". The same in variables.',
].join(' ');

/** The suffix that names a generated filter input type. */
export const WHERE_SUFFIX = 'Where';

/** An SDL object type or interface whose inputs are generated. */
export type FilterableTypeNode = ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode;

/**
 * The filterable fields of an SDL object type or interface, checked against the store's columns: its scalar fields,
 * and its fields of the enum types named in `enumTypes` (filtered with the enum itself as the input type).
 */
export function filterableFields(
  type: FilterableTypeNode,
  columns: ReadonlyMap<string, FilterColumn>,
  enumTypes: ReadonlySet<string> = new Set(),
): { name: string; scalar: string; kind: ColumnKind; description: string }[] {
  return (type.fields ?? []).flatMap((field: FieldDefinitionNode) => {
    // A field that takes arguments (e.g. history(limit)) is computed per query, not a stored value to filter on.
    if (field.arguments?.length) return [];
    const scalar = scalarName(field.type);
    if (!scalar || !(scalar in FILTERABLE_SCALARS || enumTypes.has(scalar))) return [];
    const column = columns.get(field.name.value);
    if (!column) {
      throw new Error(`schema: ${type.name.value}.${field.name.value} has no store column; add it to the store's column list`);
    }
    // A JSON value is filtered inside, by its shape (jsonFilterLines).
    if (column.kind === 'json') return [];
    if (field.name.value.includes('_')) {
      throw new Error(`schema: ${type.name.value}.${field.name.value}: filterable field names must not contain "_"`);
    }
    const kind = FILTERABLE_SCALARS[scalar] ?? 'enum';
    if (column.kind !== kind) throw new Error(`schema: ${type.name.value}.${field.name.value} is ${scalar}, the store's column is of kind ${column.kind}`);
    return [{ name: field.name.value, scalar, kind, description: field.description?.value ?? '' }];
  });
}

/**
 * The relation fields of a type that a filter can follow: each field whose type is another type with generated
 * inputs (e.g. `tags: [Tag!]!`, `account: Account!`). The store must know how to follow it, and a list field must
 * be a 'many' relation (`_SOME`, `_NONE`), a single one a 'one' relation (the bare field).
 */
export function filterableRelations(
  type: FilterableTypeNode,
  schema: FilterSchema,
  filteredTypes: ReadonlySet<string>,
): { name: string; target: string; cardinality: FilterRelation['cardinality'] }[] {
  return (type.fields ?? []).flatMap((field: FieldDefinitionNode) => {
    // Page arguments (tags(limit, offset)) choose which items a query returns, not which exist: still a relation.
    if (field.arguments?.some((argument) => argument.name.value !== 'limit' && argument.name.value !== 'offset')) return [];
    const target = namedTypeName(field.type);
    if (!filteredTypes.has(target)) return [];
    const relation = schema.relations.get(field.name.value);
    if (!relation) {
      throw new Error(`schema: ${type.name.value}.${field.name.value} (${target}) has no store relation; add it to the store's filter schema`);
    }
    const cardinality = isList(field.type) ? 'many' : 'one';
    if (relation.cardinality !== cardinality) {
      throw new Error(
        `schema: ${type.name.value}.${field.name.value} is a ${cardinality === 'many' ? 'list' : 'single'} field, the store's relation is '${relation.cardinality}'`,
      );
    }
    if (field.name.value.includes('_')) {
      throw new Error(`schema: ${type.name.value}.${field.name.value}: filterable field names must not contain "_"`);
    }
    return [{ name: field.name.value, target, cardinality }];
  });
}

/** Column kinds whose values can be counted by (one group per value). */
const GROUPABLE_KINDS: ReadonlySet<ColumnKind> = new Set(['string', 'boolean']);

/** The suffix of the generated enum of fields a type's aggregate can count by. */
export const GROUP_FIELD_SUFFIX = 'GroupField';

export interface FilterInputsOptions {
  /** Types with generated Where inputs: a field of one of these types is a relation filter. */
  filteredTypes: ReadonlySet<string>;
  /** The enum types of the schema: a field of one of these types is filtered by its values. */
  enumTypes?: ReadonlySet<string>;
  /** Also generate `input <Type>Sort` (default true). */
  sort?: boolean;
  /** Also generate `enum <Type>GroupField` of the string and boolean fields (default false). */
  groupBy?: boolean;
  /** The object types of the schema, by name: those a JSON field holds get a Where input of their own. */
  objectTypes?: ReadonlyMap<string, FilterableTypeNode>;
  /** The Where inputs of the object types inside JSON fields, by name, as generated so far (shared by every type). */
  jsonInputs?: Map<string, string>;
}

const RELATION_HELP: Readonly<Record<RelationOperator, string>> = {
  EQ: 'matches the filter',
  SOME: 'at least one matches the filter ({} for any; null for none at all)',
  NONE: 'none matches the filter (true when there is none)',
  ALL: 'every one matches the filter (true when there is none)',
  SINGLE: 'exactly one matches the filter',
};

/** SDL for `input <Type>Where`, and as asked `input <Type>Sort` and `enum <Type>GroupField`. */
export function filterInputsSdl(type: FilterableTypeNode, schema: FilterSchema | ReadonlyMap<string, FilterColumn>, options?: FilterInputsOptions): string {
  const filterSchema: FilterSchema = schema instanceof Map ? { columns: schema, relations: new Map() } : (schema as FilterSchema);
  const typeName = type.name.value;
  const where = `${typeName}${WHERE_SUFFIX}`;
  const fields = filterableFields(type, filterSchema.columns, options?.enumTypes);
  const relations = filterableRelations(type, filterSchema, options?.filteredTypes ?? new Set());
  const whereLines = fields.flatMap(({ name, scalar, kind }) =>
    OPERATORS_BY_KIND[kind].map((op) => {
      const inputType = op === 'IN' || op === 'NOT_IN' ? `[${scalar === 'ID' ? 'ID' : scalar}!]` : scalar;
      return `  "${name} ${OPERATOR_HELP[op]}"\n  ${filterKey(name, op)}: ${inputType}`;
    }),
  );
  const relationLines = relations.flatMap(({ name, target, cardinality }) =>
    RELATION_OPERATORS[cardinality].map((op) => `  "${name}: ${RELATION_HELP[op]}"\n  ${relationKey(name, op)}: ${target}${WHERE_SUFFIX}`),
  );
  const json = {
    objectTypes: options?.objectTypes ?? new Map(),
    inputs: options?.jsonInputs ?? new Map<string, string>(),
    rowTypes: options?.filteredTypes ?? new Set(),
  };
  const jsonLines = (type.fields ?? []).flatMap((field) => {
    const column = filterSchema.columns.get(field.name.value);
    // Page arguments (limit, offset) choose which items a query returns, not which exist: still filtered inside.
    if (field.arguments?.some((argument) => argument.name.value !== 'limit' && argument.name.value !== 'offset')) return [];
    if (column?.kind !== 'json' || column.shape === undefined) return [];
    return jsonMemberLines(typeName, field, column.shape, json);
  });
  const sdl = [
    `"""Filters ${typeName}s: every field listed must hold. \`field: value\` is equality; null is not a value, \`{}\` is no constraint.\n${OPERATOR_OBJECT_HELP}"""`,
    `input ${where} {`,
    `  "Every filter in the list holds."`,
    `  AND: [${where}!]`,
    `  "At least one filter in the list holds."`,
    `  OR: [${where}!]`,
    `  "The filter does not hold."`,
    `  NOT: ${where}`,
    ...whereLines,
    ...relationLines,
    ...jsonLines,
    '}',
  ];
  if (options?.sort ?? true) {
    sdl.push(
      '',
      `"Sorts ${typeName}s by one field: give exactly one field per entry, e.g. {name: ASC}."`,
      `input ${typeName}Sort {`,
      ...fields.map(({ name }) => `  ${name}: SortDirection`),
      '}',
    );
  }
  if (options?.groupBy) {
    const groupable = fields.filter(({ kind }) => GROUPABLE_KINDS.has(kind));
    sdl.push(
      '',
      `"The ${typeName} fields that ${typeName}s can be counted by, one group per value."`,
      `enum ${typeName}${GROUP_FIELD_SUFFIX} {`,
      ...groupable.map(({ name }) => `  ${name}`),
      '}',
    );
  }
  return sdl.join('\n');
}

const JSON_HELP = {
  object: 'the filter holds for its value (every comparison inside an unknown, null, value is false, every negative one true)',
  SOME: 'at least one item matches the filter ({} for any item, null for an empty list; false when the list is unknown, null)',
  NONE: 'no item matches the filter ({} for an empty list; true when the list is unknown, null)',
  ALL: 'every item matches the filter (true for an empty list, and when the list is unknown, null)',
  SINGLE: 'exactly one item matches the filter (false when the list is unknown, null)',
} as const;

/** SDL scalars a shape's scalar kinds stand for. */
const JSON_SCALARS: Readonly<Record<string, ColumnKind>> = { ID: 'string', String: 'string', Boolean: 'boolean', Int: 'integer', Float: 'number' };

interface JsonInputs {
  objectTypes: ReadonlyMap<string, FilterableTypeNode>;
  inputs: Map<string, string>;
  /** Types read from rows of their own (the filtered types): a field of one inside a JSON object is resolved, not held. */
  rowTypes: ReadonlySet<string>;
}

/**
 * The filter lines of a field held in a JSON value (README, Querying: "Filters into JSON"), checked against the shape
 * the definition declares for it: a scalar's operators, `_INCLUDES` and `_NOT_INCLUDES` for a list of strings, the
 * field itself for an object and `_SOME` and `_NONE` for a list of objects, each over the Where input generated from
 * the object's SDL type (added to `json.inputs`).
 */
function jsonMemberLines(holder: string, field: FieldDefinitionNode, shape: JsonShape, json: JsonInputs): string[] {
  const name = field.name.value;
  const at = `${holder}.${name}`;
  if (name.includes('_')) throw new Error(`schema: ${at}: filterable field names must not contain "_"`);
  const form = jsonForm(shape, `schema: ${at}`);
  const list = isList(field.type);
  const named = namedTypeName(field.type);
  const mismatch = (): Error => new Error(`schema: ${at} is ${print(field.type)}, but its definition's shape is ${JSON.stringify(shape)}; make them agree`);
  switch (form.form) {
    case 'scalar': {
      if (list || JSON_SCALARS[named] !== form.kind) throw mismatch();
      return OPERATORS_BY_KIND[form.kind].map((op) => {
        const inputType = op === 'IN' || op === 'NOT_IN' ? `[${named}!]` : named;
        return `  "${name} ${OPERATOR_HELP[op]}"\n  ${filterKey(name, op)}: ${inputType}`;
      });
    }
    case 'strings':
      if (!list || isList(listItem(field.type)) || JSON_SCALARS[named] !== 'string') throw mismatch();
      return OPERATORS_BY_KIND.stringList.map((op) => `  "${name} ${OPERATOR_HELP[op]}"\n  ${filterKey(name, op)}: ${named}`);
    case 'object':
    case 'objects': {
      const objectType = json.objectTypes.get(named);
      if (!objectType || list !== (form.form === 'objects') || (list && isList(listItem(field.type)))) throw mismatch();
      jsonObjectInput(objectType, form.shape, json);
      const input = `${named}${WHERE_SUFFIX}`;
      if (form.form === 'object') return [`  "${name}: ${JSON_HELP.object}"\n  ${name}: ${input}`];
      return (['SOME', 'NONE', 'ALL', 'SINGLE'] as const).map((op) => `  "${name}: ${JSON_HELP[op]}"\n  ${relationKey(name, op)}: ${input}`);
    }
  }
}

/** `input <Object>Where` of an object type held in JSON values, once per type: the same wherever the type is held. */
function jsonObjectInput(type: FilterableTypeNode, shape: Readonly<Record<string, JsonShape>>, json: JsonInputs): void {
  const typeName = type.name.value;
  const where = `${typeName}${WHERE_SUFFIX}`;
  const fields = (type.fields ?? []).filter((field) => !field.arguments?.length && !json.rowTypes.has(namedTypeName(field.type)));
  for (const key of Object.keys(shape)) {
    if (!fields.some((field) => field.name.value === key)) throw new Error(`schema: the shape of ${typeName} names ${key}, which type ${typeName} does not have`);
  }
  const lines = fields.flatMap((field) => {
    const member = shape[field.name.value];
    if (member === undefined) throw new Error(`schema: ${typeName}.${field.name.value} is not in the shape its definition declares for ${typeName}; add it`);
    return jsonMemberLines(typeName, field, member, json);
  });
  const sdl = [
    `"""Filters the ${typeName} objects held in an asset's JSON field: every field listed must hold. \`field: value\` is equality; null is not a value, \`{}\` is no constraint.\n${OPERATOR_OBJECT_HELP}"""`,
    `input ${where} {`,
    `  "Every filter in the list holds."`,
    `  AND: [${where}!]`,
    `  "At least one filter in the list holds."`,
    `  OR: [${where}!]`,
    `  "The filter does not hold."`,
    `  NOT: ${where}`,
    ...lines,
    '}',
  ].join('\n');
  const earlier = json.inputs.get(where);
  if (earlier !== undefined && earlier !== sdl) throw new Error(`schema: ${typeName} is held in JSON values of different shapes; declare one shape for it`);
  json.inputs.set(where, sdl);
}

function listItem(type: TypeNode): TypeNode {
  if (type.kind === Kind.NON_NULL_TYPE) return listItem(type.type);
  return type.kind === Kind.LIST_TYPE ? type.type : type;
}

function namedTypeName(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeName(type.type);
}

function isList(type: TypeNode): boolean {
  if (type.kind === Kind.NON_NULL_TYPE) return isList(type.type);
  return type.kind === Kind.LIST_TYPE;
}

function scalarName(type: TypeNode): string | undefined {
  if (type.kind === Kind.NON_NULL_TYPE) return scalarName(type.type);
  if (type.kind === Kind.LIST_TYPE) return undefined;
  return type.name.value;
}

/**
 * `kmsKeyID: null` inside a filter, or `where: null`, is a validation error, never "no constraint" (README, Querying:
 * "`null` is not a filter value"): with it, `eq []` would pass falsely. For the same reason a variable inside a filter
 * must be declared non-null (or have a default), and a variable for the whole `where` must be non-null: a nullable
 * variable the request leaves out silently removes its filter. Variables that carry null at run time are refused by the
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
      if (!parent?.name.endsWith(WHERE_SUFFIX)) return;
      const where = `${parent.name}.${node.name.value}`;
      // `trails_SOME: null` reads "has none" (the where compiler's one null), as the field's stored checks write it.
      const noneAtAll = node.name.value.endsWith('_SOME') && isInputObjectType(getNamedType(context.getInputType()));
      if (node.value.kind === Kind.NULL && !noneAtAll) {
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
