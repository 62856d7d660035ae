// The named checks (schema/named-checks.graphql): root fields Cyscale's control library calls by name, each defined
// once here as a filter in the inventory's own terms over an existing list of the store (findAccounts,
// findAssetsOfType). They read stored data only; what the sync could not read (null) never makes an item pass.
import { TRAIL } from '../assets/trail.js';

/** How long CloudTrail's delivery to CloudWatch Logs may be silent before a trail counts as not integrated (CIS: a day). */
export const CLOUDWATCH_LOGS_DELIVERY_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** A named check: the list it reads (accounts, or the assets of a type) and its filter at the time `now`. */
export type NamedCheck =
  | { name: string; list: 'accounts'; where: (now: Date) => object }
  | { name: string; list: 'assets'; assetType: string; where: (now: Date) => object };

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
];
