// Turns an accounts configuration into the accounts a sync reaches, each with its credentials: the listed roles, and
// the active accounts of an organization (ListAccounts from the management account, then the member role in each).
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { describeOrganization } from '../../collectors/aws/organizations.js';
import type { Logger } from '../log.js';
import type { ScopeError } from '../store/store.js';
import { DEFAULT_SESSION_NAME, type AccountsConfig, type OrganizationEntry } from './accounts-config.js';
import { assumedRoleCredentials, baseCredentials, DEFAULT_REQUEST_TIMEOUT_MS, requestHandlerConfig, type AssumeRole, type Credentials } from './credentials.js';

/** An account to sync: credentials from the standard SDK chain unless given. */
export interface AccountTarget {
  /** How logs name the account, e.g. "default credentials" or "111122223333 (prod)". */
  label: string;
  /** The account the credentials must belong to, when known before any call (from a role ARN or Organizations). */
  accountId?: string;
  /** The accounts file's `name` for it, else its name in AWS Organizations: stored with the account, shown in summaries. */
  name?: string;
  credentials?: Credentials;
  /** Known to be out of reach before any call (e.g. named in organization.include but not in the organization): recorded as failed. */
  unreachable?: ScopeError;
  /** Why the account leaves the inventory in this run instead of being synced (excluded, closed, or listed under forget). */
  retire?: string;
}

export interface TargetOptions {
  /** The region whose STS and Organizations endpoints are used. */
  region: string;
  maxAttempts: number;
  /** Milliseconds before an AssumeRole or Organizations call is abandoned: discovery must not hang a sync. */
  requestTimeoutMs?: number;
  log: Logger;
}

/** Organizations account states whose accounts cannot be read (AWS keeps a suspended account's resources, unreachable). */
const CLOSED_STATES = new Set(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']);

/** The accounts to sync. Without a configuration: the one account behind the standard SDK credentials. */
export async function resolveAccountTargets(config: AccountsConfig | undefined, options: TargetOptions): Promise<AccountTarget[]> {
  if (!config) return [{ label: 'default credentials' }];
  const base = baseCredentials();
  const targets = new Map<string, AccountTarget>();
  if (config.organization) {
    for (const target of await organizationTargets(config.organization, base, options)) targets.set(target.accountId!, target);
  }
  for (const accountId of config.forget ?? []) {
    targets.set(accountId, { label: accountId, accountId, retire: `listed under forget in ${config.file}` });
  }
  // An account listed by hand wins over the same account discovered: its role is the one the user chose.
  for (const entry of config.accounts ?? []) {
    const accountId = entry.role_arn.split(':')[4]!;
    const name = entry.name ?? targets.get(accountId)?.name;
    targets.set(accountId, {
      label: name ? `${accountId} (${name})` : accountId,
      accountId,
      ...(name ? { name } : {}),
      credentials: assumedRoleCredentials({
        roleArn: entry.role_arn,
        sessionName: entry.session_name ?? DEFAULT_SESSION_NAME,
        ...(entry.external_id ? { externalId: entry.external_id } : {}),
        source: base,
        ...clientOptions(options),
      }),
    });
  }
  return [...targets.values()];
}

function clientOptions(options: TargetOptions): Pick<AssumeRole, 'region' | 'maxAttempts' | 'requestTimeoutMs'> {
  return { region: options.region, maxAttempts: options.maxAttempts, requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS };
}

async function organizationTargets(organization: OrganizationEntry, base: Credentials, options: TargetOptions): Promise<AccountTarget[]> {
  const sessionName = organization.session_name ?? DEFAULT_SESSION_NAME;
  const management = organization.management_role_arn
    ? assumedRoleCredentials({
        roleArn: organization.management_role_arn,
        sessionName,
        ...(organization.external_id ? { externalId: organization.external_id } : {}),
        source: base,
        ...clientOptions(options),
      })
    : base;
  const { region, maxAttempts, requestTimeoutMs } = clientOptions(options);
  const client = new OrganizationsClient({ region, maxAttempts, requestHandler: requestHandlerConfig(requestTimeoutMs), credentials: management });
  let discovered;
  try {
    discovered = await describeOrganization(client);
  } finally {
    client.destroy();
  }
  const include = organization.include && new Set(organization.include);
  const exclude = new Set(organization.exclude ?? []);
  const targets: AccountTarget[] = [];
  // A typo in include must not quietly narrow the inventory: the account is recorded as failed.
  for (const id of include ?? []) {
    if (!discovered.accounts.some((account) => account.id === id)) {
      const unreachable = { code: 'NotInOrganization', message: `account ${id} is named in organization.include but is not an account of the organization` };
      targets.push({ label: id, accountId: id, unreachable });
    }
  }
  for (const account of discovered.accounts) {
    const label = account.name ? `${account.id} (${account.name})` : account.id;
    const named = account.name ? { name: account.name } : {};
    // Accounts the user excluded or AWS closed leave the inventory; others not included belong to another sync's share.
    if (exclude.has(account.id)) {
      targets.push({ label, accountId: account.id, ...named, retire: 'excluded by organization.exclude' });
      continue;
    }
    if (include && !include.has(account.id)) continue;
    // Only a state known to be closed is retired; an unknown or missing one is tried (a failure is recorded, a skip is not).
    if (CLOSED_STATES.has(account.status)) {
      targets.push({ label, accountId: account.id, ...named, retire: `its state in AWS Organizations is ${account.status}` });
      continue;
    }
    // The management account rarely holds the member role: it is read with the credentials that listed the organization.
    const credentials =
      account.id === discovered.managementAccountId
        ? management
        : assumedRoleCredentials({
            roleArn: `arn:${account.partition}:iam::${account.id}:role/${organization.member_role_name}`,
            sessionName,
            ...(organization.external_id ? { externalId: organization.external_id } : {}),
            source: management,
            ...clientOptions(options),
          });
    targets.push({ label, accountId: account.id, ...named, credentials });
  }
  return targets;
}
