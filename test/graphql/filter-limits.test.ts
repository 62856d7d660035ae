// The filter limits' measures (terms, depth, the longest list) and the nesting of documents and variables, as the
// server reads them before anything runs; and the shipped controls, well within the defaults.
import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import {
  DEFAULT_FILTER_LIMITS,
  documentNesting,
  filterLimitsOf,
  jsonNesting,
  MAX_NESTING,
  measureFilter,
  operationFilterError,
} from '../../src/graphql/filter-limits.js';
import { FILTER_MAXIMA } from '../../src/store/where.js';

const api = createInventoryApi();

const refusal = (query: string, variables?: Record<string, unknown>, limits = DEFAULT_FILTER_LIMITS) => {
  const document = parse(query);
  const error = operationFilterError(api.schema, document, getOperationAST(document)!, variables, limits);
  return error && { message: error.message, extensions: error.extensions };
};

describe('measureFilter', () => {
  it('counts each comparison and each empty filter as a term, and the where itself as level 1', () => {
    expect(measureFilter({ kmsKeyID: '' })).toMatchObject({ terms: 1, depth: 1 });
    expect(measureFilter({})).toMatchObject({ terms: 1, depth: 1 });
    expect(measureFilter({ AND: [{ name: 'a' }, { OR: [{ region: 'x' }, {}] }] })).toMatchObject({ terms: 3, depth: 3 });
    expect(measureFilter({ NOT: { tags_SOME: { key: 'team', value_IN: ['a', 'b'] } } })).toMatchObject({ terms: 2, depth: 3 });
    expect(measureFilter({ account: { trails_NONE: { isLogging: true } } })).toMatchObject({ terms: 1, depth: 3 });
    // graphql-js reads a single filter given for AND/OR as a list of one.
    expect(measureFilter({ OR: { name: 'a' } })).toMatchObject({ terms: 1, depth: 2 });
  });

  it('finds the longest list, and where it is', () => {
    expect(measureFilter({ OR: [{ name_IN: ['a'] }, { NOT: { region_NOT_IN: ['x', 'y', 'z'] } }] }).longestList).toEqual({ length: 3, at: 'OR[1].NOT.region_NOT_IN' });
  });

  it('measures 20,000 levels of nesting without running out of stack', () => {
    let deep: unknown = { name: 'x' };
    for (let i = 0; i < 20_000; i += 1) deep = { AND: [deep] };
    expect(measureFilter(deep).depth).toBe(20_001);
    expect(jsonNesting(deep)).toBe(40_001);
  });
});

describe('nesting', () => {
  it('counts the brackets of a document, not those inside strings, block strings or comments', () => {
    expect(documentNesting('{ trails(where:{AND:[{name:"x"}]}) { id } }')).toBe(5);
    expect(documentNesting('{ a(s: "{{{[[[(((") # {{{{{{\n b(s: """ {{{ \\""" {{{ """) }')).toBe(2);
    expect(documentNesting('{'.repeat(1500))).toBe(1500);
  });

  it('counts the arrays and objects of the variables', () => {
    expect(jsonNesting({ w: { AND: [{ name: 'x' }] } })).toBe(4);
    expect(jsonNesting('text')).toBe(0);
    expect(jsonNesting(undefined)).toBe(0);
  });
});

describe('operationFilterError', () => {
  it('refuses too many terms, literal or from variables, naming the filter, the limit, its maximum and the count', () => {
    const or = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `t${i}` }));
    const literal = refusal(
      `{ trailsAggregate(where: {OR: [${or(21)
        .map((t) => `{name: "${t.name}"}`)
        .join(', ')}]}) { count } }`,
    );
    expect(literal).toEqual({
      message: 'trailsAggregate(where) has 21 terms (comparisons and empty filters); the maximum is 20 (maxFilterTerms): use a _IN list for alternatives of one field',
      extensions: { code: 'BAD_USER_INPUT', limit: { name: 'maxFilterTerms', maximum: 20, observed: 21 }, http: { status: 400 } },
    });
    expect(refusal('query($w: TrailWhere!) { trails(where: $w) { id } }', { w: { OR: or(30) } })?.extensions['limit']).toEqual({
      name: 'maxFilterTerms',
      maximum: 20,
      observed: 30,
    });
    // A variable inside a literal filter counts too.
    expect(refusal('query($o: [TrailWhere!]!) { trails(where: {OR: $o, region: "x"}) { id } }', { o: or(20) })?.extensions['limit']).toMatchObject({ observed: 21 });
    expect(refusal('query($w: TrailWhere!) { trails(where: $w) { id } }', { w: { OR: or(20) } })).toBeUndefined();
    // A variable left out takes its default, however large.
    const byDefault = `query($w: [TrailWhere!] = [${or(25)
      .map((t) => `{name: "${t.name}"}`)
      .join(', ')}]) { trails(where: {OR: $w}) { id } }`;
    expect(refusal(byDefault)?.extensions['limit']).toEqual({ name: 'maxFilterTerms', maximum: 20, observed: 25 });
    expect(refusal(byDefault, { w: or(2) })).toBeUndefined();
  });

  it('refuses a filter nested too deep and a list too long, in fragments and nested filters too', () => {
    let deep: unknown = { name: 'x' };
    for (let i = 0; i < 8; i += 1) deep = { NOT: deep };
    expect(refusal('query($w: TrailWhere!) { ...F } fragment F on Query { trails(where: $w) { id } }', { w: deep })).toMatchObject({
      message: 'trails(where) nests 9 levels deep (AND, OR, NOT and relation filters each add one); the maximum is 8 (maxFilterDepth)',
      extensions: { limit: { name: 'maxFilterDepth', maximum: 8, observed: 9 } },
    });
    const names = Array.from({ length: 5001 }, (_, i) => `n${i}`);
    expect(refusal('query($n: [String!]!) { accounts(where: {trails_SOME: {name_IN: $n}}) { id } }', { n: names })).toMatchObject({
      message: 'accounts(where): trails_SOME.name_IN lists 5001 values; the maximum is 5000 (maxInValues)',
      extensions: { limit: { name: 'maxInValues', maximum: 5000, observed: 5001 } },
    });
  });

  it('checks only the operation that runs, with the limits it is given', () => {
    const query = 'query Small { trails(where: {name: "a"}) { id } } query Big($w: TrailWhere!) { trails(where: $w) { id } }';
    const document = parse(query);
    const big = { OR: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] };
    const limits = { ...DEFAULT_FILTER_LIMITS, maxFilterTerms: 2 };
    expect(operationFilterError(api.schema, document, getOperationAST(document, 'Small')!, { w: big }, limits)).toBeUndefined();
    expect(operationFilterError(api.schema, document, getOperationAST(document, 'Big')!, { w: big }, limits)?.extensions['limit']).toEqual({
      name: 'maxFilterTerms',
      maximum: 2,
      observed: 3,
    });
  });

  it('finds the shipped controls well within the defaults: at most half of each', () => {
    const controls = loadCatalog(api);
    expect(controls.length).toBeGreaterThanOrEqual(5);
    for (const control of controls) {
      const operation = getOperationAST(control.document)!;
      const half = {
        maxFilterTerms: DEFAULT_FILTER_LIMITS.maxFilterTerms / 2,
        maxFilterDepth: DEFAULT_FILTER_LIMITS.maxFilterDepth / 2,
        maxInValues: DEFAULT_FILTER_LIMITS.maxInValues / 2,
      };
      expect(operationFilterError(api.schema, control.document, operation, {}, half), control.id).toBeUndefined();
      expect(documentNesting(control.query), control.id).toBeLessThan(MAX_NESTING / 4);
    }
  });
});

describe('filterLimitsOf', () => {
  it('takes the filter limits among others, defaults for those left out, and refuses values the compiler would not accept', () => {
    expect(filterLimitsOf({ maxCost: 5, maxFilterTerms: 7 })).toEqual({ ...DEFAULT_FILTER_LIMITS, maxFilterTerms: 7 });
    expect(() => filterLimitsOf({ maxFilterDepth: FILTER_MAXIMA.depth + 1 })).toThrow(`maxFilterDepth must be a whole number from 1 to ${FILTER_MAXIMA.depth}`);
    expect(() => filterLimitsOf({ maxInValues: 0 })).toThrow(RangeError);
  });
});
