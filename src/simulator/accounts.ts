// Account-level facts shared by the services: who a caller is, which regions they may use.

import { DEFAULT_REGIONS, OPT_IN_REGIONS, type Scenario, type SimAccount } from './scenario.js';

/** Every commercial region the simulator knows (AWS partition `aws`). */
export const ALL_REGIONS: readonly string[] = [...DEFAULT_REGIONS, ...OPT_IN_REGIONS].sort();

const defaultRegionSet = new Set<string>(DEFAULT_REGIONS);

export function findAccountByAccessKey(scenario: Scenario, accessKeyId: string): SimAccount | undefined {
  return scenario.accounts.find((account) => account.AccessKeyId === accessKeyId);
}

export function findAccountById(scenario: Scenario, accountId: string): SimAccount | undefined {
  return scenario.accounts.find((account) => account.Id === accountId);
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
