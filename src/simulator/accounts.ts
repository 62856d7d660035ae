// Account-level facts shared by the services: who a caller is, which regions they may use.

import { DEFAULT_REGIONS, OPT_IN_REGIONS, type Scenario, type SimAccount } from './scenario.js';

/** Every commercial region the simulator knows (AWS partition `aws`). */
export const ALL_REGIONS: readonly string[] = [...DEFAULT_REGIONS, ...OPT_IN_REGIONS].sort();

const defaultRegionSet = new Set<string>(DEFAULT_REGIONS);

export function findAccountByAccessKey(scenario: Scenario, accessKeyId: string): SimAccount | undefined {
  return accountIndex(scenario).byAccessKey.get(accessKeyId);
}

export function findAccountById(scenario: Scenario, accountId: string): SimAccount | undefined {
  return accountIndex(scenario).byId.get(accountId);
}

/** The scenario's accounts by access key and by id, with what they were built from, to tell when they are stale. */
interface AccountIndex {
  accounts: readonly SimAccount[];
  members: SimAccount[];
  accessKeyIds: string[];
  ids: string[];
  byAccessKey: Map<string, SimAccount>;
  byId: Map<string, SimAccount>;
}

const accountIndexes = new WeakMap<Scenario, AccountIndex>();

/** The index checked at the start of the request being handled, and its scenario; undefined between requests. */
let handling: { scenario: Scenario; index: AccountIndex } | undefined;

/**
 * Runs one request's handler with the scenario's account index checked once, not at every lookup: nothing else runs
 * until the handler returns, and no handler changes the account list, an access key or an account id.
 */
export function handlingRequest<T>(scenario: Scenario, handle: () => T): T {
  handling = { scenario, index: accountIndex(scenario) };
  try {
    return handle();
  } finally {
    handling = undefined;
  }
}

/** Every call looks its caller up among hundreds of accounts; the index is rebuilt whenever a test changed them. */
function accountIndex(scenario: Scenario): AccountIndex {
  if (handling !== undefined && handling.scenario === scenario && handling.index.accounts === scenario.accounts) return handling.index;
  const cached = accountIndexes.get(scenario);
  if (cached !== undefined && isCurrent(cached, scenario.accounts)) return cached;
  const index: AccountIndex = { accounts: scenario.accounts, members: [], accessKeyIds: [], ids: [], byAccessKey: new Map(), byId: new Map() };
  for (const account of scenario.accounts) {
    index.members.push(account);
    index.accessKeyIds.push(account.AccessKeyId);
    index.ids.push(account.Id);
    // The first account with a key or id wins, as a scan in scenario order would find it.
    if (!index.byAccessKey.has(account.AccessKeyId)) index.byAccessKey.set(account.AccessKeyId, account);
    if (!index.byId.has(account.Id)) index.byId.set(account.Id, account);
  }
  accountIndexes.set(scenario, index);
  return index;
}

/** Same list, same accounts, same keys and ids: comparisons of references, far cheaper than matching every key. */
function isCurrent(index: AccountIndex, accounts: readonly SimAccount[]): boolean {
  if (index.accounts !== accounts || index.members.length !== accounts.length) return false;
  for (let i = 0; i < accounts.length; i += 1) {
    const account = accounts[i]!;
    if (account !== index.members[i] || account.AccessKeyId !== index.accessKeyIds[i] || account.Id !== index.ids[i]) return false;
  }
  return true;
}

export function enabledRegions(account: SimAccount): readonly string[] {
  return account.EnabledRegions ?? DEFAULT_REGIONS;
}

export function isRegionEnabled(account: SimAccount, region: string): boolean {
  return enabledRegions(account).includes(region);
}

export type OptInStatus = 'opt-in-not-required' | 'opted-in' | 'not-opted-in';

/** The EC2 DescribeRegions optInStatus of a region for this account. */
export function optInStatus(account: SimAccount, region: string): OptInStatus {
  if (defaultRegionSet.has(region)) return 'opt-in-not-required';
  return isRegionEnabled(account, region) ? 'opted-in' : 'not-opted-in';
}

/** The principal ARN AWS reports for the caller (GetCallerIdentity, AccessDenied messages). */
export function callerArn(account: SimAccount): string {
  return account.CallerArn ?? `arn:aws:iam::${account.Id}:user/inventory-reader`;
}

/** True when the account is in the scenario's organization but is not its management account. */
export function isOrganizationMember(scenario: Scenario, account: SimAccount): boolean {
  return scenario.organization !== undefined && scenario.organization.managementAccountId !== account.Id;
}
