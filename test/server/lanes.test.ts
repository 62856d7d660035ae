// Where a /graphql request runs when GraphQL runs in worker threads (src/server/lanes.ts): writes and what cannot be
// planned in-process, cheap reads in a lane of their own, everything that filters, sorts, counts or costs more in the other.
import { describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { routeRequest } from '../../src/server/lanes.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';

const api = createInventoryApi();
const routeOf = (query: unknown, extra: Record<string, unknown> = {}) => routeRequest({ method: 'POST', search: '', body: { query, ...extra } }, api, DEFAULT_LIMITS);

describe('routing a request to a lane', () => {
  it('runs mutations, and requests that cannot be planned, in-process', () => {
    expect(routeOf('mutation { revokeException(id: "1") { id } }')).toEqual({ route: 'in-process' });
    expect(routeOf('query A { apiVersion } mutation B { revokeException(id: "1") { id } }', { operationName: 'B' })).toEqual({ route: 'in-process' });
    expect(routeOf('{ trails { id ')).toEqual({ route: 'in-process' });
    expect(routeOf('query A { apiVersion } query B { apiVersion }')).toEqual({ route: 'in-process' });
    expect(routeOf(42)).toEqual({ route: 'in-process' });
  });

  it('gives small reads by key or by page the cheap lane', () => {
    for (const query of [
      '{ apiVersion }',
      '{ trail(id: "arn:x") { name tags { key value } } }',
      '{ trails(options: {limit: 10}) { id name } }',
      '{ syncRuns(limit: 5) { id status } }',
    ]) {
      expect([query, routeOf(query)]).toEqual([query, { route: 'pool', lane: 'cheap' }]);
    }
    expect(routeRequest({ method: 'GET', search: `?query=${encodeURIComponent('{ apiVersion }')}`, body: undefined }, api, DEFAULT_LIMITS)).toEqual({
      route: 'pool',
      lane: 'cheap',
    });
  });

  it('sends reads that filter, sort, skip, count, gather accounts or cost more than 1,000 objects to the costly lane', () => {
    for (const query of [
      '{ trails(where:{kmsKeyID:""}){...AssetFragment} }',
      '{ trails(where: {name: "a"}, options: {limit: 1}) { id } }',
      '{ trails(options: {limit: 1, sort: [{name: ASC}]}) { id } }',
      '{ trailsAggregate { count } }',
      '{ trailsConnection(first: 1) { totalCount } }',
      '{ accounts(limit: 1) { id } }',
      '{ trails(options: {limit: 1001}) { id } }',
      '{ trails(options: {limit: 10, offset: 99990}) { id } }',
      '{ syncRuns(limit: 5, offset: 1000) { id } }',
      // A named check and the trails by their key's verdict read every row they judge, whatever their limit.
      '{ AWSLogging1(limit: 1) { id } }',
      '{ EncryptionKeysRotationAWS(days: 90, limit: 1) { id } }',
      '{ trailsByKeyUsability(verdict: UNUSABLE, limit: 1) { id } }',
    ]) {
      expect([query, routeOf(query)]).toEqual([query, { route: 'pool', lane: 'costly' }]);
    }
    expect(routeOf('query Q($o: TrailOptions) { trails(options: $o) { id } }', { variables: { o: { limit: 1, sort: [{ name: 'ASC' }] } } })).toEqual({
      route: 'pool',
      lane: 'costly',
    });
    expect(routeOf('query Q($o: TrailOptions) { trails(options: $o) { id } }', { variables: { o: { limit: 1, offset: 50 } } })).toEqual({
      route: 'pool',
      lane: 'costly',
    });
    expect(routeOf('query Q($o: TrailOptions) { trails(options: $o) { id } }', { variables: { o: { limit: 1 } } })).toEqual({ route: 'pool', lane: 'cheap' });
  });
});
