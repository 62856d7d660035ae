// TrailRecords for store and GraphQL tests, built by the collector's own mapping from API-shaped input.
import type { GetEventSelectorsCommandOutput, GetTrailStatusCommandOutput, Trail } from '@aws-sdk/client-cloudtrail';
import { toTrailRecord } from '../../collectors/aws/cloudtrail/trails.js';
import type { Tag } from '../../src/model/asset.js';
import type { KmsKeyRecord } from '../../src/model/kms-key.js';
import type { TrailRecord } from '../../src/model/trail.js';
import type { InventoryStore, ScopeCounts, TrailScopeResult } from '../../src/store/store.js';

export const COLLECTOR = 'aws.cloudtrail.trails';

/**
 * A KmsKeyRecord as the collector makes one for an enabled, customer managed, symmetric key whose material KMS
 * generated on 2025-01-01 and rotates, with an empty policy; its account, region and key id read from `arn`.
 */
export function kmsKeyRecord(arn: string, changes: Partial<KmsKeyRecord> = {}): KmsKeyRecord {
  const [, , , region = '', accountId = '', resource = ''] = arn.split(':');
  const keyId = resource.slice(resource.indexOf('/') + 1);
  const creationDate = changes.creationDate === undefined ? '2025-01-01T00:00:00.000Z' : changes.creationDate;
  return {
    arn,
    name: keyId,
    accountId,
    region,
    keyId,
    aliases: [],
    description: '',
    keyManager: 'CUSTOMER',
    managementType: 'CustomerManaged',
    keyState: 'Enabled',
    enabled: true,
    scheduleForDeletion: false,
    deletionDate: null,
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    origin: 'AWS_KMS',
    multiRegion: false,
    creationDate,
    validTo: null,
    expirationModel: '',
    lastRotationDate: null,
    keyMaterialDate: changes.lastRotationDate ?? creationDate,
    automaticRotationEnabled: true,
    policyDocument: '{"Statement":[]}',
    keyPolicy: { statements: [] },
    tags: [],
    collectionErrors: [],
    raw: {},
    ...changes,
  };
}

export interface RecordInput {
  account?: string;
  region?: string;
  trail?: Partial<Trail>;
  status?: Partial<GetTrailStatusCommandOutput> | null;
  tags?: Tag[] | null;
  /** GetEventSelectors' answer (no selectors unless given); null when the call failed. */
  selectors?: Pick<GetEventSelectorsCommandOutput, 'EventSelectors' | 'AdvancedEventSelectors'> | null;
}

export function trailRecord(name: string, input: RecordInput = {}): TrailRecord {
  const account = input.account ?? '111122223333';
  const region = input.region ?? 'us-east-1';
  const trail: Trail = {
    Name: name,
    TrailARN: `arn:aws:cloudtrail:${region}:${account}:trail/${name}`,
    HomeRegion: region,
    S3BucketName: `logs-${name}`,
    IsMultiRegionTrail: false,
    IncludeGlobalServiceEvents: true,
    LogFileValidationEnabled: true,
    HasCustomEventSelectors: false,
    HasInsightSelectors: false,
    IsOrganizationTrail: false,
    ...input.trail,
  };
  const status = input.status === null ? undefined : ({ IsLogging: true, $metadata: {}, ...input.status } as GetTrailStatusCommandOutput);
  return toTrailRecord(trail, {
    status,
    selectors: input.selectors === null ? undefined : { TrailARN: trail.TrailARN, EventSelectors: [], $metadata: {}, ...input.selectors },
    insights: { InsightSelectors: [] },
    tags: input.tags === undefined ? [] : input.tags,
    errors: [
      ...(status ? [] : [{ operation: 'GetTrailStatus', code: 'TrailNotFoundException', message: 'Unknown trail' }]),
      ...(input.selectors === null ? [{ operation: 'GetEventSelectors', code: 'AccessDeniedException', message: 'not authorized' }] : []),
    ],
  });
}

/** Writes one successful scope in a run of its own and finishes the run. */
export async function syncScope(store: InventoryStore, scope: Omit<TrailScopeResult, 'status'> & { status?: TrailScopeResult['status'] }): Promise<ScopeCounts> {
  const run = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
  const counts = await store.writeTrailScope(run.id, COLLECTOR, { status: 'ok', ...scope });
  await store.finishSyncRun(run.id, scope.status === 'failed' ? 'partial' : 'succeeded');
  return counts;
}

/** Writes several scopes in one run and finishes it: one sync of an organization. Returns the run id and each scope's counts. */
export async function syncRun(
  store: InventoryStore,
  scopes: (Omit<TrailScopeResult, 'status'> & { status?: TrailScopeResult['status'] })[],
): Promise<{ runId: number; counts: ScopeCounts[] }> {
  const run = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
  const counts: ScopeCounts[] = [];
  for (const scope of scopes) counts.push(await store.writeTrailScope(run.id, COLLECTOR, { status: 'ok', ...scope }));
  await store.finishSyncRun(run.id, scopes.some((s) => s.status === 'failed') ? 'partial' : 'succeeded');
  return { runId: run.id, counts };
}
