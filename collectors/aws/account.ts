// Who the credentials belong to, and which regions that account has enabled.
import { DescribeRegionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

// The IAM actions called here are ACCOUNT_PERMISSIONS in permissions.ts.

export interface CallerIdentity {
  accountId: string;
  arn: string;
}

export async function getCallerIdentity(sts: STSClient): Promise<CallerIdentity> {
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Account || !identity.Arn) throw new Error('GetCallerIdentity returned no account id');
  return { accountId: identity.Account, arn: identity.Arn };
}

export interface AccountRegions {
  /** Regions the account can use: those that need no opt-in, and opt-in regions it has opted in to. */
  enabled: string[];
  /** Opt-in regions the account has not enabled: their endpoints refuse its credentials. */
  notEnabled: string[];
}

/** Every region of the partition with its opt-in status (DescribeRegions with AllRegions), sorted. */
export async function describeAccountRegions(ec2: EC2Client): Promise<AccountRegions> {
  const { Regions = [] } = await ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
  const regions: AccountRegions = { enabled: [], notEnabled: [] };
  for (const region of Regions) {
    if (!region.RegionName) continue;
    (region.OptInStatus === 'not-opted-in' ? regions.notEnabled : regions.enabled).push(region.RegionName);
  }
  regions.enabled.sort();
  regions.notEnabled.sort();
  return regions;
}
