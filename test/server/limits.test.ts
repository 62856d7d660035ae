// Request limits: depth, aliases, tokens and cost, as the server enforces them and as clients read the errors.
import {
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isObjectType,
  parse,
  specifiedRules,
  validate,
  type OperationDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { withStoredFragments } from '../../src/graphql/fragments.js';
import { silentLogger } from '../../src/log.js';
import { TRAIL_ROW_LISTS } from '../../src/graphql/pages.js';
import { DEFAULT_LIMITS, operationCost, requestLimitRules, type LimitExtension, type RequestLimits } from '../../src/server/limits.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { postGraphQL } from '../support/cli.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();

/** What each limit measures on a document (every limit set to 0, so each reports its observed value). */
function measure(query: string, on = api): Partial<Record<LimitExtension['name'], number>> {
  const zero: RequestLimits = { maxDepth: 0, maxAliases: -1, maxTokens: 0, maxCost: -1 };
  const errors = validate(on.schema, withStoredFragments(parse(query), on.fragments), [...specifiedRules, ...requestLimitRules(zero)]);
  return Object.fromEntries(
    errors
      .map((e) => e.extensions['limit'] as LimitExtension | undefined)
      .filter((l) => l !== undefined)
      .map((l) => [l.name, l.observed]),
  );
}

describe('the request limit rules', () => {
  it('count named fragments as written out: the seed query is 3 deep and may return a whole page of trails with their tags', () => {
    // Each trail with at most 50 tags (CloudTrail's most per trail, what Trail.tags returns without a limit).
    expect(measure('{ trails(where:{kmsKeyID:""}){...AssetFragment} }')).toEqual({ maxDepth: 3, maxAliases: 0, maxCost: 10_000 * (1 + 50) });
    expect(measure('{ trails { ...A } } fragment A on Trail { ...B } fragment B on Trail { name }').maxDepth).toBe(2);
  });

  it('count lists by their limit argument, literal or defaulted variable', () => {
    expect(measure('{ trails(options:{limit:10000}){...AssetFragment} }').maxCost).toBe(510_000);
    expect(measure('query($n: Int = 5){ syncRuns(limit:$n){ id scopes { region } } }').maxCost).toBe(5 * (1 + 100));
    expect(measure('{ trails { id } }', createInventoryApi({ maxPageSize: 100 })).maxCost).toBe(100);
  });

  it('count a top-level list without a limit as the whole page it may return, and a connection by its first', () => {
    expect(measure('{ trails { arn } }')).toMatchObject({ maxCost: 10_000 });
    expect(measure('{ a: trails { arn } b: trails { arn } }')).toMatchObject({ maxCost: 20_000 });
    expect(measure('{ trailsConnection(first: 10000) { edges { node { arn } } } }')).toMatchObject({ maxCost: 1 + 10_000 * 2 });
    expect(measure('{ trailsConnection { totalCount edges { cursor node { ...AssetFragment } } } }')).toMatchObject({ maxCost: 1 + 100 * (1 + 1 + 50) });
    expect(measure('{ syncRuns { id } }')).toMatchObject({ maxCost: 20 }); // its limit argument defaults to 20
  });

  it('count every list by what it returns at most, times the lists above it: nested lists by their limit or default page', () => {
    // Every account (a page of 10,000) with its trails (100 without a limit): refused at the default maximum cost.
    expect(measure('{ accounts { id trails { id } } }').maxCost).toBe(10_000 * (1 + 100));
    const refused = validate(api.schema, parse('{ accounts { id trails { id } } }'), [...specifiedRules, ...requestLimitRules(DEFAULT_LIMITS)]);
    expect(refused.map((e) => e.message)).toEqual([expect.stringMatching(/^the operation may return 1010000 objects; the maximum cost is 1000000 \(maxCost: /)]);
    expect(measure('{ accounts(limit: 10) { id trails(limit: 5) { id tags { key } } } }').maxCost).toBe(10 * (1 + 5 * (1 + 50)));
    expect(measure('{ controls { id failingAssets { id } accounts { accountId } } }').maxCost).toBe(10_000 * (1 + 100 + 100));
    expect(measure('{ controls(limit: 20) { failingAssets(limit: 50) { id asset { name } } accounts(limit: 10) { accountId } } }').maxCost).toBe(
      20 * (1 + 50 * (1 + 1) + 10),
    );
    expect(measure('{ syncRuns { scopes(status: FAILED) { region } } }').maxCost).toBe(20 * (1 + 100));
    expect(measure('{ trailsAggregate { countBy(field: accountId) { value } } }').maxCost).toBe(1 + 100);
    expect(measure('{ trail(id: "x") { visibleIn { region } history(limit: 5) { kind } } }').maxCost).toBe(1 + 100 + 5);
    // Each nested bound is at most the maximum page size.
    expect(measure('{ accounts { id trails { id } } }', createInventoryApi({ maxPageSize: 3 })).maxCost).toBe(3 * (1 + 3));
  });

  it("count a trail's selectors and collection errors by CloudTrail's quotas per trail, once per trail", () => {
    const selectors =
      '{ trail(id: "x") { eventSelectors { dataResources { type } } advancedEventSelectors { fieldSelectors { field } } insightSelectors { insightType } collectionErrors { code } } }';
    expect(measure(selectors).maxCost).toBe(1 + (5 + 250) + (500 + 500) + 2 + 4);
  });

  it('count a list whose size variable is left out at execution by its own bound, not as the small list assumed before its value is known', () => {
    const operation = parse('query($n: Int) { trails(options: {limit: $n}) { id } }').definitions[0] as OperationDefinitionNode;
    expect(operationCost(api.schema, DEFAULT_LIMITS, operation, new Map(), { n: 7 }).cost).toBe(7);
    expect(operationCost(api.schema, DEFAULT_LIMITS, operation, new Map(), {}).cost).toBe(10_000);
  });

  it("give every list of objects in the schema a bound: page arguments, a CloudTrail quota, or a connection's first", () => {
    const unbounded: string[] = [];
    for (const type of Object.values(api.schema.getTypeMap())) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      for (const field of Object.values(type.getFields())) {
        const named = getNamedType(field.type);
        if (!isListType(getNullableType(field.type)) || isLeafType(named)) continue;
        const coordinate = `${type.name}.${field.name}`;
        // limit and offset, or (trails, assets) options: {limit, offset}
        const options = field.args.find((a) => a.name === 'options');
        const optionsType = options && getNamedType(options.type);
        const args = [...field.args.map((a) => a.name), ...(optionsType && isInputObjectType(optionsType) ? Object.keys(optionsType.getFields()) : [])];
        const paged = args.includes('limit') && args.includes('offset');
        if (!paged && TRAIL_ROW_LISTS[coordinate] === undefined && !coordinate.endsWith('Connection.edges')) unbounded.push(coordinate);
      }
    }
    expect(unbounded).toEqual([]);
  });

  it('count aliases through fragments, once per spread', () => {
    expect(measure('{ a: trails { x: id } b: trails { ...F } } fragment F on Trail { y: id z: name }').maxAliases).toBe(5);
  });

  it('let GraphiQL introspect the schema with the default limits', () => {
    const document = parse(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }));
    expect(validate(api.schema, document, [...specifiedRules, ...requestLimitRules(DEFAULT_LIMITS)])).toEqual([]);
  });

  it('do not loop on a fragment cycle: graphql-js reports the cycle', () => {
    const errors = validate(api.schema, parse('{ trails { ...A } } fragment A on Trail { ...B } fragment B on Trail { ...A }'), [
      ...specifiedRules,
      ...requestLimitRules(DEFAULT_LIMITS),
    ]);
    expect(errors.map((e) => e.message)).toEqual(['Cannot spread fragment "A" within itself via "B".']);
  });
});

describe('a server with request limits', () => {
  let temp: TempStore;
  let server: RunningServer;
  const limits = { maxDepth: 5, maxAliases: 3, maxTokens: 200, maxCost: 1000 };

  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('plain')] });
    server = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log: silentLogger, limits });
  });
  afterAll(async () => {
    await server.close();
    await temp.cleanup();
  });

  const refused = async (query: string, variables?: Record<string, unknown>) => {
    const { status, body } = await postGraphQL(server.graphqlUrl, query, variables);
    expect(status).toBe(400);
    return body.errors[0] as { message: string; extensions: { code: string; limit: LimitExtension } };
  };

  it('answers queries within the limits', async () => {
    const { status, body } = await postGraphQL(server.graphqlUrl, '{ trails(options:{limit:10}){ ...AssetFragment } }');
    expect(status).toBe(200);
    expect(body.data.trails).toHaveLength(1);
  });

  it('refuses a query too deep, naming the limit, its value and the depth asked', async () => {
    const error = await refused(`{ __schema { types { fields { type { fields { type { name } } } } } } }`);
    expect(error.message).toBe('the operation is 7 fields deep; the maximum depth is 5 (maxDepth; named fragments count as if written out)');
    expect(error.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: { name: 'maxDepth', maximum: 5, observed: 7 } });
  });

  it('refuses too many aliases', async () => {
    const error = await refused('query Panels { a: apiVersion b: apiVersion c: apiVersion d: apiVersion }');
    expect(error.message).toBe('operation "Panels" has 4 aliased fields; the maximum is 3 (maxAliases)');
    expect(error.extensions.limit).toEqual({ name: 'maxAliases', maximum: 3, observed: 4 });
  });

  it('refuses a document with too many tokens, saying how many it has', async () => {
    const error = await refused(`{ ${'apiVersion '.repeat(300)}}`);
    expect(error.message).toBe('the document has 302 tokens; the maximum is 200 (maxTokens)');
    expect(error.extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED', limit: { name: 'maxTokens', maximum: 200, observed: 302 } });
  });

  it('refuses a query that may return too many objects, from a literal limit or a variable', async () => {
    const literal = await refused('{ trails(options:{limit:5000}){ id } }');
    expect(literal.message).toMatch(/^the operation may return 5000 objects; the maximum cost is 1000 \(maxCost: .*largest list is trails at 5000\)/);
    expect(literal.extensions.limit).toEqual({ name: 'maxCost', maximum: 1000, observed: 5000 });
    const variable = await refused('query Page($n: Int!){ trails(options:{limit:$n}){ id } }', { n: 2000 });
    expect(variable.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: { name: 'maxCost', maximum: 1000, observed: 2000 } });
    const options = await refused('query Page($o: TrailOptions){ trails(options:$o){ id } }', { o: { limit: 3000 } });
    expect(options.extensions.limit).toEqual({ name: 'maxCost', maximum: 1000, observed: 3000 });
    const within = await postGraphQL(server.graphqlUrl, 'query Page($n: Int!){ trails(options:{limit:$n}){ id } }', { n: 10 });
    expect(within.status).toBe(200);
  });
});
