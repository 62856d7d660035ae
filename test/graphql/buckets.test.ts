// Buckets over GraphQL, on both stores, after a sync of a small simulated organization: Trail.s3Bucket ↔ Bucket.trails
// across accounts, the trails whose data-event selectors log each bucket (basic selectors with the all-buckets value,
// named buckets and prefixes; advanced selectors with readOnly and resources.ARN; the single-region rule), and every
// one of Cyscale's bucket queries run verbatim, each giving the buckets worked out from the scenario below.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { startSimulator, type Scenario, type SimBucket, type Simulator } from '../../src/simulator/index.js';
import { syncInventory } from '../../src/sync/sync.js';
import { stubAwsEnv } from '../support/aws.js';
import { simAccount, simTrail } from '../support/scenarios.js';
import { openTempStore, type TempStore } from '../support/store.js';

const M = '111111111111';
const W = '222222222222';
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const W_KEY = `arn:aws:kms:eu-west-1:${W}:key/7d1c6a52-3b4e-4f5a-9c8d-0e1f2a3b4c5d`;
const trailArn = (account: string, region: string, name: string) => `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);

/** The organization's log bucket: every CIS and Cyscale check passes on it. */
const compliant: SimBucket = {
  Name: 'org-cloudtrail-logs',
  Region: 'us-east-1',
  CreationDate: '2024-01-01T00:00:00Z',
  Policy: policy({
    Sid: 'DenyHttp',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: 'arn:aws:s3:::org-cloudtrail-logs/*',
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  }),
  PublicAccessBlock: ALL_BLOCKED,
  Logging: { TargetBucket: 'm-other', TargetPrefix: 'access/' },
  Encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: `arn:aws:kms:us-east-1:${M}:key/0b6f7e8a-2c4d-4e5f-8a9b-1c2d3e4f5a6b` },
  Versioning: { Status: 'Enabled', MFADelete: 'Enabled' },
};

/** A workload account's trail bucket: public by ACL and policy, unlogged, unencrypted, unversioned. */
const violating: SimBucket = {
  Name: 'w-trail-logs',
  Region: 'eu-west-1',
  CreationDate: '2020-05-05T00:00:00Z',
  Policy: policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::w-trail-logs/*' }),
  PolicyIsPublic: true,
  Grants: [{ Type: 'Group', URI: ALL_USERS, Permission: 'READ' }],
};

const scenario = (): Scenario => ({
  organization: { managementAccountId: M },
  accounts: [
    simAccount(
      M,
      [
        // The organization trail logs management events only.
        simTrail('org-trail', 'us-east-1', { IsOrganizationTrail: true, IsMultiRegionTrail: true, S3BucketName: 'org-cloudtrail-logs' }),
        // Every bucket of its own account (the all-buckets value), writes only.
        simTrail('m-data', 'us-east-1', {
          IsMultiRegionTrail: true,
          S3BucketName: 'org-cloudtrail-logs',
          EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }],
        }),
      ],
      {
        PublicAccessBlock: ALL_BLOCKED,
        Buckets: [
          compliant,
          {
            Name: 'm-other',
            Region: 'us-west-2',
            CreationDate: '2024-02-01T00:00:00Z',
            Policy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${W}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::m-other/*' }),
            Encryption: { SSEAlgorithm: 'AES256' },
          },
        ],
      },
    ),
    simAccount(
      W,
      [
        // Reads of every bucket whose name starts with w-data, in its home region only (a single-region trail).
        simTrail('w-reads', 'eu-west-1', {
          S3BucketName: 'w-trail-logs',
          AdvancedEventSelectors: [
            {
              Name: 'object reads',
              FieldSelectors: [
                { Field: 'eventCategory', Equals: ['Data'] },
                { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
                { Field: 'readOnly', Equals: ['true'] },
                { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::w-data'] },
              ],
            },
          ],
        }),
        // Home in us-east-1, its bucket and its key in eu-west-1: the key's region is judged against the bucket's.
        simTrail('w-cross', 'us-east-1', { IsMultiRegionTrail: true, S3BucketName: 'w-trail-logs', KmsKeyId: W_KEY }),
        // Its bucket is not in the inventory: the home region stands in, and the verdict says so.
        simTrail('w-lost', 'us-east-1', { S3BucketName: 'bucket-of-an-unsynced-account', KmsKeyId: W_KEY }),
        // Writes under a prefix of its own bucket and of a bucket of the management account; delivers to that account.
        simTrail('w-prefix-writes', 'us-east-1', {
          IsMultiRegionTrail: true,
          S3BucketName: 'org-cloudtrail-logs',
          EventSelectors: [
            {
              ReadWriteType: 'WriteOnly',
              IncludeManagementEvents: false,
              DataResources: [
                { Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::w-data/uploads/', 'arn:aws:s3:::m-other/'] },
                { Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda'] },
              ],
            },
          ],
        }),
      ],
      {
        KmsKeys: [{ KeyId: W_KEY.split('/')[1]!, Region: 'eu-west-1', CreationDate: '2024-01-01T00:00:00Z' }],
        Buckets: [
          violating,
          { Name: 'w-data', Region: 'eu-west-1', CreationDate: '2023-01-01T00:00:00Z', PublicAccessBlock: ALL_BLOCKED, Encryption: { SSEAlgorithm: 'AES256' } },
          {
            Name: 'w-none',
            Region: 'us-east-1',
            CreationDate: '2023-02-01T00:00:00Z',
            Grants: [{ Type: 'Group', URI: AUTHENTICATED_USERS, Permission: 'WRITE' }],
          },
          // Matches w-reads' prefix, but lies outside its single region.
          { Name: 'w-data-east', Region: 'us-east-1', CreationDate: '2023-03-01T00:00:00Z', Encryption: { SSEAlgorithm: 'AES256' } },
        ],
      },
    ),
  ],
});

const LIBRARY = join(import.meta.dirname, '..', 'fixtures', 'cyscale', 'queries');
const libraryQuery = (slug: string): string => (JSON.parse(readFileSync(join(LIBRARY, `${slug}.json`), 'utf8')) as { query: string }).query;
const arn = (name: string) => `arn:aws:s3:::${name}`;

describe('buckets over GraphQL', () => {
  let sim: Simulator;
  let temp: TempStore;
  const api = createInventoryApi();
  const query = async (source: string) => {
    const result = await runQuery(api, temp.store, source);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data as Record<string, any>;
  };

  beforeAll(async () => {
    sim = await startSimulator(scenario());
    stubAwsEnv(sim);
    temp = await openTempStore();
    for (const account of sim.scenario.accounts) {
      const credentials = { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey };
      const summary = await syncInventory(temp.store, {
        accounts: [{ label: account.Id, credentials }],
        regions: ['us-east-1', 'eu-west-1', 'us-west-2'],
        log: silentLogger,
      });
      expect(summary.run.status).toBe('succeeded');
    }
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await sim.close();
    await temp.cleanup();
  });

  it('links each trail to the bucket it delivers to, both ways and across accounts', async () => {
    const data = await query(`{
      trails(options: {sort: [{arn: ASC}]}) { arn s3Bucket { arn accountId region } }
      buckets(options: {sort: [{name: ASC}]}) { name accountId region trails { arn } }
    }`);
    expect(data.trails).toEqual([
      { arn: trailArn(W, 'eu-west-1', 'w-reads'), s3Bucket: { arn: arn('w-trail-logs'), accountId: W, region: 'eu-west-1' } },
      { arn: trailArn(M, 'us-east-1', 'm-data'), s3Bucket: { arn: arn('org-cloudtrail-logs'), accountId: M, region: 'us-east-1' } },
      { arn: trailArn(M, 'us-east-1', 'org-trail'), s3Bucket: { arn: arn('org-cloudtrail-logs'), accountId: M, region: 'us-east-1' } },
      { arn: trailArn(W, 'us-east-1', 'w-cross'), s3Bucket: { arn: arn('w-trail-logs'), accountId: W, region: 'eu-west-1' } },
      { arn: trailArn(W, 'us-east-1', 'w-lost'), s3Bucket: null },
      { arn: trailArn(W, 'us-east-1', 'w-prefix-writes'), s3Bucket: { arn: arn('org-cloudtrail-logs'), accountId: M, region: 'us-east-1' } },
    ]);
    const trailsOf = Object.fromEntries(data.buckets.map((b: { name: string; trails: { arn: string }[] }) => [b.name, b.trails.map((t) => t.arn).sort()]));
    expect(trailsOf).toEqual({
      'm-other': [],
      'org-cloudtrail-logs': [trailArn(M, 'us-east-1', 'm-data'), trailArn(M, 'us-east-1', 'org-trail'), trailArn(W, 'us-east-1', 'w-prefix-writes')],
      'w-data': [],
      'w-data-east': [],
      'w-none': [],
      'w-trail-logs': [trailArn(W, 'eu-west-1', 'w-reads'), trailArn(W, 'us-east-1', 'w-cross')],
    });
    const filtered = await query(`{
      trails(where: {s3Bucket: {accountId: "${M}", loggingEnabled: true}}, options: {sort: [{arn: ASC}]}) { name }
      buckets(where: {trails_SOME: {accountId: "${W}"}}, options: {sort: [{name: ASC}]}) { name }
    }`);
    expect(filtered.trails.map((t: { name: string }) => t.name)).toEqual(['m-data', 'org-trail', 'w-prefix-writes']);
    expect(filtered.buckets.map((b: { name: string }) => b.name)).toEqual(['org-cloudtrail-logs', 'w-trail-logs']);
  });

  it("judges a trail's KMS key against its bucket's region when the inventory holds the bucket", async () => {
    const data = await query(`{ trails(where: {kmsKeyID_NOT: ""}, options: {sort: [{arn: ASC}]}) { name kmsKeyUsable { reasons notes } } }`);
    const [cross, lost] = data.trails;
    expect(cross.name).toBe('w-cross');
    expect(cross.kmsKeyUsable.notes).toEqual([]);
    expect(cross.kmsKeyUsable.reasons.filter((r: string) => r.startsWith('the key is in'))).toEqual([]);
    expect(lost.name).toBe('w-lost');
    expect(lost.kmsKeyUsable.notes).toEqual([
      "the trail's home region (us-east-1) stands in for its bucket's region: the inventory does not hold the bucket (bucket-of-an-unsynced-account)",
    ]);
    expect(lost.kmsKeyUsable.reasons).toContain("the key is in eu-west-1, the trail's home region in us-east-1");
  });

  it('lists the trails whose data-event selectors log each bucket, with what each selector logs', async () => {
    const data = await query(`{ buckets(options: {sort: [{name: ASC}]}) { name
      trailEventSelectorDataResources { trailARN eventSelector { readWriteType includeManagementEvents } trail { name accountId } } } }`);
    const coverage = Object.fromEntries(
      data.buckets.map((b: { name: string; trailEventSelectorDataResources: any[] }) => [
        b.name,
        b.trailEventSelectorDataResources.map(
          (item) => `${item.trail.accountId}/${item.trail.name} ${item.eventSelector.readWriteType} ${item.eventSelector.includeManagementEvents}`,
        ),
      ]),
    );
    expect(coverage).toEqual({
      // arn:aws:s3 covers every bucket of m-data's own account, not the member's.
      'm-other': [`${M}/m-data WriteOnly true`, `${W}/w-prefix-writes WriteOnly false`],
      'org-cloudtrail-logs': [`${M}/m-data WriteOnly true`],
      // A StartsWith shorter than the bucket's ARN covers it in the trail's own account and region; a prefix names it.
      'w-data': [`${W}/w-reads ReadOnly false`, `${W}/w-prefix-writes WriteOnly false`],
      'w-data-east': [],
      'w-none': [],
      'w-trail-logs': [],
    });
    const filtered = await query(`{
      writes: buckets(where: {trailEventSelectorDataResources_SOME: {eventSelector: {readWriteType_IN: ["All", "WriteOnly"]}}}, options: {sort: [{name: ASC}]}) { name }
      single: buckets(where: {trailEventSelectorDataResources_SINGLE: {}}, options: {sort: [{name: ASC}]}) { name }
      none: buckets(where: {trailEventSelectorDataResources_SOME: null}, options: {sort: [{name: ASC}]}) { name }
      allReads: buckets(where: {trailEventSelectorDataResources_ALL: {eventSelector: {readWriteType: "ReadOnly"}}}, options: {sort: [{name: ASC}]}) { name }
      byTrail: buckets(where: {trailEventSelectorDataResources_NONE: {trailARN_ENDS_WITH: "/m-data"}}, options: {sort: [{name: ASC}]}) { name }
    }`);
    const names = (list: { name: string }[]) => list.map((b) => b.name);
    expect(names(filtered.writes)).toEqual(['m-other', 'org-cloudtrail-logs', 'w-data']);
    expect(names(filtered.single)).toEqual(['org-cloudtrail-logs']);
    expect(names(filtered.none)).toEqual(['w-data-east', 'w-none', 'w-trail-logs']);
    // Vacuously true where no trail logs the bucket.
    expect(names(filtered.allReads)).toEqual(['w-data-east', 'w-none', 'w-trail-logs']);
    expect(names(filtered.byTrail)).toEqual(['w-data', 'w-data-east', 'w-none', 'w-trail-logs']);
  });

  it('writes nothing for an unchanged bucket when synced again', async () => {
    stubAwsEnv(sim);
    const changesBefore = await temp.sql('SELECT COUNT(*) AS n FROM asset_changes');
    for (const account of sim.scenario.accounts) {
      const credentials = { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey };
      const summary = await syncInventory(temp.store, {
        accounts: [{ label: account.Id, credentials }],
        regions: ['us-east-1', 'eu-west-1', 'us-west-2'],
        log: silentLogger,
      });
      const buckets = summary.scopes.filter((scope) => scope.collector === 'aws.s3.buckets');
      expect(buckets.map((scope) => [scope.status, scope.seen, scope.new, scope.changed, scope.deleted])).toEqual([['ok', account.Buckets!.length, 0, 0, 0]]);
    }
    expect(await temp.sql('SELECT COUNT(*) AS n FROM asset_changes')).toEqual(changesBefore);
  });

  it.each([
    ['aws-1-3-0-iam-20-s3-buckets-are-configured-with-block-public-access-bucket-settings', ['w-data-east', 'w-none', 'w-trail-logs']],
    ['aws-1-3-0-logging-10-object-level-logging-for-write-events-is-enabled-for-s3-bucket', ['w-data-east', 'w-none', 'w-trail-logs']],
    ['aws-1-3-0-logging-11-object-level-logging-for-read-events-is-enabled-for-s3-bucket', ['m-other', 'org-cloudtrail-logs', 'w-data-east', 'w-none', 'w-trail-logs']],
    ['aws-1-3-0-storage-1-1-all-s3-buckets-employ-encryption-at-rest', ['w-none', 'w-trail-logs']],
    ['aws-1-4-0-storage-1-2-s3-bucket-policy-is-set-to-deny-http-requests', ['m-other', 'w-data', 'w-data-east', 'w-none', 'w-trail-logs']],
    ['aws-1-4-0-storage-1-3-mfa-delete-is-enabled-on-s3-buckets', ['m-other', 'w-data', 'w-data-east', 'w-none', 'w-trail-logs']],
    ['aws-logging-3-the-s3-bucket-used-to-store-cloudtrail-logs-is-not-publicly-accessible', ['w-trail-logs']],
    ['aws-logging-6-s3-bucket-access-logging-is-enabled-on-the-cloudtrail-s3-bucket', ['w-trail-logs']],
    ['aws-object-containers-with-permise-access-policy', ['m-other', 'w-none', 'w-trail-logs']],
    ['aws-storage-3-s3-bucket-policy-does-not-grant-allow-permission-to-everyone', ['w-trail-logs']],
    ['aws-storage-4-s3-bucket-acl-grants-permissions-only-to-specific-aws-accounts', ['w-none', 'w-trail-logs']],
    ['publicly-aws-buckets', ['w-none', 'w-trail-logs']],
    ['publicly-readable-aws-buckets', ['w-trail-logs']],
    ['publicly-writable-aws-buckets', ['w-none']],
  ])('runs the library query %s verbatim', async (slug, failing) => {
    const source = libraryQuery(slug);
    const result = await runQuery(api, temp.store, source.trim().startsWith('{') ? source : `{${source}}`);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const ids = ((result.data as { buckets: { id: string }[] }).buckets ?? []).map((b) => b.id).sort();
    expect(ids).toEqual(failing.map(arn).sort());
  });
});
