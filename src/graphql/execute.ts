// Runs a GraphQL document against the inventory in-process: what stored checks use, with the same rules as HTTP.
import { execute, parse, specifiedRules, validate, type ExecutionResult, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { InventoryStore } from '../store/store.js';
import { noNullInFilters } from './filters.js';
import { normalizeFilterSyntax, operatorObjectsExplained } from './filter-syntax.js';
import { pageLimits } from './pages.js';
import { loadStoredFragments, withStoredFragments, type StoredFragments } from './fragments.js';
import { createContext, type ContextOptions } from './context.js';
import { buildSchema } from './schema.js';

/** The schema, the stored fragments and the extra validation rules: built once, shared by the server and the control engine. */
export interface InventoryApi {
  schema: GraphQLSchema;
  fragments: StoredFragments;
  validationRules: ValidationRule[];
}

export interface InventoryApiOptions {
  /** The largest page a request may ask for, with `options.limit` or `first` (default MAX_PAGE_SIZE, 10,000). */
  maxPageSize?: number;
}

export function createInventoryApi(options: InventoryApiOptions = {}): InventoryApi {
  return { schema: buildSchema(pageLimits(options.maxPageSize)), fragments: loadStoredFragments(), validationRules: [noNullInFilters, operatorObjectsExplained] };
}

/**
 * Parses, appends missing stored fragments, validates and executes. Syntax and validation problems come back as errors,
 * not throws. Mutations are refused (FORBIDDEN) unless `context.caller` explicitly allows them.
 */
export async function runQuery(
  api: InventoryApi,
  store: InventoryStore,
  source: string,
  variables?: Record<string, unknown>,
  context: ContextOptions = {},
): Promise<ExecutionResult> {
  let parsed;
  try {
    parsed = withStoredFragments(parse(source), api.fragments);
  } catch (error) {
    return { errors: [error as never] };
  }
  // Both filter syntaxes (README, Querying): operator objects become the schema's suffixes before validation.
  const normalized = normalizeFilterSyntax(api.schema, parsed, variables);
  const errors = validate(api.schema, normalized.document, [...specifiedRules, ...api.validationRules]);
  if (errors.length > 0) return { errors };
  return execute({ schema: api.schema, document: normalized.document, contextValue: createContext(store, context), variableValues: normalized.variables ?? null });
}
