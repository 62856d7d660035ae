// The compiled executor (src/server/compiled-execution.ts) answers exactly what graphql-js answers: the same data, in
// the same order, the same errors at the same paths, for the queries it compiles; and an operation it does not compile
// (one with variables) still runs, through graphql-js.
import { execute, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/graphql/context.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { normalizeFilterSyntax } from '../../src/graphql/filter-syntax.js';
import { withStoredFragments } from '../../src/graphql/fragments.js';
import { compiledExecutionGateway } from '../../src/server/compiled-execution.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const ACCOUNT = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`;

/** Queries over every kind of field: lists, fragments, relations, a connection's lazy fields, counts, errors. */
const QUERIES = {
  seed: '{ trails(where:{kmsKeyID:""}){...AssetFragment} }',
  connection:
    '{ trailsConnection(first: 2, sort: [{region: DESC}]) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id region tags { key value } } } } }',
  aggregate: '{ trailsAggregate(where: {isLogging: true}) { count countBy(field: region) { value count } } }',
  relations: '{ accounts { id trails { id name account { accountId } } } }',
  node: `{ node(id: "arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/plain") { id ... on Trail { name history { kind field } } } }`,
  badFilter: '{ trails(where: {region_MATCHES: "(?=x)"}) { id } }',
  typename: '{ __typename trails(options: {limit: 1}) { __typename id } }',
};

describe('the compiled executor', () => {
  let temp: TempStore;
  const gateway = compiledExecutionGateway(api.schema);
  let run: (document: DocumentNode, variables?: Record<string, unknown>) => Promise<ExecutionResult>;

  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      trails: [
        trailRecord('plain', { tags: [{ key: 'team', value: 'audit' }] }),
        trailRecord('encrypted', { trail: { KmsKeyId: KEY } }),
        trailRecord('stopped', { status: { IsLogging: false } }),
      ],
    });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'eu-west-1', trails: [trailRecord('europe', { region: 'eu-west-1' })] });
    const { executor } = await gateway.load({ apollo: {} });
    run = async (document, variables = {}) =>
      JSON.parse(
        JSON.stringify(
          await executor!({
            document,
            operationName: null,
            request: { variables },
            context: createContext(temp.store),
          } as never),
        ),
      ) as ExecutionResult;
  });
  afterAll(async () => {
    await gateway.stop();
    await temp.cleanup();
  });

  const documentOf = (source: string): DocumentNode => normalizeFilterSyntax(api.schema, withStoredFragments(parse(source), api.fragments)).document;
  const reference = async (document: DocumentNode, variables: Record<string, unknown> = {}): Promise<ExecutionResult> =>
    JSON.parse(JSON.stringify(await execute({ schema: api.schema, document, contextValue: createContext(temp.store), variableValues: variables }))) as ExecutionResult;

  for (const [name, source] of Object.entries(QUERIES)) {
    it(`answers ${name} as graphql-js does`, async () => {
      const document = documentOf(source);
      const expected = await reference(document);
      expect(await run(document)).toEqual(expected);
      // Twice: the second answer comes from the compiled query kept for the document.
      expect(await run(document)).toEqual(expected);
    });
  }

  it('has queries whose answers hold data and errors, so the comparison above compares something', async () => {
    const seed = await reference(documentOf(QUERIES.seed));
    expect(seed.data).toMatchObject({ trails: [{}, {}, {}] });
    const refused = await reference(documentOf(QUERIES.badFilter));
    expect(refused).toMatchObject({ data: null, errors: [{ path: ['trails'] }] });
    const connection = await reference(documentOf(QUERIES.connection));
    expect(connection.data?.trailsConnection).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
  });

  it('runs an operation with variables through graphql-js, with its coercion errors', async () => {
    const document = documentOf('query ($w: TrailWhere) { trailsAggregate(where: $w) { count } }');
    expect(await run(document, { w: { AND: [{ AND: [{ region: 'eu-west-1' }] }] } })).toEqual({ data: { trailsAggregate: { count: 1 } } });
    const after = await reference(documentOf(QUERIES.connection));
    const cursor = (after.data as { trailsConnection: { pageInfo: { endCursor: string } } }).trailsConnection.pageInfo.endCursor;
    const page = documentOf('query ($after: String) { trailsConnection(first: 2, after: $after, sort: [{region: DESC}]) { pageInfo { hasPreviousPage } } }');
    expect(await run(page, { after: cursor })).toEqual(await reference(page, { after: cursor }));
    const coercion = await run(document, { w: { regoin: 'eu-west-1' } });
    expect(coercion).toEqual(await reference(document, { w: { regoin: 'eu-west-1' } }));
    expect(coercion.errors?.[0]?.message).toContain('"regoin" is not defined by type "TrailWhere"');
  });
});
