// Trail.recordsAllManagementEvents: read from the stored event selectors in SQL, so the field and the filter on it
// agree by construction. Each case is one way a trail records, or does not record, every management event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { syncScope, trailRecord, type RecordInput } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const eventCategory = (equals: string[]) => ({ Field: 'eventCategory', Equals: equals });

/** Each trail's selectors, and whether it records every management event (null: the selectors could not be read). */
const CASES: { name: string; selectors: RecordInput['selectors']; expected: boolean | null }[] = [
  { name: 'basic-all', selectors: { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] }, expected: true },
  { name: 'basic-write-only', selectors: { EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] }, expected: false },
  { name: 'basic-data-only', selectors: { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false }] }, expected: false },
  {
    name: 'basic-excludes-kms',
    selectors: { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'] }] },
    expected: false,
  },
  {
    name: 'basic-second-selector',
    selectors: {
      EventSelectors: [
        { ReadWriteType: 'All', IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] },
        { ReadWriteType: 'All', IncludeManagementEvents: true },
      ],
    },
    expected: true,
  },
  { name: 'no-selectors', selectors: { EventSelectors: [] }, expected: false },
  {
    name: 'advanced-management',
    selectors: { EventSelectors: [], AdvancedEventSelectors: [{ Name: 'mgmt', FieldSelectors: [eventCategory(['Management'])] }] },
    expected: true,
  },
  {
    name: 'advanced-read-only',
    selectors: { AdvancedEventSelectors: [{ Name: 'reads', FieldSelectors: [eventCategory(['Management']), { Field: 'readOnly', Equals: ['true'] }] }] },
    expected: false,
  },
  {
    name: 'advanced-excludes-source',
    selectors: {
      AdvancedEventSelectors: [{ Name: 'no-kms', FieldSelectors: [eventCategory(['Management']), { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] }] }],
    },
    expected: false,
  },
  { name: 'advanced-data-only', selectors: { AdvancedEventSelectors: [{ Name: 'data', FieldSelectors: [eventCategory(['Data'])] }] }, expected: false },
  { name: 'selectors-unknown', selectors: null, expected: null },
];

describe('Trail.recordsAllManagementEvents', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: '111122223333',
      region: 'us-east-1',
      trails: CASES.map(({ name, selectors }) => trailRecord(name, { selectors })),
    });
  });
  afterAll(() => temp.cleanup());

  const names = async (where: string) => {
    const result = await runQuery(api, temp.store, `{ trails(where: ${where}) { name recordsAllManagementEvents } }`);
    expect(result.errors).toBeUndefined();
    return (result.data as { trails: { name: string; recordsAllManagementEvents: boolean | null }[] }).trails;
  };

  it('says, for each trail, whether one selector records every management event', async () => {
    const trails = await names('{}');
    expect(Object.fromEntries(trails.map((t) => [t.name, t.recordsAllManagementEvents]))).toEqual(Object.fromEntries(CASES.map((c) => [c.name, c.expected])));
  });

  it('filters on it; an unknown value matches only the negative filter, never the positive one', async () => {
    const expectedNames = (value: boolean | null) =>
      CASES.filter((c) => c.expected === value)
        .map((c) => c.name)
        .sort();
    expect((await names('{ recordsAllManagementEvents: true }')).map((t) => t.name).sort()).toEqual(expectedNames(true));
    expect((await names('{ recordsAllManagementEvents_NOT: true }')).map((t) => t.name).sort()).toEqual([...expectedNames(false), ...expectedNames(null)].sort());
    expect((await names('{ recordsAllManagementEvents: false }')).map((t) => t.name).sort()).toEqual(expectedNames(false));
  });
});
