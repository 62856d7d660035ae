// Limits on the size of `where` filters and on the nesting of a request (README, "Request limits"), checked before any
// SQL runs: the terms of a filter, how deep it nests, how long an `_IN` list is, and, before the document is even
// parsed, how deep its brackets and its variables' JSON nest (graphql-js parses and coerces recursively).
// A violation is a GraphQL error with HTTP status 400 that names the limit, its maximum and what the request holds.
import {
  GraphQLError,
  getNamedType,
  isInputObjectType,
  isListType,
  getNullableType,
  Kind,
  TypeInfo,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { FILTER_MAXIMA } from '../store/where.js';
import { WHERE_SUFFIX } from './filters.js';

export interface FilterLimits {
  /** The most terms in one `where`: each comparison (`name: "x"`, `name_IN: [...]`) and each empty filter `{}`. */
  maxFilterTerms: number;
  /** The most levels of one `where`: the filter itself is level 1; each AND/OR item, NOT and relation filter one more. */
  maxFilterDepth: number;
  /** The most values in one `_IN` or `_NOT_IN` list. */
  maxInValues: number;
}

/**
 * The shipped controls and the README's examples use at most 4 terms at depth 3. At 20 terms the costliest filter
 * measured on 100,000 trails (an OR of 20 `lastSeenAt` comparisons, each computed per trail) takes seconds, not minutes;
 * a list of 5,000 values is a single index search per value.
 */
export const DEFAULT_FILTER_LIMITS: FilterLimits = { maxFilterTerms: 20, maxFilterDepth: 8, maxInValues: 5_000 };

/** The most each filter limit may be set to: what the where compiler accepts from any caller. */
export const FILTER_LIMIT_MAXIMA: FilterLimits = { maxFilterTerms: FILTER_MAXIMA.terms, maxFilterDepth: FILTER_MAXIMA.depth, maxInValues: FILTER_MAXIMA.inValues };

/**
 * The most nested brackets (`{`, `[`, `(`) in a document, and the most nested arrays and objects in its variables:
 * far above what a query at the other limits needs (about 40), far below what exhausts graphql-js's stack (over 1,000).
 */
export const MAX_NESTING = 128;

export type FilterLimitName = keyof FilterLimits | 'maxNesting';

/** The filter limits among `limits` (any other keys ignored), defaults for those left out. */
export function filterLimitsOf(limits: Partial<Record<string, unknown>> = {}): FilterLimits {
  const pick = (key: keyof FilterLimits): number => {
    const value = limits[key];
    if (value === undefined) return DEFAULT_FILTER_LIMITS[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > FILTER_LIMIT_MAXIMA[key]) {
      throw new RangeError(`${key} must be a whole number from 1 to ${FILTER_LIMIT_MAXIMA[key]}, not ${String(value)}`);
    }
    return value;
  };
  return { maxFilterTerms: pick('maxFilterTerms'), maxFilterDepth: pick('maxFilterDepth'), maxInValues: pick('maxInValues') };
}

function limitError(name: FilterLimitName, maximum: number, observed: number, message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', limit: { name, maximum, observed }, http: { status: 400 } },
  });
}

/** How deep the brackets of a GraphQL document nest, strings and comments aside; one pass, no parse. */
export function documentNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '{' || c === '[' || c === '(') deepest = Math.max(deepest, ++depth);
    else if (c === '}' || c === ']' || c === ')') depth = Math.max(0, depth - 1);
    else if (c === '#') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i += 1;
    } else if (c === '"') {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        // A block string ends at the first """ not escaped as \"""; an unterminated one runs to the end.
        let close = end;
        while (close !== -1 && text[close - 1] === '\\') close = text.indexOf('"""', close + 3);
        i = close === -1 ? text.length : close + 2;
      } else {
        i += 1;
        while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      }
    }
  }
  return deepest;
}

/** How deep arrays and objects nest in a JSON value (a scalar is 0), without recursion. */
export function jsonNesting(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

/** The nesting errors of a request's text and variables: checked before it is parsed. */
export function nestingError(query: unknown, variables: unknown): GraphQLError | undefined {
  if (typeof query === 'string') {
    const observed = documentNesting(query);
    if (observed > MAX_NESTING) {
      return limitError('maxNesting', MAX_NESTING, observed, `the document nests ${observed} brackets deep; the maximum is ${MAX_NESTING} (maxNesting)`);
    }
  }
  const observed = jsonNesting(variables);
  // The variables object itself is one level.
  if (observed - 1 > MAX_NESTING) {
    return limitError('maxNesting', MAX_NESTING, observed - 1, `the variables nest ${observed - 1} levels deep; the maximum is ${MAX_NESTING} (maxNesting)`);
  }
  return undefined;
}

export interface FilterMeasure {
  terms: number;
  depth: number;
  /** The longest `_IN`/`_NOT_IN` list, and where it is (e.g. `OR[2].name_IN`). */
  longestList: { length: number; at: string };
}

const LOGICAL = new Set(['AND', 'OR']);

/**
 * Terms, depth and the longest list of a `where` value as sent (variables in place, before graphql-js coerces it), by
 * the where compiler's rules: a key whose value is an object is a relation filter, any other key a comparison.
 */
export function measureFilter(where: unknown): FilterMeasure {
  const measure: FilterMeasure = { terms: 0, depth: 0, longestList: { length: 0, at: '' } };
  const stack: [unknown, number, string][] = [[where, 1, '']];
  while (stack.length > 0) {
    const [node, depth, at] = stack.pop()!;
    if (node === null || typeof node !== 'object' || Array.isArray(node)) continue;
    measure.depth = Math.max(measure.depth, depth);
    const entries = Object.entries(node).filter(([, value]) => value !== undefined && value !== null);
    if (entries.length === 0) measure.terms += 1;
    for (const [key, value] of entries) {
      const path = at ? `${at}.${key}` : key;
      if (LOGICAL.has(key)) {
        // graphql-js takes a single filter where a list is expected as a list of one.
        const items: unknown[] = Array.isArray(value) ? value : [value];
        items.forEach((item, i) => stack.push([item, depth + 1, `${path}[${i}]`]));
      } else if (key === 'NOT' || (typeof value === 'object' && !Array.isArray(value))) {
        stack.push([value, depth + 1, path]);
      } else {
        measure.terms += 1;
        if (Array.isArray(value) && value.length > measure.longestList.length) measure.longestList = { length: value.length, at: path };
      }
    }
  }
  return measure;
}

/** The first limit a filter exceeds, as an error naming `where` (e.g. `trailsAggregate(where)`). */
export function filterLimitError(where: unknown, limits: FilterLimits, label: string): GraphQLError | undefined {
  const { terms, depth, longestList } = measureFilter(where);
  if (terms > limits.maxFilterTerms) {
    return limitError(
      'maxFilterTerms',
      limits.maxFilterTerms,
      terms,
      `${label} has ${terms} terms (comparisons and empty filters); the maximum is ${limits.maxFilterTerms} (maxFilterTerms): use a _IN list for alternatives of one field`,
    );
  }
  if (depth > limits.maxFilterDepth) {
    return limitError(
      'maxFilterDepth',
      limits.maxFilterDepth,
      depth,
      `${label} nests ${depth} levels deep (AND, OR, NOT and relation filters each add one); the maximum is ${limits.maxFilterDepth} (maxFilterDepth)`,
    );
  }
  if (longestList.length > limits.maxInValues) {
    return limitError(
      'maxInValues',
      limits.maxInValues,
      longestList.length,
      `${label}: ${longestList.at} lists ${longestList.length} values; the maximum is ${limits.maxInValues} (maxInValues)`,
    );
  }
  return undefined;
}

/**
 * The first filter of `operation` (and of the fragments it may spread) that exceeds a limit, with the request's
 * variables in place: every argument, or input field at any depth, whose type is a generated `...Where` input.
 */
export function operationFilterError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  limits: FilterLimits,
): GraphQLError | undefined {
  const typeInfo = new TypeInfo(schema);
  let found: GraphQLError | undefined;
  // A variable the request leaves out takes its default, which the document may make as large as any literal.
  const values: Record<string, unknown> = { ...variables };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (values[name] === undefined && definition.defaultValue) values[name] = valueFromASTUntyped(definition.defaultValue);
  }
  const inspect = (value: unknown, type: GraphQLInputType, label: string): void => {
    if (found || value === null || value === undefined) return;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      for (const item of Array.isArray(value) ? value : [value]) inspect(item, nullable.ofType, label);
      return;
    }
    const named = getNamedType(nullable);
    if (!isInputObjectType(named) || typeof value !== 'object') return;
    if (named.name.endsWith(WHERE_SUFFIX)) {
      found = filterLimitError(value, limits, label);
      return;
    }
    for (const [name, field] of Object.entries(named.getFields())) inspect((value as Record<string, unknown>)[name], field.type, `${label}.${name}`);
  };
  const visitor = visitWithTypeInfo(typeInfo, {
    OperationDefinition: (node) => (node === operation ? undefined : false),
    Argument(node) {
      const argument = typeInfo.getArgument();
      const field = typeInfo.getFieldDef();
      if (!argument || found) return false;
      inspect(valueFromASTUntyped(node.value, values), argument.type, `${field?.name ?? '?'}(${node.name.value})`);
      return false;
    },
  });
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION) continue;
    visit(definition, visitor);
    if (found) return found;
  }
  return undefined;
}
