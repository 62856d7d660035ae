// Both filter syntaxes in one document (README, Querying: "Two filter syntaxes"): operator objects (`kmsKeyID: {eq: ""}`)
// are rewritten into the schema's suffixes before validation, in literals, defaults and variables, over HTTP and in the
// control engine; a document without them is left exactly as it came.
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { normalizeFilterDocument, normalizeFilterVariables } from '../../src/graphql/filter-syntax.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const rewrite = (query: string): string =>
  print(normalizeFilterDocument(api.schema, parse(query)))
    .replace(/\s+/g, ' ')
    .replace(/\( /g, '(')
    .replace(/ \)/g, ')');

describe('the rewrite', () => {
  it('leaves a document in the suffix syntax as it is: the same object', () => {
    const seed = parse('{ trails(where:{kmsKeyID:""}){...AssetFragment} }');
    expect(normalizeFilterDocument(api.schema, seed)).toBe(seed);
  });

  it('writes every operator in suffixes, NOT included, and relations and lists of objects by their quantifiers', () => {
    expect(rewrite('{ trails(where: {kmsKeyID: {eq: ""}}) { id } }')).toBe('{ trails(where: {kmsKeyID: ""}) { id } }');
    expect(
      rewrite('{ trails(where: {name: {in: ["a"], contains: "b", startsWith: "c", endsWith: "d", lt: "e", lte: "f", gt: "g", gte: "h", matches: "i.*"}}) { id } }'),
    ).toBe(
      '{ trails(where: {name_IN: ["a"], name_CONTAINS: "b", name_STARTS_WITH: "c", name_ENDS_WITH: "d", name_LT: "e", name_LTE: "f", name_GT: "g", name_GTE: "h", name_MATCHES: "i.*"}) { id } }',
    );
    // NOT of an operator with a suffix of its own, and of one without (ANDed with the rest).
    expect(rewrite('{ trails(where: {name: {NOT: {eq: "a", in: ["b"], contains: "c", startsWith: "d"}}}) { id } }')).toBe(
      '{ trails(where: {AND: [{name_NOT: "a", name_NOT_IN: ["b"], name_NOT_CONTAINS: "c"}, {NOT: {name_STARTS_WITH: "d"}}]}) { id } }',
    );
    expect(rewrite('{ kmsKeys(where: {trails: {some: {kmsKeyID: {eq: ""}}}, keyPolicy: {statements: {all: {effect: {eq: "Allow"}}}}}) { id } }')).toBe(
      '{ kmsKeys(where: {trails_SOME: {kmsKeyID: ""}, keyPolicy: {statements_ALL: {effect: "Allow"}}}) { id } }',
    );
    // The field's own: `conditions: {eq: []}` is an empty list; `principals: {includes: ...}` a list of strings.
    expect(rewrite('{ kmsKeys(where: {keyPolicy: {statements_SOME: {conditions: {eq: []}, principals: {includes: "AWS|*"}}}}) { id } }')).toBe(
      '{ kmsKeys(where: {keyPolicy: {statements_SOME: {conditions_NONE: {}, principals_INCLUDES: "AWS|*"}}}) { id } }',
    );
    // Inside AND, OR and NOT, next to suffixes, and with a key written both ways.
    expect(rewrite('{ trails(where: {OR: [{isLogging: {eq: false}}, {NOT: {kmsKeyID: {eq: ""}}}], region: "us-east-1", name: {eq: "x"}, name_NOT: "y"}) { id } }')).toBe(
      '{ trails(where: {OR: [{isLogging: false}, {NOT: {kmsKeyID: ""}}], region: "us-east-1", name: "x", name_NOT: "y"}) { id } }',
    );
    expect(rewrite('{ trails(where: {name: "x", AND: [{name: {eq: "y"}}]}) { id } }')).toBe('{ trails(where: {name: "x", AND: [{name: "y"}]}) { id } }');
    expect(rewrite('query($n: String!) { trails(where: {name: {eq: $n}}) { id } }')).toBe('query ($n: String!) { trails(where: {name: $n}) { id } }');
    expect(rewrite('query($w: TrailWhere! = {name: {eq: "d"}}) { trails(where: $w) { id } }')).toBe('query ($w: TrailWhere! = {name: "d"}) { trails(where: $w) { id } }');
  });

  it('rewrites variables by the types the operation declares', () => {
    const document = parse('query($w: TrailWhere!, $k: KmsKeyWhere!, $s: String!) { trails(where: $w) { id } kmsKeys(where: $k) { id } }');
    expect(
      normalizeFilterVariables(api.schema, document, {
        w: { kmsKeyID: { eq: '' }, OR: [{ name: { startsWith: 'a' } }, { tags: { some: { key: { in: ['k'] } } } }] },
        k: { trails: { none: {} }, keyPolicy: { statements: { single: { effect: { NOT: { eq: 'Deny' } } } } } },
        s: 'x',
      }),
    ).toEqual({
      w: { kmsKeyID: '', OR: [{ name_STARTS_WITH: 'a' }, { tags_SOME: { key_IN: ['k'] } }] },
      k: { trails_NONE: {}, keyPolicy: { statements_SINGLE: { effect_NOT: 'Deny' } } },
      s: 'x',
    });
    const unchanged = { w: { kmsKeyID: '' } };
    expect(normalizeFilterVariables(api.schema, document, unchanged)).toBe(unchanged);
  });
});

describe('both syntaxes against an inventory', () => {
  let temp: TempStore;
  let server: RunningServer;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: '111122223333',
      region: 'us-east-1',
      trails: [
        trailRecord('plain', { tags: [{ key: 'team', value: 'blue' }] }),
        trailRecord('encrypted', { trail: { KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k' } }),
        trailRecord('stopped', { status: { IsLogging: false } }),
      ],
    });
    server = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log: silentLogger });
  });
  afterAll(async () => {
    await server.close();
    await temp.cleanup();
  });
  const post = async (query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as { data?: { trails?: { name: string }[] }; errors?: { message: string }[] };
  };
  const names = (body: { data?: { trails?: { name: string }[] } }) => body.data?.trails?.map((t) => t.name).sort();

  it('answers the same over HTTP and in process, whichever syntax, in literals and variables', async () => {
    const pairs: [string, string][] = [
      ['{ trails(where:{kmsKeyID:""}){ name } }', '{ trails(where:{kmsKeyID: { eq: "" }}){ name } }'],
      ['{ trails(where:{isLogging: false}){ name } }', '{ trails(where:{isLogging: { eq: false }}){ name } }'],
      ['{ trails(where:{tags_SOME: {}, name_IN: ["plain", "x"]}){ name } }', '{ trails(where:{tags: {some: {}}, name: {in: ["plain", "x"]}}){ name } }'],
      ['{ trails(where:{NOT: {name_MATCHES: "(?i)P.*"}}){ name } }', '{ trails(where:{name: {NOT: {matches: "(?i)P.*"}}}){ name } }'],
    ];
    for (const [suffixes, operators] of pairs) {
      const expected = names(await post(suffixes));
      expect(expected?.length, suffixes).toBeGreaterThan(0);
      expect(names(await post(operators)), operators).toEqual(expected);
      const inProcess = await runQuery(api, temp.store, operators);
      expect(inProcess.errors, operators).toBeUndefined();
      expect(names(inProcess as never), operators).toEqual(expected);
    }
    const byVariable = await post('query($w: TrailWhere!) { trails(where: $w) { name } }', { w: { kmsKeyID: { eq: '' }, isLogging: { eq: true } } });
    expect(names(byVariable)).toEqual(['plain']);
    const inProcess = await runQuery(api, temp.store, 'query($w: TrailWhere!) { trails(where: $w) { name } }', { w: { kmsKeyID: { eq: '' }, isLogging: { eq: true } } });
    expect(names(inProcess as never)).toEqual(['plain']);
  });

  it('says what an operator object may hold when it holds something else', async () => {
    const body = await post('{ trails(where:{kmsKeyID: { equals: "" }}){ name } }');
    expect(body.data).toBeUndefined();
    expect(body.errors?.map((e) => e.message)).toContain(
      'TrailWhere.kmsKeyID: "equals" is not an operator of this field; it takes eq, in, contains, startsWith, endsWith, lt, lte, gt, gte, matches (and NOT: {...} of them), or the same as suffixes: kmsKeyID, kmsKeyID_IN, kmsKeyID_CONTAINS, kmsKeyID_STARTS_WITH, kmsKeyID_ENDS_WITH, kmsKeyID_LT, kmsKeyID_LTE, kmsKeyID_GT, kmsKeyID_GTE, kmsKeyID_MATCHES.',
    );
    // `{eq: null}` is `kmsKeyID: null`, which is refused as ever (it would drop the filter).
    const nullEq = await post('{ trails(where:{kmsKeyID: { eq: null }}){ name } }');
    expect(nullEq.errors?.[0]?.message).toMatch(/^TrailWhere\.kmsKeyID: null is not a filter value/);
  });
});
