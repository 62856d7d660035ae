// Who the credentials belong to, and which regions that account has enabled.
import { DescribeRegionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

export const ACCOUNT_PERMISSIONS = ['sts:GetCallerIdentity', 'ec2:DescribeRegions'] as const;

export interface CallerIdentity {
  accountId: string;
  arn: string;
}

export async function getCallerIdentity(sts: STSClient): Promise<CallerIdentity> {
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Account || !identity.Arn) throw new Error('GetCallerIdentity returned no account id');
  return { accountId: identity.Account, arn: identity.Arn };
}

/** The regions enabled for the account (DescribeRegions without AllRegions lists only those), sorted. */
export async function listEnabledRegions(ec2: EC2Client): Promise<string[]> {
  const { Regions = [] } = await ec2.send(new DescribeRegionsCommand({}));
  return Regions.map((r) => r.RegionName)
    .filter((name): name is string => Boolean(name))
    .sort();
}
