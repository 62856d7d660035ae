// AWS Organizations: the accounts of an organization, read from its management account.
import { DescribeOrganizationCommand, paginateListAccounts, type OrganizationsClient } from '@aws-sdk/client-organizations';

// The IAM actions called here are ORGANIZATION_PERMISSIONS in permissions.ts.

export interface OrganizationAccount {
  id: string;
  /** The partition the account lives in (aws, aws-us-gov, aws-cn), from its ARN: member role ARNs are built in it. */
  partition: string;
  name: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ... ('' when AWS gave none): closed accounts cannot be synced. */
  status: string;
}

export interface Organization {
  managementAccountId: string;
  accounts: OrganizationAccount[];
}

/** Every account of the organization, whatever its status, in the order AWS lists them. */
export async function describeOrganization(client: OrganizationsClient): Promise<Organization> {
  const { Organization: organization } = await client.send(new DescribeOrganizationCommand({}));
  if (!organization?.MasterAccountId) throw new Error('DescribeOrganization returned no management account id');
  const accounts: OrganizationAccount[] = [];
  for await (const page of paginateListAccounts({ client }, {})) {
    for (const account of page.Accounts ?? []) {
      if (!account.Id) continue;
      const partition = account.Arn?.split(':')[1] || 'aws';
      // State replaces the deprecated Status; either may be the one AWS sends.
      accounts.push({ id: account.Id, partition, name: account.Name ?? '', status: account.State ?? account.Status ?? '' });
    }
  }
  return { managementAccountId: organization.MasterAccountId, accounts };
}
