// Which way a /graphql request goes when GraphQL runs in worker threads (README, "No request stops the server"):
// mutations and anything the planner cannot read run in-process on the writer connection; reads go to the pool, in one
// of two lanes. A cheap read has a lane of its own (a worker costly reads never take), so that it is never queued
// behind a costly one.
import { ASSET_TYPES } from '../assets/registry.js';
import {
  Kind,
  parse,
  visit,
  type ArgumentNode,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type ObjectFieldNode,
  type OperationDefinitionNode,
  type VariableNode,
} from 'graphql';
import type { InventoryApi } from '../graphql/execute.js';
import { NAMED_CHECKS } from '../graphql/named-checks.js';
import { missingStoredFragments } from '../graphql/fragments.js';
import { operationCost, type RequestLimits } from './limits.js';

export type Lane = 'cheap' | 'costly';

export type RequestRoute = { route: 'in-process' } | { route: 'pool'; lane: Lane };

/** The most objects a cheap read may return (its cost, README "Request limits"). */
export const CHEAP_COST = 1_000;

/**
 * Fields that read or compute over the whole inventory whatever their cost: counts, accounts (gathered from every
 * trail and scope), coverage (from every scope state), the named checks and the trails by their key's verdict. Arguments that make SQL scan or sort: filters, sorts, cursors
 * and offsets (rows skipped are rows read).
 */
const WHOLE_INVENTORY_FIELDS = new Set([
  ...ASSET_TYPES.map((type) => `${type.plural}Aggregate`),
  'count',
  'countBy',
  'totalCount',
  'accounts',
  'coverage',
  // A named check filters a whole list, and trailsByKeyUsability judges every trail that names a key, whatever their limit.
  ...NAMED_CHECKS.map((check) => check.name),
  'trailsByKeyUsability',
]);
const SCANNING_ARGUMENTS = new Set(['where', 'sort', 'after', 'offset']);

const IN_PROCESS: RequestRoute = { route: 'in-process' };

/** The GraphQL parameters of a request as Apollo reads them: the query string for GET, the JSON body for POST. */
function parametersOf(method: string, search: string, body: unknown): { query?: unknown; operationName?: unknown; variables?: unknown } | undefined {
  if (method === 'GET') {
    const params = new URLSearchParams(search);
    let variables: unknown;
    try {
      variables = params.has('variables') ? JSON.parse(params.get('variables')!) : undefined;
    } catch {
      return undefined;
    }
    return { query: params.get('query') ?? undefined, operationName: params.get('operationName') ?? undefined, variables };
  }
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/**
 * Where a request runs: in-process when it may write (a mutation) or cannot be planned (no query, a syntax error, no
 * such operation: Apollo answers those at once); else in the pool, cheap when its cost is at most CHEAP_COST and no
 * field filters, sorts, skips or reads the whole inventory.
 */
export function routeRequest(request: { method: string; search: string; body: unknown }, api: InventoryApi, limits: RequestLimits): RequestRoute {
  const params = parametersOf(request.method, request.search, request.body);
  if (!params || typeof params.query !== 'string') return IN_PROCESS;
  let document: DocumentNode;
  try {
    document = parse(params.query, { noLocation: true, maxTokens: limits.maxTokens });
  } catch {
    return IN_PROCESS;
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation =
    typeof params.operationName === 'string' ? operations.find((o) => o.name?.value === params.operationName) : operations.length === 1 ? operations[0] : undefined;
  if (operation?.operation !== 'query') return IN_PROCESS;
  return { route: 'pool', lane: isCheap(document, operation, params.variables, api, limits) ? 'cheap' : 'costly' };
}

function isCheap(document: DocumentNode, operation: OperationDefinitionNode, variables: unknown, api: InventoryApi, limits: RequestLimits): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>(
    [...document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION), ...missingStoredFragments(document, api.fragments)].map(
      (fragment) => [fragment.name.value, fragment],
    ),
  );
  let scans = false;
  const look: ASTVisitor = {
    Field(node: FieldNode) {
      if (WHOLE_INVENTORY_FIELDS.has(node.name.value)) scans = true;
    },
    Argument(node: ArgumentNode) {
      if (SCANNING_ARGUMENTS.has(node.name.value) && node.value.kind !== Kind.NULL) scans = true;
    },
    ObjectField(node: ObjectFieldNode) {
      // options: {sort: [...], offset: n}
      if (SCANNING_ARGUMENTS.has(node.name.value) && node.value.kind !== Kind.NULL) scans = true;
    },
    Variable(node: VariableNode) {
      // A variable's value may hold what the text does not: options: $options with a sort or an offset.
      const value = variables && typeof variables === 'object' ? (variables as Record<string, unknown>)[node.name.value] : undefined;
      if (value && typeof value === 'object' && Object.entries(value).some(([key, v]) => SCANNING_ARGUMENTS.has(key) && v != null)) scans = true;
    },
  };
  visit(operation, look);
  for (const fragment of fragments.values()) visit(fragment, look);
  if (scans) return false;
  const vars = variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : undefined;
  return operationCost(api.schema, limits, operation, fragments, vars).cost <= CHEAP_COST;
}
