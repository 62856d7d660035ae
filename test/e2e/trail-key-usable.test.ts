// The key-usability control (controls/aws/cloudtrail-kms-key-usable.yaml) on a simulated organization whose trails use
// every kind of key AWS documents: its failing and undecided sets must equal the ones worked out here from the
// scenario's own data (the keys and policies as the scenario sets them, judged by AWS's rules written in this file),
// and it must pass only once nothing fails and nothing is undecided.
import { describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import { evaluateControls } from '../../src/controls/evaluate.js';
import { verdictsAsText } from '../../src/controls/report.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { cloudTrailKeyAccess, cloudTrailKeyStatements } from '../../src/model/key-policy-access.js';
import { writeAwsJson } from '../../src/simulator/kms/keys.js';
import type { Scenario, SimAccount, SimKmsKey, SimTrail } from '../../src/simulator/index.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { syncInventory } from '../../src/sync/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import type { InventoryStore } from '../../src/store/store.js';
import { simulatedAwsPerTest } from '../support/aws.js';

const setUp = simulatedAwsPerTest();
const api = createInventoryApi();

const MANAGEMENT = '111111111111';
const CENTRAL = '222222222222';
const UNSYNCED = '333333333333';
const REGION = 'us-east-1';
const ROLE = 'InventoryReader';

const trailArn = (name: string) => `arn:aws:cloudtrail:${REGION}:${MANAGEMENT}:trail/${name}`;
const keyArn = (accountId: string, keyId: string) => `arn:aws:kms:${REGION}:${accountId}:key/${keyId}`;
const keyId = (n: number) => `0000000${n}-aaaa-4bbb-8ccc-00000000000${n}`;

/** KMS's default key policy statement (the account's root, kms:*), plus the statements given, in KMS's own layout. */
function policy(accountId: string, ...statements: object[]): string {
  return writeAwsJson({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
      ...statements,
    ],
  });
}

/** The policy of a key in `accountId` with CloudTrail's two statements (User Guide) filled in for `trail`. */
function cloudTrailPolicy(accountId: string, trail: string, key: string): string {
  const { encrypt, describe } = cloudTrailKeyStatements({ arn: trail }, key);
  return policy(accountId, encrypt, describe);
}

/** Each trail of the management account, the key it names, and whether that key's policy lets CloudTrail in for it. */
interface Case {
  trail: string;
  keyAccount: string;
  key: SimKmsKey;
  /** Written by hand from the policy as set: both CloudTrail statements, for this trail's ARN. */
  policyLetsCloudTrailIn: boolean;
}

function cases(): Case[] {
  const key = (n: number, account: string, trail: string, extra: Partial<SimKmsKey> = {}): SimKmsKey => ({
    KeyId: keyId(n),
    Region: REGION,
    CreationDate: '2025-01-02T03:04:05Z',
    Policy: cloudTrailPolicy(account, trailArn(trail), keyArn(account, keyId(n))),
    ...extra,
  });
  return [
    { trail: 'same-account', keyAccount: MANAGEMENT, key: key(1, MANAGEMENT, 'same-account'), policyLetsCloudTrailIn: true },
    { trail: 'central-key', keyAccount: CENTRAL, key: key(2, CENTRAL, 'central-key'), policyLetsCloudTrailIn: true },
    { trail: 'disabled-key', keyAccount: MANAGEMENT, key: key(3, MANAGEMENT, 'disabled-key', { KeyState: 'Disabled' }), policyLetsCloudTrailIn: true },
    {
      trail: 'pending-deletion',
      keyAccount: MANAGEMENT,
      key: key(4, MANAGEMENT, 'pending-deletion', { KeyState: 'PendingDeletion', DeletionDate: '2026-12-20T00:00:00Z' }),
      policyLetsCloudTrailIn: true,
    },
    // An AWS managed key keeps the policy its service wrote (the simulator's, for alias/aws/s3): no statement for CloudTrail.
    {
      trail: 'aws-managed',
      keyAccount: MANAGEMENT,
      key: key(5, MANAGEMENT, 'aws-managed', { KeyManager: 'AWS', Aliases: ['alias/aws/s3'], Policy: undefined }),
      policyLetsCloudTrailIn: false,
    },
    { trail: 'no-statement', keyAccount: MANAGEMENT, key: key(6, MANAGEMENT, 'no-statement', { Policy: policy(MANAGEMENT) }), policyLetsCloudTrailIn: false },
    {
      trail: 'other-trail-only',
      keyAccount: MANAGEMENT,
      key: key(7, MANAGEMENT, 'other-trail-only', { Policy: cloudTrailPolicy(MANAGEMENT, trailArn('someone-else'), keyArn(MANAGEMENT, keyId(7))) }),
      policyLetsCloudTrailIn: false,
    },
    {
      trail: 'asymmetric',
      keyAccount: MANAGEMENT,
      key: key(8, MANAGEMENT, 'asymmetric', { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }),
      policyLetsCloudTrailIn: true,
    },
    { trail: 'unsynced-key', keyAccount: UNSYNCED, key: key(9, UNSYNCED, 'unsynced-key'), policyLetsCloudTrailIn: true },
  ];
}

function scenarioOf(list: Case[]): Scenario {
  const trail = (c: Case): SimTrail => ({
    Name: c.trail,
    HomeRegion: REGION,
    S3BucketName: `cloudtrail-${MANAGEMENT}`,
    IsMultiRegionTrail: false,
    IsLogging: true,
    KmsKeyId: keyArn(c.keyAccount, c.key.KeyId),
  });
  const account = (id: string, name: string): SimAccount => ({
    Id: id,
    Name: name,
    Email: `aws+${name}@example.com`,
    Status: 'ACTIVE',
    AccessKeyId: `AKIA${id}SIMX`,
    SecretAccessKey: `secret-${id}-0000000000000000000000000`.slice(0, 40),
    Trails: id === MANAGEMENT ? list.map(trail) : [],
    Roles: [{ Name: ROLE, TrustedAccountIds: [MANAGEMENT] }],
    KmsKeys: list.filter((c) => c.keyAccount === id).map((c) => c.key),
  });
  return {
    organization: { managementAccountId: MANAGEMENT },
    accounts: [account(MANAGEMENT, 'management'), account(CENTRAL, 'security'), account(UNSYNCED, 'elsewhere')],
    faults: [],
    latencyMs: 0,
    transientErrorRate: 0,
    seed: 15,
  };
}

/**
 * AWS's rules for a trail's key (AWS CloudTrail User Guide, "Encrypting CloudTrail log files with AWS KMS keys"), read
 * from the scenario: the key's account is synced, else undecided; it fails unless customer managed, Enabled, symmetric
 * for encryption, in the trail's region (the bucket's stand-in), and its policy lets CloudTrail in for the trail.
 */
function judge(list: Case[], synced: ReadonlySet<string>): { failing: string[]; undecided: string[] } {
  const failing: string[] = [];
  const undecided: string[] = [];
  for (const c of list) {
    if (!synced.has(c.keyAccount)) {
      undecided.push(trailArn(c.trail));
      continue;
    }
    const k = c.key;
    const usable =
      (k.KeyManager ?? 'CUSTOMER') === 'CUSTOMER' &&
      (k.KeyState ?? 'Enabled') === 'Enabled' &&
      (k.KeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' &&
      (k.KeyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT' &&
      k.Region === REGION &&
      c.policyLetsCloudTrailIn;
    if (!usable) failing.push(trailArn(c.trail));
  }
  return { failing: failing.sort(), undecided: undecided.sort() };
}

async function sync(store: InventoryStore, accounts: string[]): Promise<void> {
  const config = parseAccountsConfig(`organization:\n  member_role_name: ${ROLE}\n  include: [${accounts.map((id) => `"${id}"`).join(', ')}]\n`, 'accounts.yaml');
  const summary = await syncInventory(store, {
    accounts: () => resolveAccountTargets(config, { region: REGION, maxAttempts: 3, log: silentLogger }),
    log: silentLogger,
  });
  expect(
    summary.runs.map((run) => run.status),
    JSON.stringify(summary.runs.map((r) => r.errorMessage ?? r)),
  ).toEqual(['succeeded', 'succeeded', 'succeeded']);
}

describe('cloudtrail-kms-key-usable on a simulated organization', () => {
  it('fails exactly the trails whose key cannot encrypt their logs, is ERROR for a key it cannot see, and passes only once both are gone', async () => {
    const list = cases();
    // The policy part of the judgement, checked against the evaluator for every policy the scenario sets.
    for (const c of list.filter((x) => x.key.Policy !== undefined)) {
      const access = cloudTrailKeyAccess(c.key.Policy!, { arn: trailArn(c.trail), sourceAccount: MANAGEMENT }, keyArn(c.keyAccount, c.key.KeyId));
      const allowed = access.encrypt.decision === 'allowed' && access.describe.decision === 'allowed';
      expect(allowed, c.trail).toBe(c.policyLetsCloudTrailIn);
    }
    const scenario = scenarioOf(list);
    const { store } = await setUp(scenario);
    const management = scenario.accounts[0]!;
    vi.stubEnv('AWS_ACCESS_KEY_ID', management.AccessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', management.SecretAccessKey);
    const control = loadCatalog(api).filter((c) => c.id === 'cloudtrail-kms-key-usable');
    // Verdicts given just after each sync: the inventory is fresh.
    const evaluate = async () => (await evaluateControls(api, store, control, { now: new Date() }))[0]!;

    // The account holding one trail's key is left out of the sync.
    await sync(store, [MANAGEMENT, CENTRAL]);
    const expected = judge(list, new Set([MANAGEMENT, CENTRAL]));
    expect(expected.failing).toHaveLength(6);
    expect(expected.undecided).toEqual([trailArn('unsynced-key')]);
    const verdict = await evaluate();
    expect(verdict.verdict).toBe('FAIL');
    expect(verdict.failingAssets.map((a) => a.id).sort()).toEqual(expected.failing);
    expect(verdict.undecidedAssets!.map((a) => a.id).sort()).toEqual(expected.undecided);
    expect(verdict.evaluatedCount).toBe(list.length);
    // Each failing trail is named with why its key cannot be used.
    const detail = (name: string) => verdict.failingAssets.find((a) => a.id === trailArn(name))!.detail;
    expect(detail('disabled-key')).toContain('the key is disabled');
    expect(detail('pending-deletion')).toContain('the key is pending deletion');
    expect(detail('aws-managed')).toContain('the key is AWS managed');
    expect(detail('no-statement')).toContain('the key policy does not let CloudTrail encrypt its logs');
    expect(detail('other-trail-only')).toContain('the key policy does not let CloudTrail encrypt its logs');
    expect(detail('asymmetric')).toContain('not a symmetric encryption key');
    expect(verdict.undecidedAssets![0]!.detail).toContain("the key's account and region are not synced");
    expect(verdict.reason).toMatch(
      /^6 assets fail; expected "eq \[\]"; and 1 asset the inventory cannot decide \(arn:aws:cloudtrail:us-east-1:111111111111:trail\/unsynced-key: /,
    );
    expect(verdict.accounts).toEqual([
      { accountId: MANAGEMENT, verdict: 'FAIL', evaluated: list.length, failing: 6, excepted: 0, undecided: 1, gaps: [] },
      { accountId: CENTRAL, verdict: 'PASS', evaluated: 0, failing: 0, excepted: 0, undecided: 0, gaps: [] },
    ]);
    const table = verdictsAsText([verdict]);
    expect(table).toContain(`         ${trailArn('disabled-key')}  (account ${MANAGEMENT}, ${REGION}): the key is disabled (aws kms enable-key)`);
    expect(table).toContain(
      `       undecided (the inventory cannot tell whether they fail):\n         ${trailArn('unsynced-key')}  (account ${MANAGEMENT}, ${REGION}): `,
    );

    // The failing trails' keys fixed as AWS asks (enabled, customer managed, symmetric, CloudTrail's statements): ERROR,
    // for the one key the inventory still cannot see.
    for (const c of list.filter((x) => expected.failing.includes(trailArn(x.trail)))) {
      const k = c.key;
      k.KeyState = 'Enabled';
      delete k.DeletionDate;
      k.KeyManager = 'CUSTOMER';
      delete k.Aliases;
      k.KeySpec = 'SYMMETRIC_DEFAULT';
      k.Policy = cloudTrailPolicy(c.keyAccount, trailArn(c.trail), keyArn(c.keyAccount, k.KeyId));
      c.policyLetsCloudTrailIn = true;
    }
    await sync(store, [MANAGEMENT, CENTRAL]);
    expect(judge(list, new Set([MANAGEMENT, CENTRAL]))).toEqual({ failing: [], undecided: [trailArn('unsynced-key')] });
    const undecided = await evaluate();
    expect(undecided.verdict).toBe('ERROR');
    expect(undecided.failingAssets).toEqual([]);
    expect(undecided.undecidedAssets!.map((a) => a.id)).toEqual([trailArn('unsynced-key')]);
    expect(undecided.reason).toMatch(/^1 asset the inventory cannot decide \(.*\), so the control cannot pass; otherwise the query result meets "eq \[\]"$/);
    expect(undecided.accounts!.find((a) => a.accountId === MANAGEMENT)).toMatchObject({ verdict: 'ERROR', failing: 0, undecided: 1 });

    // Once the key's account is synced too, nothing is undecided: PASS.
    await sync(store, [MANAGEMENT, CENTRAL, UNSYNCED]);
    expect(judge(list, new Set([MANAGEMENT, CENTRAL, UNSYNCED]))).toEqual({ failing: [], undecided: [] });
    const passed = await evaluate();
    expect(passed.verdict).toBe('PASS');
    expect(passed.undecidedAssets).toEqual([]);
    expect(passed.accounts!.every((a) => a.verdict === 'PASS')).toBe(true);
  });
});
