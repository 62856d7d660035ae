// The where compiler, run against a real SQLite inventory: what each operator matches, and what it refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_DIALECT } from '../../src/store/sqlite/sqlite-store.js';
import { TRAIL_COLUMNS_BY_FIELD } from '../../src/store/trail-columns.js';
import { compileOrderBy, compileWhere, FilterError } from '../../src/store/where.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('where filters', () => {
  let temp: TempStore;
  const names = async (where: unknown, options = {}) => (await temp.store.findTrails(where, options)).map((t) => t.name);

  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: '111122223333',
      region: 'us-east-1',
      trails: [
        trailRecord('alpha', { trail: { KmsKeyId: KEY, IsMultiRegionTrail: true } }),
        trailRecord('beta', { status: { IsLogging: false, LatestDeliveryTime: new Date('2026-01-02T00:00:00Z') } }),
        trailRecord('gamma', { status: null }), // status unknown: the call failed
        trailRecord('Delta_50%', { trail: { S3KeyPrefix: 'a*b?[c]' }, status: { LatestDeliveryTime: new Date('2026-03-04T00:00:00Z') } }),
      ],
    });
  });
  afterAll(() => temp.cleanup());

  it('finds trails without a KMS key by kmsKeyID: ""', async () => {
    expect(await names({ kmsKeyID: '' })).toEqual(['Delta_50%', 'beta', 'gamma']);
  });

  it('treats {} and a missing where as no constraint', async () => {
    expect(await names({})).toHaveLength(4);
    expect(await names(undefined)).toHaveLength(4);
  });

  it('supports the string operators, case-sensitively and without wildcard surprises', async () => {
    expect(await names({ name_IN: ['alpha', 'gamma', 'nope'] })).toEqual(['alpha', 'gamma']);
    expect(await names({ name_NOT_IN: ['alpha', 'gamma'] })).toEqual(['Delta_50%', 'beta']);
    expect(await names({ name_CONTAINS: 'et' })).toEqual(['beta']);
    expect(await names({ name_CONTAINS: '_50%' })).toEqual(['Delta_50%']);
    expect(await names({ name_CONTAINS: 'ALPHA' })).toEqual([]);
    expect(await names({ name_NOT_CONTAINS: 'a' })).toEqual([]);
    expect(await names({ name_STARTS_WITH: 'Del' })).toEqual(['Delta_50%']);
    expect(await names({ name_STARTS_WITH: 'del' })).toEqual([]);
    expect(await names({ name_ENDS_WITH: 'ma' })).toEqual(['gamma']);
    expect(await names({ name_ENDS_WITH: '' })).toHaveLength(4);
    expect(await names({ name_ENDS_WITH: 'xalpha' })).toEqual([]);
    expect(await names({ s3KeyPrefix_STARTS_WITH: 'a*b?' })).toEqual(['Delta_50%']);
    expect(await names({ name_GT: 'beta' })).toEqual(['gamma']);
  });

  it('compares booleans, and counts an unknown value as "not equal"', async () => {
    expect(await names({ isMultiRegionTrail: true })).toEqual(['alpha']);
    expect(await names({ isLogging: false })).toEqual(['beta']);
    // gamma's status could not be read: it must not vanish from "not logging" questions.
    expect(await names({ isLogging_NOT: true })).toEqual(['beta', 'gamma']);
    expect(await names({ NOT: { isLogging: true } })).toEqual(['beta', 'gamma']);
  });

  it('compares date-times as instants', async () => {
    expect(await names({ latestDeliveryTime_GT: '2026-02-01T00:00:00+01:00' })).toEqual(['Delta_50%']);
    expect(await names({ latestDeliveryTime_LTE: '2026-01-02T00:00:00.000Z' })).toEqual(['beta']);
    expect(await names({ latestDeliveryTime: '2026-01-02T00:00:00Z' })).toEqual(['beta']);
  });

  it('combines AND, OR and NOT at any depth', async () => {
    expect(await names({ OR: [{ name: 'alpha' }, { AND: [{ kmsKeyID: '' }, { isLogging: false }] }] })).toEqual(['alpha', 'beta']);
    expect(await names({ NOT: { OR: [{ name: 'alpha' }, { name: 'beta' }] } })).toEqual(['Delta_50%', 'gamma']);
    expect(await names({ AND: [] })).toHaveLength(4);
    expect(await names({ OR: [] })).toEqual([]);
    expect(await names({ NOT: {} })).toEqual([]);
  });

  it('sorts by any field, then by id, and pages with limit and offset', async () => {
    expect(await names({}, { sort: [{ isLogging: 'DESC' }, { name: 'ASC' }] })).toEqual(['gamma', 'Delta_50%', 'alpha', 'beta']);
    // The default order is by id (the ARN), where "Delta" sorts before "alpha".
    expect(await names({}, { limit: 2, offset: 1 })).toEqual(['alpha', 'beta']);
  });

  it('refuses null, unknown fields, wrong types and operators a type does not have, saying where', async () => {
    const refusal = (where: unknown) =>
      temp.store.findTrails(where).then(
        () => 'accepted',
        (e: Error) => e.message,
      );
    expect(await refusal({ kmsKeyID: null })).toBe(
      'where.kmsKeyID: null is not a value to compare with; use "" for an empty string, or leave kmsKeyID out for no constraint',
    );
    expect(await refusal({ AND: [{}, { kmsKeyId: '' }] })).toBe('where.AND[1].kmsKeyId: unknown filter field "kmsKeyId"');
    expect(await refusal({ isLogging: 'yes' })).toBe('where.isLogging: isLogging takes true or false');
    expect(await refusal({ isLogging_CONTAINS: true })).toBe(
      'where.isLogging_CONTAINS: "isLogging_CONTAINS" is not a filter: isLogging (boolean) has no CONTAINS operator',
    );
    expect(await refusal({ name_IN: ['a', null] })).toBe('where.name_IN[1]: null is not a value to compare with');
    expect(await refusal({ raw: {} })).toBe('where.raw: "raw" is not a filter: raw (json) has no EQ operator');
    expect(await refusal({ latestDeliveryTime_GT: 'yesterday' })).toBe('where.latestDeliveryTime_GT: latestDeliveryTime takes an ISO-8601 date-time');
    expect(await refusal({ latestDeliveryTime_GT: '1' })).toBe('where.latestDeliveryTime_GT: latestDeliveryTime takes an ISO-8601 date-time');
    expect(await refusal({ OR: { name: 'x' } })).toBe('where.OR: OR takes a list of filters');
    await expect(temp.store.findTrails({}, { limit: 10_001 })).rejects.toThrow('options.limit: limit must be an integer from 0 to 10000');
  });

  it('sends every value as a parameter, never as SQL text', () => {
    const hostile = `x' OR 1=1 --`;
    const compiled = compileWhere({ name: hostile, OR: [{ s3BucketName_CONTAINS: hostile }] }, TRAIL_COLUMNS_BY_FIELD, SQLITE_DIALECT);
    expect(compiled.sql).not.toContain(hostile);
    expect(compiled.params).toEqual([hostile, hostile]);
  });

  it('refuses sort entries that name no field or several', () => {
    expect(() => compileOrderBy([{ name: 'ASC', region: 'DESC' }], TRAIL_COLUMNS_BY_FIELD, 'arn')).toThrow(FilterError);
    expect(() => compileOrderBy([{ raw: 'ASC' }], TRAIL_COLUMNS_BY_FIELD, 'arn')).toThrow('cannot sort by "raw"');
  });
});
