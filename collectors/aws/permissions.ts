// The IAM actions of the account-level work and of organization discovery: the least privilege a sync needs beyond
// each asset type's own, which its definition declares (src/assets/*.ts, `iamActions`). Declared apart from the
// collectors so that `inventory permissions` prints them without loading the AWS SDK.

/** account.ts: who the credentials belong to, and which regions that account has enabled. */
export const ACCOUNT_PERMISSIONS = ['sts:GetCallerIdentity', 'ec2:DescribeRegions'] as const;

/** organizations.ts: the accounts of an organization, read from its management account. */
export const ORGANIZATION_PERMISSIONS = ['organizations:DescribeOrganization', 'organizations:ListAccounts'] as const;
