// Request limits for the HTTP API, as graphql-js validation rules: depth, aliases and cost, each computed over the
// operation with its named fragments flattened (a spread adds no level), plus a token limit the parser applies.
// A violation is a validation error (HTTP 400) that names the limit, its value and what the request asked for.
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  SchemaMetaFieldDef,
  isInputObjectType,
  isEnumType,
  isAbstractType,
  type GraphQLNamedType,
  TypeMetaFieldDef,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, nestedListSize, pageLimitsOf, rowListSize, tagListSize, unlimitedListSize, type PageLimits } from '../graphql/pages.js';

export interface RequestLimits {
  /** The most nested fields on any path of an operation, leaves included; named fragments count flattened. */
  maxDepth: number;
  /** The most aliased fields in an operation, fragments flattened. */
  maxAliases: number;
  /** The most lexical tokens in a document (graphql-js stops parsing past it). */
  maxTokens: number;
  /**
   * The most objects an operation may return, a true upper bound: every field of object type counts once per object
   * it may return, times the bound of every list above it. A list counts by its `limit` or `first` argument (or
   * `options.limit`); without one, by what the resolvers return at most (src/graphql/pages.ts): a top-level list a
   * whole page (the maximum page size), a nested list its default page (100, tags 50), a list held in an asset's row
   * the quota its type declares (AssetTypeDefinition.rowLists), once per asset. The lists of introspection count by the
   * schema's real sizes. Scalars are free.
   */
  maxCost: number;
}

/**
 * Generous enough for real dashboards and for GraphiQL's introspection query (depth 15, cost about 10,000 on this
 * schema): the seed query, a page of 10,000 trails with `...AssetFragment` (each with at most 50 tags), costs 510,000;
 * a second one in the same request is refused, as is `{ accounts { trails { id } } }` (10,000 × 101).
 */
export const DEFAULT_LIMITS: RequestLimits = {
  maxDepth: 20,
  maxAliases: 100,
  maxTokens: 10_000,
  maxCost: 1_000_000,
};

/** What a list whose size comes from a variable counts for at validation, before the value is known; checked again with it. */
const PENDING_LIST_SIZE = 1;

/** The extension every limit error carries, so that clients can tell which limit without reading the message. */
export interface LimitExtension {
  name: 'maxDepth' | 'maxAliases' | 'maxTokens' | 'maxCost';
  maximum: number;
  observed: number;
}

export function limitError(limit: LimitExtension, message: string, nodes?: readonly FieldNode[] | OperationDefinitionNode): GraphQLError {
  return new GraphQLError(message, { ...(nodes ? { nodes } : {}), extensions: { limit } });
}

/** The validation rules that enforce `limits` (the token limit is a parse option: see `parseOptions`). */
export function requestLimitRules(limits: RequestLimits): ValidationRule[] {
  return [depthAndAliasesRule(limits), costRule(limits)];
}

// ---------------------------------------------------------------------------------------------------------------------
// Depth and aliases

interface ShapeMeasure {
  depth: number;
  aliases: number;
}

function depthAndAliasesRule(limits: RequestLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragmentMemo = new Map<string, ShapeMeasure>();
    return {
      OperationDefinition(operation) {
        const measure = measureShape(operation.selectionSet, context, fragmentMemo, new Set());
        const name = operationLabel(operation);
        if (measure.depth > limits.maxDepth) {
          context.reportError(
            limitError(
              { name: 'maxDepth', maximum: limits.maxDepth, observed: measure.depth },
              `${name} is ${measure.depth} fields deep; the maximum depth is ${limits.maxDepth} (maxDepth; named fragments count as if written out)`,
              operation,
            ),
          );
        }
        if (measure.aliases > limits.maxAliases) {
          context.reportError(
            limitError(
              { name: 'maxAliases', maximum: limits.maxAliases, observed: measure.aliases },
              `${name} has ${measure.aliases} aliased fields; the maximum is ${limits.maxAliases} (maxAliases)`,
              operation,
            ),
          );
        }
        return false;
      },
    };
  };
}

function measureShape(selectionSet: SelectionSetNode, context: ValidationContext, memo: Map<string, ShapeMeasure>, onPath: Set<string>): ShapeMeasure {
  let depth = 0;
  let aliases = 0;
  for (const selection of selectionSet.selections) {
    let inner: ShapeMeasure;
    if (selection.kind === Kind.FIELD) {
      const below = selection.selectionSet ? measureShape(selection.selectionSet, context, memo, onPath) : { depth: 0, aliases: 0 };
      inner = { depth: below.depth + 1, aliases: below.aliases + (selection.alias ? 1 : 0) };
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = measureShape(selection.selectionSet, context, memo, onPath);
    } else {
      inner = fragmentMeasure(selection.name.value, context, memo, onPath, measureShape, { depth: 0, aliases: 0 });
    }
    depth = Math.max(depth, inner.depth);
    aliases += inner.aliases;
  }
  return { depth, aliases };
}

/** A named fragment's measure, computed once per document; a spread inside its own cycle counts as empty (NoFragmentCycles reports it). */
function fragmentMeasure<T>(
  name: string,
  context: ValidationContext,
  memo: Map<string, T>,
  onPath: Set<string>,
  measure: (set: SelectionSetNode, context: ValidationContext, memo: Map<string, T>, onPath: Set<string>, fragment: FragmentDefinitionNode) => T,
  empty: T,
): T {
  const known = memo.get(name);
  if (known !== undefined) return known;
  const fragment = context.getFragment(name);
  if (!fragment || onPath.has(name)) return empty;
  onPath.add(name);
  const result = measure(fragment.selectionSet, context, memo, onPath, fragment);
  onPath.delete(name);
  memo.set(name, result);
  return result;
}

function operationLabel(operation: OperationDefinitionNode): string {
  return operation.name ? `operation "${operation.name.value}"` : 'the operation';
}

// ---------------------------------------------------------------------------------------------------------------------
// Cost

/** Argument names whose value bounds a list field's length. */
const LIST_SIZE_ARGUMENTS = ['limit', 'first', 'last'];

/**
 * The sizes of the introspection lists of one schema, computed once: the number of types, and the average length of
 * each per-type list (so `__schema{types{fields{name}}}` costs what it returns), at least 1.
 */
const introspectionSizes = new WeakMap<GraphQLSchema, Record<string, number>>();

function introspectionListSizes(schema: GraphQLSchema): Record<string, number> {
  let sizes = introspectionSizes.get(schema);
  if (sizes) return sizes;
  const types = Object.values(schema.getTypeMap());
  const directives = schema.getDirectives();
  const average = (lengths: number[]) => Math.max(1, Math.ceil(lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length)));
  const withFields = (type: GraphQLNamedType) => (isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : []);
  const fields = types.flatMap(withFields);
  sizes = {
    '__Schema.types': Math.max(1, types.length),
    '__Schema.directives': Math.max(1, directives.length),
    '__Type.fields': average(types.map((type) => withFields(type).length)),
    '__Type.inputFields': average(types.map((type) => (isInputObjectType(type) ? Object.keys(type.getFields()).length : 0))),
    '__Type.enumValues': average(types.map((type) => (isEnumType(type) ? type.getValues().length : 0))),
    '__Type.interfaces': average(types.map((type) => (isObjectType(type) || isInterfaceType(type) ? type.getInterfaces().length : 0))),
    '__Type.possibleTypes': average(types.map((type) => (isAbstractType(type) ? schema.getPossibleTypes(type).length : 0))),
    '__Field.args': average(fields.map((field) => field.args.length)),
    '__Directive.args': average(directives.map((directive) => directive.args.length)),
  };
  introspectionSizes.set(schema, sizes);
  return sizes;
}

interface CostContext {
  schema: GraphQLSchema;
  limits: RequestLimits;
  /** The page sizes the schema's resolvers enforce. */
  pages: PageLimits;
  /** Values of the request's variables, when known (at execution); defaults of the declared variables otherwise. */
  variables: Record<string, unknown>;
  /** True at execution, when a variable left out is known to be absent (its list then returns its default size). */
  variablesKnown: boolean;
  fragment: (name: string) => FragmentDefinitionNode | undefined;
  memo: Map<string, { cost: number; rowLists: number }>;
  onPath: Set<string>;
  /** The largest single list multiplier seen, to name it in the message. */
  largest?: { field: string; size: number };
  /** Inside a connection: how many edges its `first` asks for. */
  edgesSize?: number;
  /**
   * The cost of the lists held in an asset's row met since the nearest enclosing field that is not one (the asset):
   * their quota is per asset, so they count once per asset, not once per enclosing item (a selector's data resources).
   */
  rowLists: number;
}

function costRule(limits: RequestLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const rootType = context.getSchema().getRootType(operation.operation);
      if (!rootType) return false;
      const costContext: CostContext = {
        schema: context.getSchema(),
        limits,
        pages: pageLimitsOf(context.getSchema()),
        variables: variableDefaults(operation),
        variablesKnown: false,
        fragment: (name) => context.getFragment(name) ?? undefined,
        memo: new Map(),
        onPath: new Set(),
        rowLists: 0,
      };
      const cost = selectionCost(operation.selectionSet, rootType, costContext);
      if (cost > limits.maxCost) context.reportError(costError(operation, cost, costContext));
      return false;
    },
  });
}

/** The cost of an operation with the request's variables; undefined when the document has no such operation. */
export function operationCost(
  schema: GraphQLSchema,
  limits: RequestLimits,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> | undefined,
): { cost: number; error?: GraphQLError } {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return { cost: 0 };
  const costContext: CostContext = {
    schema,
    limits,
    pages: pageLimitsOf(schema),
    variables: { ...variableDefaults(operation), ...(variables ?? {}) },
    variablesKnown: true,
    fragment: (name) => fragments.get(name),
    memo: new Map(),
    onPath: new Set(),
    rowLists: 0,
  };
  const cost = selectionCost(operation.selectionSet, rootType, costContext);
  return cost > limits.maxCost ? { cost, error: costError(operation, cost, costContext) } : { cost };
}

function costError(operation: OperationDefinitionNode, cost: number, context: CostContext): GraphQLError {
  const largest = context.largest ? `; its largest list is ${context.largest.field} at ${context.largest.size}` : '';
  const pageSize = context.pages.maxPageSize;
  return limitError(
    { name: 'maxCost', maximum: context.limits.maxCost, observed: cost },
    `${operationLabel(operation)} may return ${cost} objects; the maximum cost is ${context.limits.maxCost} (maxCost: each list ` +
      `counts by its limit or first argument, times the lists above it; without one, a top-level list by ${pageSize}, a nested ` +
      `one by ${nestedListSize(context.pages)} (tags ${tagListSize(context.pages)})${largest}); ` +
      'give the lists smaller limits (limit, options: {limit}, first) and page with offset or after',
    operation,
  );
}

function variableDefaults(operation: OperationDefinitionNode): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue?.kind === Kind.INT) defaults[definition.variable.name.value] = Number(definition.defaultValue.value);
  }
  return defaults;
}

function selectionCost(selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, context: CostContext): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      cost += fieldCost(selection, parentType, context);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? context.schema.getType(selection.typeCondition.name.value) : parentType;
      if (type && isCompositeType(type)) cost += selectionCost(selection.selectionSet, type, context);
    } else {
      const name = selection.name.value;
      // A fragment inside a connection's edges costs by that connection's page size.
      const memoKey = `${name}@${context.edgesSize ?? ''}`;
      const known = context.memo.get(memoKey);
      if (known !== undefined) {
        cost += known.cost;
        context.rowLists += known.rowLists;
        continue;
      }
      const fragment = context.fragment(name);
      if (!fragment || context.onPath.has(name)) continue;
      const type = context.schema.getType(fragment.typeCondition.name.value);
      if (!type || !isCompositeType(type)) continue;
      context.onPath.add(name);
      const rowListsBefore = context.rowLists;
      const fragmentCost = selectionCost(fragment.selectionSet, type, context);
      context.onPath.delete(name);
      context.memo.set(memoKey, { cost: fragmentCost, rowLists: context.rowLists - rowListsBefore });
      cost += fragmentCost;
    }
    if (cost > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  }
  return cost;
}

function fieldCost(node: FieldNode, parentType: GraphQLCompositeType, context: CostContext): number {
  const field = fieldDefinition(parentType, node.name.value, context.schema);
  if (!field) return 0;
  const type = getNullableType(field.type);
  const named = getNamedType(field.type);
  if (isLeafType(named) || !isCompositeType(named)) return 0;
  if (!isListType(type) && named.name.endsWith('Connection')) {
    // A connection costs its edges: as many as `first` asks for, or its default page.
    const outer = context.edgesSize;
    context.edgesSize = sizeArgument(node, field, context) ?? Math.min(DEFAULT_PAGE_SIZE, context.pages.maxPageSize);
    const connectionCost = node.selectionSet ? selectionCost(node.selectionSet, named, context) : 0;
    context.edgesSize = outer;
    return 1 + connectionCost;
  }
  const coordinate = `${parentType.name}.${field.name}`;
  const rowList = rowListSize(coordinate, context.pages) !== undefined;
  // Any other field's objects (an asset, or an object inside its row) count the row lists below them once each:
  // a row list's quota is per asset, across every item that encloses it.
  const rowListsOutside = context.rowLists;
  if (!rowList) context.rowLists = 0;
  let childCost = node.selectionSet ? selectionCost(node.selectionSet, named, context) : 0;
  if (!rowList) {
    childCost = Math.min(Number.MAX_SAFE_INTEGER, childCost + context.rowLists);
    context.rowLists = rowListsOutside;
  }
  if (!isListType(type)) return 1 + childCost;
  const size = listSize(node, field, coordinate, parentType === context.schema.getQueryType(), context);
  if (!context.largest || size > context.largest.size) context.largest = { field: `${node.name.value}`, size };
  const cost = Math.min(Number.MAX_SAFE_INTEGER, size * (1 + childCost));
  if (rowList) {
    // Counted once per object of the enclosing field that is not a row list (the asset), not per enclosing item.
    context.rowLists = Math.min(Number.MAX_SAFE_INTEGER, context.rowLists + cost);
    return 0;
  }
  return cost;
}

function fieldDefinition(parentType: GraphQLCompositeType, name: string, schema: GraphQLSchema): GraphQLField<unknown, unknown> | undefined {
  if (name === SchemaMetaFieldDef.name && parentType === schema.getQueryType()) return SchemaMetaFieldDef;
  if (name === TypeMetaFieldDef.name && parentType === schema.getQueryType()) return TypeMetaFieldDef;
  if (isObjectType(parentType) || isInterfaceType(parentType)) return parentType.getFields()[name];
  return undefined;
}

/**
 * How many items a list field may return: introspection lists by the schema's real sizes; else by its limit, first or
 * options.limit (given, or the argument's default); a connection's edges by its first; without any, by what its
 * resolver returns at most (unlimitedListSize: a whole page at the top, a nested list's default page, a row list's quota).
 */
function listSize(node: FieldNode, field: GraphQLField<unknown, unknown>, coordinate: string, atRoot: boolean, context: CostContext): number {
  const introspection = introspectionListSizes(context.schema)[coordinate];
  if (introspection !== undefined) return introspection;
  const asked = sizeArgument(node, field, context);
  if (asked !== undefined) return asked;
  if (coordinate.endsWith('Connection.edges') && context.edgesSize !== undefined) return context.edgesSize;
  return unlimitedListSize(coordinate, atRoot, context.pages);
}

/** The size a field's limit, first, last or options.limit asks for, given in the query or as the argument's default. */
function sizeArgument(node: FieldNode, field: GraphQLField<unknown, unknown>, context: CostContext): number | undefined {
  for (const argument of node.arguments ?? []) {
    const name = argument.name.value;
    // A size from a variable not known yet (validation) counts as a small list; the check is made again with its value.
    // At execution, a variable left out or null asks for no limit: the list's own bound applies.
    const pending = context.variablesKnown ? undefined : PENDING_LIST_SIZE;
    if (LIST_SIZE_ARGUMENTS.includes(name)) {
      const size = intValue(argument.value, context.variables);
      if (size !== undefined) return size;
      if (argument.value.kind === Kind.VARIABLE && pending !== undefined) return pending;
    }
    if (name === 'options' && argument.value.kind === Kind.OBJECT) {
      const limit = argument.value.fields.find((f) => f.name.value === 'limit');
      const size = limit && intValue(limit.value, context.variables);
      if (size !== undefined) return size;
      if (limit?.value.kind === Kind.VARIABLE && pending !== undefined) return pending;
    }
    if (name === 'options' && argument.value.kind === Kind.VARIABLE) {
      const options = context.variables[argument.value.name.value];
      if (options === undefined && pending !== undefined) return pending;
      const limit = options && typeof options === 'object' ? (options as { limit?: unknown }).limit : undefined;
      if (typeof limit === 'number' && Number.isFinite(limit)) return Math.max(0, limit);
    }
  }
  const given = new Set((node.arguments ?? []).map((argument) => argument.name.value));
  for (const argument of field.args) {
    if (LIST_SIZE_ARGUMENTS.includes(argument.name) && !given.has(argument.name) && typeof argument.defaultValue === 'number') return argument.defaultValue;
  }
  return undefined;
}

function intValue(value: ValueNode, variables: Record<string, unknown>): number | undefined {
  if (value.kind === Kind.INT) return Math.max(0, Number(value.value));
  if (value.kind === Kind.VARIABLE) {
    const given = variables[value.name.value];
    return typeof given === 'number' && Number.isFinite(given) ? Math.max(0, given) : undefined;
  }
  return undefined;
}
