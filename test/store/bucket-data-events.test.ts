// Bucket.trailEventSelectorDataResources on both stores (README, S3 buckets: "Object-level logging"): which trails'
// selectors log a bucket's object events, from the stored trails at read time, across accounts and syncs: the
// all-buckets values for the trail's own account and, for an organization trail, each account that sees it; named
// buckets and prefixes in any account; advanced selectors with readOnly, StartsWith and Equals; the single-region rule.
import type { AdvancedEventSelector, EventSelector } from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET } from '../../src/assets/bucket.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { NO_PUBLIC_ACCESS_BLOCK, type BucketRecord } from '../../src/model/bucket.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const OUTSIDER = '333333333333';

function bucketRecord(name: string, accountId: string, region: string): BucketRecord {
  return {
    arn: `arn:aws:s3:::${name}`,
    name,
    accountId,
    region,
    tags: [],
    collectionErrors: [],
    raw: {},
    creationDate: '2025-01-01T00:00:00.000Z',
    policyDocument: '',
    bucketPolicy: { statements: [] },
    policyIsPublic: false,
    hasBucketACLGrant: [],
    aclOwnerID: 'owner',
    publicAccessBlock: NO_PUBLIC_ACCESS_BLOCK,
    accountPublicAccessBlock: NO_PUBLIC_ACCESS_BLOCK,
    publicAccessBlocked: false,
    loggingEnabled: false,
    loggingTargetBucket: '',
    loggingTargetPrefix: '',
    encrypted: true,
    encryptionAlgorithm: 'AES256',
    encryptionKeyID: '',
    bucketKeyEnabled: false,
    versioningStatus: '',
    versioningEnabled: false,
    bucketVersioningMFADelete: false,
  };
}

const s3Objects = (...values: string[]): EventSelector => ({
  ReadWriteType: 'All',
  IncludeManagementEvents: true,
  DataResources: [{ Type: 'AWS::S3::Object', Values: values }],
});
const advanced = (...fields: NonNullable<AdvancedEventSelector['FieldSelectors']>): AdvancedEventSelector => ({
  Name: 's3 objects',
  FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }, ...fields],
});

describe('the trails that log a bucket', () => {
  let temp: TempStore;
  const api = createInventoryApi();

  beforeAll(async () => {
    temp = await openTempStore();
    // The organization trail logs every bucket's writes (an advanced selector without resources.ARN) and, with a basic
    // selector of another trail, everything under arn:aws:s3:::.
    const organizationTrail = trailRecord('org-writes', {
      account: MANAGEMENT,
      trail: { IsOrganizationTrail: true, IsMultiRegionTrail: true },
      selectors: { EventSelectors: undefined, AdvancedEventSelectors: [advanced({ Field: 'readOnly', Equals: ['false'] })] },
    });
    const managementTrails = [
      organizationTrail,
      trailRecord('own-everything', { account: MANAGEMENT, trail: { IsMultiRegionTrail: true }, selectors: { EventSelectors: [s3Objects('arn:aws:s3:::')] } }),
      // Single-region: only the buckets of us-east-1.
      trailRecord('regional-everything', { account: MANAGEMENT, selectors: { EventSelectors: [{ ...s3Objects('arn:aws:s3'), ReadWriteType: 'ReadOnly' }] } }),
      // Another account's bucket by name, and an object of it by Equals; a prefix shorter than the bucket's ARN.
      trailRecord('named', {
        account: MANAGEMENT,
        trail: { IsMultiRegionTrail: true },
        selectors: { EventSelectors: [s3Objects('arn:aws:s3:::outsider-data/reports/')] },
      }),
      trailRecord('object', {
        account: MANAGEMENT,
        trail: { IsMultiRegionTrail: true },
        selectors: {
          AdvancedEventSelectors: [advanced({ Field: 'resources.ARN', Equals: ['arn:aws:s3:::member-data/one.csv'] }, { Field: 'readOnly', Equals: ['true'] })],
        },
      }),
      trailRecord('prefixed', {
        account: MANAGEMENT,
        trail: { IsMultiRegionTrail: true },
        selectors: { AdvancedEventSelectors: [advanced({ Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::management-'] })] },
      }),
      // Lambda data events and management events only: no bucket.
      trailRecord('lambda', {
        account: MANAGEMENT,
        selectors: { EventSelectors: [{ ReadWriteType: 'All', DataResources: [{ Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda'] }] }] },
      }),
    ];
    await syncScope(temp.store, { accountId: MANAGEMENT, region: 'us-east-1', trails: managementTrails });
    // The member sees the organization trail; the outsider is synced but not in the organization.
    await syncScope(temp.store, { accountId: MEMBER, region: 'us-east-1', trails: [organizationTrail] });
    await syncScope(temp.store, { accountId: OUTSIDER, region: 'us-east-1', trails: [] });

    const run = await temp.store.startSyncRun({ collector: BUCKET.collector, requestedRegions: [] });
    const buckets = [
      bucketRecord('management-logs', MANAGEMENT, 'us-east-1'),
      bucketRecord('management-eu', MANAGEMENT, 'eu-west-1'),
      bucketRecord('member-data', MEMBER, 'us-east-1'),
      bucketRecord('outsider-data', OUTSIDER, 'us-east-1'),
      bucketRecord('outsider-other', OUTSIDER, 'us-east-1'),
    ];
    for (const account of [MANAGEMENT, MEMBER, OUTSIDER]) {
      await temp.store.writeScope(run.id, {
        assetType: BUCKET.name,
        accountId: account,
        region: 'us-east-1',
        status: 'ok',
        assets: buckets.filter((b) => b.accountId === account),
      });
    }
    await temp.store.finishSyncRun(run.id, 'succeeded');
  });
  afterAll(() => temp.cleanup());

  const names = async (where: string): Promise<string[]> => {
    const result = await runQuery(api, temp.store, `{ buckets(where: ${where}, options: {sort: [{name: ASC}]}) { name } }`);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return (result.data!.buckets as { name: string }[]).map((b) => b.name);
  };

  it('lists, per bucket, each covering selector with its trail and what it logs', async () => {
    const result = await runQuery(
      api,
      temp.store,
      '{ buckets(options: {sort: [{name: ASC}]}) { name trailEventSelectorDataResources { trailARN trail { name } eventSelector { readWriteType includeManagementEvents } } } }',
    );
    expect(result.errors).toBeUndefined();
    const coverage = Object.fromEntries(
      (result.data!.buckets as { name: string; trailEventSelectorDataResources: any[] }[]).map((b) => [
        b.name,
        b.trailEventSelectorDataResources.map((item) => {
          expect(item.trailARN).toMatch(new RegExp(`:trail/${item.trail.name}$`));
          return `${item.trail.name} ${item.eventSelector.readWriteType}${item.eventSelector.includeManagementEvents ? ' +management' : ''}`;
        }),
      ]),
    );
    expect(coverage).toEqual({
      'management-eu': ['org-writes WriteOnly', 'own-everything All +management', 'prefixed All'],
      'management-logs': ['org-writes WriteOnly', 'own-everything All +management', 'prefixed All', 'regional-everything ReadOnly +management'],
      // The member sees the organization trail; another account's trail reaches it only by naming it.
      'member-data': ['object ReadOnly', 'org-writes WriteOnly'],
      'outsider-data': ['named All +management'],
      'outsider-other': [],
    });
  });

  it('filters with the quantifiers, as the library writes them', async () => {
    expect(await names('{ trailEventSelectorDataResources_SOME: null }')).toEqual(['outsider-other']);
    expect(await names('{ trailEventSelectorDataResources_SOME: {} }')).toEqual(['management-eu', 'management-logs', 'member-data', 'outsider-data']);
    // CIS 3.10 (writes) as Cyscale writes it: the buckets no selector logs writes of.
    const writes =
      '{ OR: [{ trailEventSelectorDataResources_ALL: { eventSelector: { NOT: { readWriteType_IN: ["All", "WriteOnly"] } } } }, { trailEventSelectorDataResources_SOME: null }] }';
    expect(await names(writes)).toEqual(['outsider-other']);
    const reads =
      '{ OR: [{ trailEventSelectorDataResources_ALL: { eventSelector: { NOT: { readWriteType_IN: ["All", "ReadOnly"] } } } }, { trailEventSelectorDataResources_SOME: null }] }';
    expect(await names(reads)).toEqual(['outsider-other']);
    expect(await names('{ trailEventSelectorDataResources_SINGLE: {} }')).toEqual(['outsider-data']);
    expect(await names('{ trailEventSelectorDataResources_NONE: { eventSelector: { readWriteType: "WriteOnly" } } }')).toEqual(['outsider-data', 'outsider-other']);
    expect(await names(`{ trailEventSelectorDataResources_SOME: { trailARN_ENDS_WITH: "/org-writes", eventSelector: { includeManagementEvents: false } } }`)).toEqual([
      'management-eu',
      'management-logs',
      'member-data',
    ]);
  });

  // Last: it adds trails the tests above do not expect.
  it('says whether each covering trail is logging: a stopped trail, or one whose status is unknown, covers nothing for our controls', async () => {
    const stopped = trailRecord('stopped', {
      account: OUTSIDER,
      region: 'eu-west-1',
      trail: { IsMultiRegionTrail: true },
      status: { IsLogging: false },
      selectors: { EventSelectors: [s3Objects('arn:aws:s3:::outsider-other/')] },
    });
    const unknown = trailRecord('unknown', {
      account: OUTSIDER,
      region: 'eu-west-1',
      trail: { IsMultiRegionTrail: true },
      status: null,
      selectors: { EventSelectors: [s3Objects('arn:aws:s3:::outsider-other/')] },
    });
    await syncScope(temp.store, { accountId: OUTSIDER, region: 'eu-west-1', trails: [stopped, unknown] });
    const result = await runQuery(
      api,
      temp.store,
      '{ buckets(where: {name: "outsider-other"}) { trailEventSelectorDataResources { trail { name isLogging } trailIsLogging } } }',
    );
    expect(result.errors).toBeUndefined();
    expect((result.data!.buckets as { trailEventSelectorDataResources: unknown[] }[])[0]!.trailEventSelectorDataResources).toEqual([
      { trail: { name: 'stopped', isLogging: false }, trailIsLogging: false },
      { trail: { name: 'unknown', isLogging: null }, trailIsLogging: false },
    ]);
    // Cyscale's rule reads the selectors alone; the shipped controls (controls/aws/s3-object-level-logging-*.yaml) ask for a logging trail.
    const structural =
      '{ OR: [{ trailEventSelectorDataResources_ALL: { eventSelector: { NOT: { readWriteType_IN: ["All", "ReadOnly"] } } } }, { trailEventSelectorDataResources_SOME: null }] }';
    expect(await names(structural)).toEqual([]);
    expect(await names('{ trailEventSelectorDataResources_NONE: { trailIsLogging: true, eventSelector: { readWriteType_IN: ["All", "ReadOnly"] } } }')).toEqual([
      'outsider-other',
    ]);
  });
});
