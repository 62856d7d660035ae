// Date-time filter values through GraphQL: a date that does not exist, or a time without its zone, is refused naming
// the value (and, from a variable, the field); a plain date is midnight UTC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();

describe('date-time filter values', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: '111122223333',
      region: 'us-east-1',
      trails: [
        trailRecord('january', { status: { LatestDeliveryTime: new Date('2026-01-31T23:30:00Z') } }),
        trailRecord('march', { status: { LatestDeliveryTime: new Date('2026-03-01T12:00:00Z') } }),
      ],
    });
  });
  afterAll(() => temp.cleanup());

  const names = async (query: string, variables?: Record<string, unknown>) => {
    const result = await runQuery(api, temp.store, query, variables);
    if (result.errors) return { error: result.errors[0]!.message };
    return (result.data as { trails: { name: string }[] }).trails.map((t) => t.name).sort();
  };

  it('refuses a day that does not exist instead of rolling it over (February 30 is not March 2)', async () => {
    expect(await names('{ trails(where:{latestDeliveryTime_GT:"2026-02-30T00:00:00Z"}){ name } }')).toEqual({
      error: 'DateTime takes an ISO-8601 string such as 2026-01-31T00:00:00Z, not "2026-02-30T00:00:00Z": there is no day 30 in 2026-02',
    });
    const fromVariable = await names('query($t: DateTime!){ trails(where:{latestDeliveryTime_GT:$t}){ name } }', { t: '2026-04-31T00:00:00Z' });
    expect(fromVariable).toEqual({ error: expect.stringMatching(/^Variable "\$t" got invalid value "2026-04-31T00:00:00Z"; .*there is no day 31 in 2026-04$/) });
    const inFilter = await names('query($w: TrailWhere!){ trails(where:$w){ name } }', { w: { OR: [{ latestDeliveryTime_LT: '2026-01-01T24:00:00Z' }] } });
    expect(inFilter).toEqual({
      error: expect.stringMatching(/^Variable "\$w" got invalid value "2026-01-01T24:00:00Z" at "w\.OR\[0\]\.latestDeliveryTime_LT"; .*there is no hour 24/),
    });
  });

  it('refuses a date-time without a zone, and reads a plain date as midnight UTC', async () => {
    expect(await names('{ trails(where:{latestDeliveryTime_GT:"2026-02-01T00:00:00"}){ name } }')).toEqual({
      error: expect.stringMatching(/not "2026-02-01T00:00:00": a date-time names its zone, Z or ±hh:mm/),
    });
    expect(await names('{ trails(where:{latestDeliveryTime_GT:"2026-02-01"}){ name } }')).toEqual(['march']);
    expect(await names('{ trails(where:{latestDeliveryTime_GT:"2026-01-31T19:00:00-05:00"}){ name } }')).toEqual(['march']);
  });

  it('gives the where compiler the same rule for callers that bypass GraphQL', async () => {
    await expect(temp.store.findTrails({ latestDeliveryTime_GT: '2026-02-30T00:00:00Z' })).rejects.toThrow(
      'where.latestDeliveryTime_GT: latestDeliveryTime takes an ISO-8601 date-time, not "2026-02-30T00:00:00Z": there is no day 30 in 2026-02',
    );
    await expect(temp.store.findTrails({ latestDeliveryTime_GT: '2026-02-01T00:00:00' })).rejects.toThrow(/a date-time names its zone/);
  });
});
