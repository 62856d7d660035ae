// Turns an accounts configuration into the accounts a sync reaches, each with its credentials: the listed roles, and
// the active accounts of an organization (ListAccounts from the management account, then the member role in each).
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { describeOrganization } from '../../collectors/aws/organizations.js';
import type { Logger } from '../log.js';
import { DEFAULT_SESSION_NAME, type AccountsConfig, type OrganizationEntry } from './accounts-config.js';
import { assumedRoleCredentials, baseCredentials, type Credentials } from './credentials.js';

/** An account to sync: credentials from the standard SDK chain unless given. */
export interface AccountTarget {
  /** How logs name the account, e.g. "default credentials" or "111122223333 (prod)". */
  label: string;
  /** The account the credentials must belong to, when known before any call (from a role ARN or Organizations). */
  accountId?: string;
  credentials?: Credentials;
}

export interface TargetOptions {
  /** The region whose STS and Organizations endpoints are used. */
  region: string;
  maxAttempts: number;
  log: Logger;
}

/** The accounts to sync. Without a configuration: the one account behind the standard SDK credentials. */
export async function resolveAccountTargets(config: AccountsConfig | undefined, options: TargetOptions): Promise<AccountTarget[]> {
  if (!config) return [{ label: 'default credentials' }];
  const base = baseCredentials();
  const targets = new Map<string, AccountTarget>();
  if (config.organization) {
    for (const target of await organizationTargets(config.organization, base, options)) targets.set(target.accountId!, target);
  }
  // An account listed by hand wins over the same account discovered: its role is the one the user chose.
  for (const entry of config.accounts ?? []) {
    const accountId = entry.role_arn.split(':')[4]!;
    targets.set(accountId, {
      label: entry.name ? `${accountId} (${entry.name})` : accountId,
      accountId,
      credentials: assumedRoleCredentials({
        roleArn: entry.role_arn,
        sessionName: entry.session_name ?? DEFAULT_SESSION_NAME,
        ...(entry.external_id ? { externalId: entry.external_id } : {}),
        source: base,
        region: options.region,
        maxAttempts: options.maxAttempts,
      }),
    });
  }
  return [...targets.values()];
}

async function organizationTargets(organization: OrganizationEntry, base: Credentials, options: TargetOptions): Promise<AccountTarget[]> {
  const sessionName = organization.session_name ?? DEFAULT_SESSION_NAME;
  const management = organization.management_role_arn
    ? assumedRoleCredentials({
        roleArn: organization.management_role_arn,
        sessionName,
        ...(organization.external_id ? { externalId: organization.external_id } : {}),
        source: base,
        region: options.region,
        maxAttempts: options.maxAttempts,
      })
    : base;
  const client = new OrganizationsClient({ region: options.region, credentials: management, maxAttempts: options.maxAttempts });
  let discovered;
  try {
    discovered = await describeOrganization(client);
  } finally {
    client.destroy();
  }
  const include = organization.include && new Set(organization.include);
  const exclude = new Set(organization.exclude ?? []);
  for (const id of include ?? []) {
    if (!discovered.accounts.some((account) => account.id === id)) {
      options.log.warn({ accountId: id }, 'an account named in organization.include is not in the organization');
    }
  }
  const targets: AccountTarget[] = [];
  for (const account of discovered.accounts) {
    if ((include && !include.has(account.id)) || exclude.has(account.id)) continue;
    if (account.status !== 'ACTIVE') {
      options.log.info({ accountId: account.id, status: account.status }, 'organization account not synced: it is not active');
      continue;
    }
    const label = account.name ? `${account.id} (${account.name})` : account.id;
    // The management account rarely holds the member role: it is read with the credentials that listed the organization.
    const credentials =
      account.id === discovered.managementAccountId
        ? management
        : assumedRoleCredentials({
            roleArn: `arn:${account.partition}:iam::${account.id}:role/${organization.member_role_name}`,
            sessionName,
            ...(organization.external_id ? { externalId: organization.external_id } : {}),
            source: management,
            region: options.region,
            maxAttempts: options.maxAttempts,
          });
    targets.push({ label, accountId: account.id, credentials });
  }
  return targets;
}
