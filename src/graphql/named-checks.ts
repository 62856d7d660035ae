// The named checks (schema/named-checks.graphql): root fields Cyscale's control library calls by name, each defined
// once here as a filter in the inventory's own terms over an existing list of the store (findAccounts,
// findAssetsOfType). They read stored data only; what the sync could not read (null) never makes an item pass.
import { GraphQLError } from 'graphql';
import { CONFIGURATION_RECORDER } from '../assets/configuration-recorder.js';
import { KMS_KEY } from '../assets/kms-key.js';
import { TRAIL } from '../assets/trail.js';
import { computeCoverage, type CoverageEntry } from '../store/coverage.js';
import type { InventoryStore } from '../store/store.js';
import { accountsWithoutMonitoringChain } from './monitoring-chain.js';

/** How long CloudTrail's delivery to CloudWatch Logs may be silent before a trail counts as not integrated (CIS: a day). */
export const CLOUDWATCH_LOGS_DELIVERY_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** The most days a named check's `days` may say (a century): enough for any policy, and a date JavaScript can hold. */
export const MAX_NAMED_CHECK_DAYS = 36_500;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The field's arguments, as GraphQL gives them (validated against the SDL: an Int! is an integer). */
type Args = Readonly<Record<string, unknown>>;

/**
 * A named check: the list it reads (accounts, or the assets of a type) and its filter at the time `now`, given the
 * field's arguments. An argument out of its range throws a BAD_USER_INPUT error naming it.
 */
export type NamedCheck =
  | { name: string; list: 'accounts'; where: (now: Date, args: Args, store: InventoryStore) => object | Promise<object> }
  | { name: string; list: 'assets'; assetType: string; where: (now: Date, args: Args, store: InventoryStore) => object | Promise<object> };

/** `days`: a whole number of days from 1 to MAX_NAMED_CHECK_DAYS. */
function daysOf(check: string, args: Args): number {
  const days = args.days;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_NAMED_CHECK_DAYS) {
    throw new GraphQLError(`${check}: days must be a whole number of days from 1 to ${MAX_NAMED_CHECK_DAYS}, not ${String(days)}`, {
      extensions: { code: 'BAD_USER_INPUT', argumentPath: 'days' },
    });
  }
  return days;
}

/**
 * Key states whose key has no material in use to rotate: pending deletion (KMS deletes it at the end of the waiting
 * period; rotation stops meanwhile), the primary of a multi-Region key pending deletion until its replicas are, and
 * a key of imported material that holds none (never imported, or expired and deleted).
 */
const KEY_STATES_WITHOUT_MATERIAL_IN_USE = ['PendingDeletion', 'PendingReplicaDeletion', 'PendingImport'];

/** A trail that counts for the accounts that see it: CIS's "CloudTrail is enabled in all regions". */
const LOGGING_MULTI_REGION_TRAIL = { isMultiRegionTrail: true, isLogging: true, recordsAllManagementEvents: true };

export const NAMED_CHECKS: readonly NamedCheck[] = [
  {
    name: 'AWSLogging1',
    list: 'accounts',
    // `true` matches no unknown (null) value, so an account whose only trail has an unknown status has none that counts.
    // A failed latest attempt is returned: what the account holds now is unknown. Never attempted: not judged.
    where: () => ({ OR: [{ status: 'failed' }, { status: 'ok', trails_NONE: LOGGING_MULTI_REGION_TRAIL }] }),
  },
  {
    name: 'AWSLogging4',
    list: 'assets',
    assetType: TRAIL.name,
    // NOT of "delivered within the day" also holds where the delivery time is unknown or missing (null).
    where: (now) => ({
      OR: [
        { cloudWatchLogsLogGroupArn: '' },
        { NOT: { latestCloudWatchLogsDeliveryTime_GTE: new Date(now.getTime() - CLOUDWATCH_LOGS_DELIVERY_MAX_AGE_MS).toISOString() } },
      ],
    }),
  },
  {
    name: 'EncryptionKeysRotationAWS',
    list: 'assets',
    assetType: KMS_KEY.name,
    // Customer managed keys whose current material (keyMaterialDate) is older than `days`, whatever kind of key: one
    // whose material cannot be rotated in place is rotated by replacing the key. AWS managed keys are KMS's to rotate
    // (yearly), not the customer's. `_NOT` and NOT hold where the value is unknown (null): an unknown manager, state
    // or material date is returned.
    where: (now, args) => {
      const since = new Date(now.getTime() - daysOf('EncryptionKeysRotationAWS', args) * DAY_MS).toISOString();
      return {
        managementType_NOT: 'AWSManaged',
        NOT: { OR: [{ keyState_IN: KEY_STATES_WITHOUT_MATERIAL_IN_USE }, { keyMaterialDate_GTE: since }] },
      };
    },
  },
  {
    name: 'EncryptionKeysExpiration',
    list: 'assets',
    assetType: KMS_KEY.name,
    // Every key but those known not to expire within `days`: material that does not expire (expirationModel "" or
    // KEY_MATERIAL_DOES_NOT_EXPIRE) or expires later. So material already expired is returned, and so is a key whose
    // expiry is unknown (DescribeKey failed: null), or said to expire without a date.
    where: (now, args) => {
      const until = new Date(now.getTime() + daysOf('EncryptionKeysExpiration', args) * DAY_MS).toISOString();
      return { NOT: { OR: [{ expirationModel_IN: ['', 'KEY_MATERIAL_DOES_NOT_EXPIRE'] }, { validTo_GT: until }] } };
    },
  },
  {
    name: 'AWSLogging5',
    list: 'accounts',
    // The accounts are picked from the recorders and their collector's coverage (below), then read as any accounts are.
    where: async (_now, _args, store) => ({ accountId_IN: await accountsNotRecordingEverywhere(store) }),
  },
  {
    name: 'AWSMonitoring',
    list: 'accounts',
    // CIS 4.x (v1.4) / 5.x (v6.0): the accounts with no complete trail → log group → metric filter → alarm → topic →
    // subscriber chain for the pattern (src/graphql/monitoring-chain.ts), then read as any accounts are.
    where: async (_now, args, store) => ({ accountId_IN: await accountsWithoutMonitoringChain(store, String(args.filterPattern)) }),
  },
];

/**
 * A recorder that counts for its region in AWSLogging5: recording every supported resource type, its latest
 * delivery not failed. `true` and `_NOT` match no unknown (null) value, so a recorder whose status could not be read
 * does not count.
 */
const RECORDING_EVERYTHING = { recording: true, allSupported: true, lastStatus_NOT: 'Failure' };

/**
 * AWSLogging5 (schema/named-checks.graphql): of the accounts a sync attempted, those whose latest attempt failed, and
 * those with an enabled region where no recorder records everything, where the recorders' collection failed or never
 * ran, or with no region whose counting recorder records the global IAM resource types (one region suffices, as AWS
 * Config recommends: README, AWS Config). Regions not enabled (skipped) are not judged. By account id.
 */
async function accountsNotRecordingEverywhere(store: InventoryStore): Promise<string[]> {
  const [accounts, coverage, counting] = await Promise.all([
    store.findAccounts({ OR: [{ status: 'ok' }, { status: 'failed' }] }),
    computeCoverage(store, CONFIGURATION_RECORDER.name),
    store.findAssetsOfType(CONFIGURATION_RECORDER.name, RECORDING_EVERYTHING, { fields: ['accountId', 'region', 'includeGlobalResourceTypes'] }),
  ]);
  const recordingIn = new Set<string>();
  const recordingGlobal = new Set<string>();
  for (const recorder of counting as unknown as Array<{ accountId: string; region: string; includeGlobalResourceTypes: boolean }>) {
    recordingIn.add(`${recorder.accountId}/${recorder.region}`);
    if (recorder.includeGlobalResourceTypes) recordingGlobal.add(recorder.accountId);
  }
  const entriesOf = new Map<string, CoverageEntry[]>();
  for (const entry of coverage) entriesOf.set(entry.accountId, [...(entriesOf.get(entry.accountId) ?? []), entry]);
  const regionFails = (entry: CoverageEntry): boolean => {
    // Not enabled: nothing to record there.
    if (entry.lastAttemptStatus === 'skipped' || entry.regionEnabled === false) return false;
    // Failed, never attempted, or an account none of whose regions is known: what it holds is unknown.
    if (entry.lastAttemptStatus !== 'ok' || entry.region === '' || entry.enabledRegionsUnknown) return true;
    return !recordingIn.has(`${entry.accountId}/${entry.region}`);
  };
  return accounts
    .filter((account) => {
      const entries = entriesOf.get(account.accountId) ?? [];
      // An account whose recorders no sync has listed (a sync before the collector existed) is unknown: returned.
      return account.status === 'failed' || entries.length === 0 || entries.some(regionFails) || !recordingGlobal.has(account.accountId);
    })
    .map((account) => account.accountId);
}
