// Every IAM action the AWS collectors call: the least privilege a sync needs. Declared apart from the collectors so
// that `inventory permissions` prints them without loading the AWS SDK; each collector names the list it must match.

/** account.ts: who the credentials belong to, and which regions that account has enabled. */
export const ACCOUNT_PERMISSIONS = ['sts:GetCallerIdentity', 'ec2:DescribeRegions'] as const;

/** cloudtrail/trails.ts: DescribeTrails in every region, then the per-trail calls. */
export const TRAIL_PERMISSIONS = [
  'cloudtrail:DescribeTrails',
  'cloudtrail:GetTrailStatus',
  'cloudtrail:GetEventSelectors',
  'cloudtrail:GetInsightSelectors',
  'cloudtrail:ListTags',
] as const;

/** organizations.ts: the accounts of an organization, read from its management account. */
export const ORGANIZATION_PERMISSIONS = ['organizations:DescribeOrganization', 'organizations:ListAccounts'] as const;
