// Oversized filters through the real HTTP server: each is a 400 naming the limit, its maximum and what was sent, never
// an internal error; the same filters within the limits are answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { DEFAULT_FILTER_LIMITS, MAX_NESTING } from '../../src/graphql/filter-limits.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { postGraphQL } from '../support/cli.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const names = (n: number) => Array.from({ length: n }, (_, i) => `plain-${i}`);
const orOfNames = (n: number) =>
  `{OR: [${names(n)
    .map((name) => `{name: "${name}"}`)
    .join(', ')}]}`;
const nestedAnd = (levels: number): unknown => {
  let where: unknown = { name: 'plain-1' };
  for (let i = 0; i < levels; i += 1) where = { AND: [where] };
  return where;
};

interface LimitError {
  message: string;
  extensions: { code: string; limit: { name: string; maximum: number; observed: number } };
}

describe('filter limits over HTTP', () => {
  let temp: TempStore;
  let defaults: RunningServer;
  let configured: RunningServer;

  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: '111122223333', region: 'us-east-1', trails: names(3).map((name) => trailRecord(name)) });
    defaults = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log: silentLogger });
    configured = await startServer({
      store: temp.store,
      api,
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      limits: { maxFilterTerms: 3, maxFilterDepth: 2, maxInValues: 2 },
    });
  });
  afterAll(async () => {
    await defaults.close();
    await configured.close();
    await temp.cleanup();
  });

  const refused = async (server: RunningServer, query: string, variables?: Record<string, unknown>): Promise<LimitError> => {
    const { status, body } = await postGraphQL(server.graphqlUrl, query, variables);
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.errors).toHaveLength(1);
    return body.errors[0] as LimitError;
  };

  it('refuses an OR of 1,000 terms (SQLite: "Expression tree is too large"), literal or from a variable', async () => {
    const literal = await refused(defaults, `{ trailsAggregate(where: ${orOfNames(1000)}) { count } }`);
    expect(literal.message).toMatch(/^trailsAggregate\(where\) has 1000 terms .*; the maximum is 20 \(maxFilterTerms\)/);
    expect(literal.extensions).toEqual({ code: 'BAD_USER_INPUT', limit: { name: 'maxFilterTerms', maximum: DEFAULT_FILTER_LIMITS.maxFilterTerms, observed: 1000 } });
    const variable = await refused(defaults, 'query($w: TrailWhere!) { trailsAggregate(where: $w) { count } }', { w: { OR: names(1000).map((name) => ({ name })) } });
    expect(variable.extensions.limit).toEqual({ name: 'maxFilterTerms', maximum: 20, observed: 1000 });
  });

  it('refuses name_IN with 40,000 values ("too many SQL variables")', async () => {
    const error = await refused(defaults, 'query($n: [String!]!) { trails(where: {name_IN: $n}) { id } }', { n: names(40_000) });
    expect(error.message).toBe('trails(where): name_IN lists 40000 values; the maximum is 5000 (maxInValues)');
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', limit: { name: 'maxInValues', maximum: 5000, observed: 40_000 } });
  });

  it('refuses 1,000 nested ANDs in the variables before graphql-js coerces them (a stack overflow)', async () => {
    const error = await refused(defaults, 'query($w: TrailWhere!) { trailsAggregate(where: $w) { count } }', { w: nestedAnd(1000) });
    expect(error.message).toBe(`the variables nest 2001 levels deep; the maximum is ${MAX_NESTING} (maxNesting)`);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', limit: { name: 'maxNesting', maximum: MAX_NESTING, observed: 2001 } });
    // Within the nesting limit, the filter's own depth limit answers.
    const shallower = await refused(defaults, 'query($w: TrailWhere!) { trailsAggregate(where: $w) { count } }', { w: nestedAnd(40) });
    expect(shallower.extensions.limit).toEqual({ name: 'maxFilterDepth', maximum: 8, observed: 41 });
  });

  it('refuses 1,500 levels of nesting in the query text before parsing it, POST or GET', async () => {
    const query = `{ trailsAggregate(where: ${'{AND: ['.repeat(1500)}{name: "x"}${']}'.repeat(1500)}) { count } }`;
    const error = await refused(defaults, query);
    expect(error.message).toBe(`the document nests 3003 brackets deep; the maximum is ${MAX_NESTING} (maxNesting)`);
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    const selections = await refused(defaults, `{ ${'trails { '.repeat(1500)} id ${'}'.repeat(1500)} }`);
    expect(selections.extensions.limit).toEqual({ name: 'maxNesting', maximum: MAX_NESTING, observed: 1501 });
    const url = new URL(defaults.graphqlUrl);
    url.searchParams.set('query', 'query($w: TrailWhere!) { trails(where: $w) { id } }');
    url.searchParams.set('variables', JSON.stringify({ w: nestedAnd(100) }));
    const response = await fetch(url, { headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: LimitError[] }).errors[0]!.extensions.limit).toEqual({ name: 'maxNesting', maximum: MAX_NESTING, observed: 201 });
  });

  it('answers the same shapes within the limits', async () => {
    const { status, body } = await postGraphQL(defaults.graphqlUrl, `{ trailsAggregate(where: ${orOfNames(20)}) { count } }`);
    expect(status).toBe(200);
    expect(body.data.trailsAggregate.count).toBe(3);
    const listed = await postGraphQL(defaults.graphqlUrl, 'query($n: [String!]!) { trails(where: {name_IN: $n}) { name } }', { n: names(5000) });
    expect(listed.body.data.trails).toHaveLength(3);
    const deep = await postGraphQL(defaults.graphqlUrl, 'query($w: TrailWhere!) { trailsAggregate(where: $w) { count } }', { w: nestedAnd(7) });
    expect(deep.body.data.trailsAggregate.count).toBe(1);
  });

  it('uses the limits the server is given', async () => {
    expect((await refused(configured, `{ trailsAggregate(where: ${orOfNames(4)}) { count } }`)).extensions.limit).toEqual({
      name: 'maxFilterTerms',
      maximum: 3,
      observed: 4,
    });
    expect((await refused(configured, '{ trails(where: {NOT: {tags_SOME: {key: "team"}}}) { id } }')).extensions.limit).toEqual({
      name: 'maxFilterDepth',
      maximum: 2,
      observed: 3,
    });
    expect((await refused(configured, '{ trails(where: {region_NOT_IN: ["a", "b", "c"]}) { id } }')).extensions.limit).toEqual({
      name: 'maxInValues',
      maximum: 2,
      observed: 3,
    });
    const within = await postGraphQL(configured.graphqlUrl, `{ trailsAggregate(where: ${orOfNames(3)}) { count } }`);
    expect(within.body.data.trailsAggregate.count).toBe(3);
  });
});
