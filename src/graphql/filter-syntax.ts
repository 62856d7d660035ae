// Two filter syntaxes in one document (README, Querying: "Two filter syntaxes"): the schema declares the suffix syntax
// (`kmsKeyID: ""`, `kmsKeyID_IN: [...]`, `trails_SOME: {}`), and the operator objects of later Neo4j GraphQL versions
// (`kmsKeyID: {eq: ""}`, `trails: {some: {}}`) are rewritten into it before validation, in the document and in the
// variables, guided by the schema's Where inputs. A document without operator objects is returned as it came.
import {
  getNamedType,
  GraphQLError,
  isInputObjectType,
  isListType,
  getNullableType,
  Kind,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  type ObjectFieldNode,
  type ObjectValueNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';
import { WHERE_SUFFIX } from './filters.js';

/** Each operator of an operator object, and the suffix it is written with in the schema's syntax. */
export const OPERATOR_SUFFIXES: Readonly<Record<string, string>> = {
  eq: '',
  in: '_IN',
  contains: '_CONTAINS',
  startsWith: '_STARTS_WITH',
  endsWith: '_ENDS_WITH',
  lt: '_LT',
  lte: '_LTE',
  gt: '_GT',
  gte: '_GTE',
  matches: '_MATCHES',
  includes: '_INCLUDES',
  // Relations and lists of objects.
  some: '_SOME',
  none: '_NONE',
  all: '_ALL',
  single: '_SINGLE',
};

/** The operators `{NOT: {...}}` inside an operator object has a suffix of its own for; the others become `NOT: {field_OP}`. */
const NEGATED_SUFFIXES: Readonly<Record<string, string>> = { eq: '_NOT', in: '_NOT_IN', contains: '_NOT_CONTAINS', includes: '_NOT_INCLUDES' };

const isWhere = (type: GraphQLInputObjectType): boolean => type.name.endsWith(WHERE_SUFFIX);

/** One filter of a Where object, in the schema's syntax: a field to set there, or a filter object to AND with it. */
type Rewritten<V> = { key: string; value: V } | { and: V };

/** How the rewrite reads and writes values: AST nodes for a document, JSON for variables. */
interface Values<V> {
  entries(value: V): readonly (readonly [string, V])[] | undefined;
  isEmptyList(value: V): boolean;
  object(entries: readonly (readonly [string, V])[]): V;
}

/**
 * How an operator object on `field` of `where` is written in suffixes, or undefined when it is not one the schema has
 * (the validation rule operatorObjectsExplained then says what is wrong). Generic over AST nodes and JSON values.
 */
function rewriteOperators<V>(where: GraphQLInputObjectType, field: string, operators: readonly (readonly [string, V])[], read: Values<V>): Rewritten<V>[] | undefined {
  const fields = where.getFields();
  // A field the schema has as an input object (a single related row, an object in JSON) takes a filter, not operators.
  const own = fields[field];
  if (own && isInputObjectType(getNamedType(own.type))) return undefined;
  const out: Rewritten<V>[] = [];
  for (const [operator, value] of operators) {
    if (operator === 'NOT') {
      const negated = read.entries(value);
      if (!negated) return undefined;
      for (const [inner, innerValue] of negated) {
        const suffix = NEGATED_SUFFIXES[inner];
        if (suffix !== undefined && `${field}${suffix}` in fields) {
          out.push({ key: `${field}${suffix}`, value: innerValue });
          continue;
        }
        // No suffix of its own (NOT startsWith): `{NOT: {field_STARTS_WITH: value}}`, ANDed with the rest.
        const plain = rewriteOperators(where, field, [[inner, innerValue]], read);
        const only = plain?.length === 1 ? plain[0] : undefined;
        if (!only || !('key' in only)) return undefined;
        out.push({ and: read.object([['NOT', read.object([[only.key, only.value]])]]) });
      }
      continue;
    }
    // `conditions: {eq: []}`: a list of objects that is empty, which the schema writes `conditions_NONE: {}`.
    if (operator === 'eq' && read.isEmptyList(value) && `${field}_NONE` in fields) {
      out.push({ key: `${field}_NONE`, value: read.object([]) });
      continue;
    }
    const suffix = OPERATOR_SUFFIXES[operator];
    if (suffix === undefined || !(`${field}${suffix}` in fields)) return undefined;
    out.push({ key: `${field}${suffix}`, value });
  }
  return out;
}

/**
 * The document with every operator object inside a filter argument, a variable's default value included, in the
 * schema's suffix syntax; the same document when it has none.
 */
export function normalizeFilterDocument(schema: GraphQLSchema, document: DocumentNode): DocumentNode {
  let changed = false;
  const typeInfo = new TypeInfo(schema);
  const rewrite = (value: ValueNode, type: GraphQLInputType | undefined): ValueNode => {
    const result = rewriteValueNode(value, type);
    if (result !== value) changed = true;
    return result;
  };
  const visitor: ASTVisitor = {
    Argument(node) {
      const value = rewrite(node.value, typeInfo.getArgument()?.type);
      return value === node.value ? undefined : { ...node, value };
    },
    VariableDefinition(node) {
      if (!node.defaultValue) return undefined;
      const type = typeFromAST(schema, node.type) as GraphQLInputType | undefined;
      const value = rewrite(node.defaultValue, type);
      return value === node.defaultValue ? undefined : { ...node, defaultValue: value as never };
    },
  };
  const result = visit(document, visitWithTypeInfo(typeInfo, visitor));
  return changed ? result : document;
}

/** A literal of `type` with its filters in suffixes (the same node when nothing changes). */
function rewriteValueNode(value: ValueNode, type: GraphQLInputType | undefined): ValueNode {
  if (!type) return value;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (value.kind !== Kind.LIST) return rewriteValueNode(value, nullable.ofType); // a single value given for a list
    const values = value.values.map((item) => rewriteValueNode(item, nullable.ofType));
    return values.every((item, i) => item === value.values[i]) ? value : { ...value, values };
  }
  if (!isInputObjectType(nullable) || value.kind !== Kind.OBJECT) return value;
  return isWhere(nullable) ? rewriteWhereNode(value, nullable) : rewriteInputNode(value, nullable);
}

function rewriteInputNode(value: ObjectValueNode, type: GraphQLInputObjectType): ObjectValueNode {
  const fields = type.getFields();
  let changed = false;
  const rewritten = value.fields.map((field) => {
    const inner = rewriteValueNode(field.value, fields[field.name.value]?.type);
    if (inner === field.value) return field;
    changed = true;
    return { ...field, value: inner };
  });
  return changed ? { ...value, fields: rewritten } : value;
}

const AST_VALUES: Values<ValueNode> = {
  entries: (value) => (value.kind === Kind.OBJECT ? value.fields.map((f) => [f.name.value, f.value] as const) : undefined),
  isEmptyList: (value) => value.kind === Kind.LIST && value.values.length === 0,
  object: (entries) => ({ kind: Kind.OBJECT, fields: entries.map(([key, value]) => astField(key, value)) }),
};

const astField = (key: string, value: ValueNode): ObjectFieldNode => ({ kind: Kind.OBJECT_FIELD, name: { kind: Kind.NAME, value: key }, value });

function rewriteWhereNode(value: ObjectValueNode, where: GraphQLInputObjectType): ObjectValueNode {
  const fields = where.getFields();
  let changed = false;
  const kept: ObjectFieldNode[] = [];
  const conjuncts: ObjectValueNode[] = [];
  for (const field of value.fields) {
    const name = field.name.value;
    const declared = fields[name];
    const namedType = declared ? getNamedType(declared.type) : undefined;
    if (field.value.kind === Kind.OBJECT && !(namedType && isInputObjectType(namedType))) {
      const operators = rewriteOperators(where, name, AST_VALUES.entries(field.value)!, AST_VALUES);
      if (operators) {
        changed = true;
        for (const item of operators) {
          // The values are filters in their turn (`trails: {some: {kmsKeyID: {eq: ""}}}`).
          if ('key' in item) kept.push(astField(item.key, rewriteValueNode(item.value, fields[item.key]?.type)));
          else conjuncts.push(rewriteWhereNode(item.and as ObjectValueNode, where));
        }
        continue;
      }
    }
    const inner = rewriteValueNode(field.value, declared?.type);
    if (inner !== field.value) changed = true;
    kept.push(inner === field.value ? field : { ...field, value: inner });
  }
  if (!changed) return value;
  // A key written twice (`kmsKeyID: {eq: "a"}` next to `kmsKeyID: "b"`, or two operators that became one) would be a
  // validation error in one object: each repeated key goes to an AND item of its own instead.
  const seen = new Set<string>();
  const unique: ObjectFieldNode[] = [];
  for (const field of kept) {
    if (seen.has(field.name.value)) {
      conjuncts.push({ kind: Kind.OBJECT, fields: [field] });
    } else {
      seen.add(field.name.value);
      unique.push(field);
    }
  }
  if (conjuncts.length === 0) return { ...value, fields: unique };
  return { ...value, fields: [astField('AND', { kind: Kind.LIST, values: [{ kind: Kind.OBJECT, fields: unique }, ...conjuncts] })] };
}

/** `variables` with the filters in them in suffixes, by the types the operation declares them with; the same object when unchanged. */
export function normalizeFilterVariables(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName?: string | null,
): Record<string, unknown> | undefined {
  if (!variables) return variables;
  let out = variables;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && definition.name?.value !== operationName) continue;
    for (const variable of definition.variableDefinitions ?? []) {
      const name = variable.variable.name.value;
      if (!(name in variables)) continue;
      const type = typeFromAST(schema, variable.type) as GraphQLInputType | undefined;
      const value = rewriteJson(variables[name], type);
      if (value !== variables[name]) {
        if (out === variables) out = { ...variables };
        out[name] = value;
      }
    }
  }
  return out;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

const JSON_VALUES: Values<unknown> = {
  entries: (value) => (isPlainObject(value) ? Object.entries(value) : undefined),
  isEmptyList: (value) => Array.isArray(value) && value.length === 0,
  object: (entries) => Object.fromEntries(entries),
};

function rewriteJson(value: unknown, type: GraphQLInputType | undefined): unknown {
  if (!type || value === null || value === undefined) return value;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return rewriteJson(value, nullable.ofType);
    const values = value.map((item) => rewriteJson(item, nullable.ofType));
    return values.every((item, i) => item === value[i]) ? value : values;
  }
  if (!isInputObjectType(nullable) || !isPlainObject(value)) return value;
  const fields = nullable.getFields();
  let changed = false;
  const out: Record<string, unknown> = {};
  const conjuncts: Record<string, unknown>[] = [];
  const put = (key: string, v: unknown): void => {
    if (key in out) conjuncts.push({ [key]: v });
    else out[key] = v;
  };
  for (const [key, inner] of Object.entries(value)) {
    const declared = fields[key];
    const namedType = declared ? getNamedType(declared.type) : undefined;
    if (isWhere(nullable) && isPlainObject(inner) && !(namedType && isInputObjectType(namedType))) {
      const operators = rewriteOperators(nullable, key, Object.entries(inner), JSON_VALUES);
      if (operators) {
        changed = true;
        for (const item of operators) {
          if ('key' in item) put(item.key, rewriteJson(item.value, fields[item.key]?.type));
          else conjuncts.push(rewriteJson(item.and, nullable) as Record<string, unknown>);
        }
        continue;
      }
    }
    const rewritten = rewriteJson(inner, declared?.type);
    if (rewritten !== inner) changed = true;
    put(key, rewritten);
  }
  if (!changed) return value;
  return conjuncts.length === 0 ? out : { AND: [out, ...conjuncts] };
}

/**
 * What validation would say of an operator object that is not rewritten ("String cannot represent a non string
 * value") does not say what to write: this names the operators the field takes, in both syntaxes.
 */
export function operatorObjectsExplained(context: ValidationContext): ASTVisitor {
  return {
    ObjectField(node) {
      const parent = getNamedType(context.getParentInputType());
      if (!parent || !isInputObjectType(parent) || !isWhere(parent) || node.value.kind !== Kind.OBJECT) return;
      const declared = parent.getFields()[node.name.value];
      if (declared && isInputObjectType(getNamedType(declared.type))) return;
      const field = node.name.value;
      const fields = parent.getFields();
      const taken = Object.entries(OPERATOR_SUFFIXES)
        .filter(([, suffix]) => `${field}${suffix}` in fields)
        .map(([operator]) => operator);
      if (taken.length === 0) return; // an unknown field: validation names it
      const given = node.value.fields.map((f) => f.name.value).filter((name) => name !== 'NOT' && !taken.includes(name));
      context.reportError(
        new GraphQLError(
          `${parent.name}.${field}: ${given.length > 0 ? `${given.map((g) => `"${g}"`).join(', ')} is not an operator of this field` : "this operator object cannot be written in the schema's syntax"}; it takes ${taken.join(', ')} (and NOT: {...} of them), or the same as suffixes: ${taken.map((t) => `${field}${OPERATOR_SUFFIXES[t]}`).join(', ')}.`,
          { nodes: node },
        ),
      );
    },
  };
}

/** The document and its variables in the schema's filter syntax (normalizeFilterDocument, normalizeFilterVariables). */
export function normalizeFilterSyntax(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables?: Record<string, unknown>,
  operationName?: string | null,
): { document: DocumentNode; variables: Record<string, unknown> | undefined } {
  const normalized = normalizeFilterDocument(schema, document);
  return { document: normalized, variables: normalizeFilterVariables(schema, normalized, variables, operationName) };
}
