// Every shipped control on a simulated organization with known violations: its verdict and failing set must equal the
// answer worked out independently from the scenario's own data (not from the inventory), and an exception must stop
// suppressing on the day after its expiry.
import { CloudTrailClient, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { RE2JS } from 're2js';
import { describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import { evaluateControls } from '../../src/controls/evaluate.js';
import { parseExceptions } from '../../src/model/exceptions.js';
import { verdictsAsText } from '../../src/controls/report.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { organizationScenario, type Scenario, type SimKmsKey, type SimTrail } from '../../src/simulator/index.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { syncInventory } from '../../src/sync/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import { simulatedAwsPerTest } from '../support/aws.js';
import {
  accountsWithoutConfigEverywhere,
  type BucketInScenario,
  cloudTrailBucket,
  groupGrant,
  publicAccessBlocked,
  selectorsLogging,
  vpcsWithoutFlowLogs,
  withoutChainInScenario,
} from '../support/scenario-verdicts.js';

const setUp = simulatedAwsPerTest();
const api = createInventoryApi();

/** What each shipped control must find, read from the scenario's trails as AWS holds them. */
const VIOLATES: Record<string, (trail: SimTrail) => boolean> = {
  'cloudtrail-kms-encryption': (trail) => trail.KmsKeyId === undefined,
  'cloudtrail-log-file-validation': (trail) => trail.LogFileValidationEnabled !== true,
  'cloudtrail-cloudwatch-logs': (trail) => !trail.CloudWatchLogsLogGroupArn,
  'cloudtrail-logging': (trail) => !trail.IsLogging,
};

/**
 * What the key-usability control (controls/aws/cloudtrail-kms-key-usable.yaml) must fail among the trails that name a
 * key, read from the trail and its key as the scenario sets them. Every check AWS documents for CloudTrail's key: it
 * exists, is customer managed, Enabled, a symmetric encryption key in the trail's region, and its policy lets
 * cloudtrail.amazonaws.com in. This scenario's keys keep KMS's default key policy (Policy unset: one statement, for
 * the account's root), which names no service principal, so CloudTrail can never use them (src/simulator/kms/keys.ts
 * keyPolicy; the test asserts that no key sets a policy of its own).
 */
const KEY_UNUSABLE = (trail: SimTrail, keys: readonly SimKmsKey[]): boolean => {
  const [, , , region, , resource] = trail.KmsKeyId!.split(':');
  const key = keys.find((k) => k.Region === region && `key/${k.KeyId}` === resource);
  if (!key) return true;
  const usableKey =
    (key.KeyManager ?? 'CUSTOMER') === 'CUSTOMER' &&
    (key.KeyState ?? 'Enabled') === 'Enabled' &&
    (key.KeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' &&
    (key.KeyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT' &&
    key.Region === trail.HomeRegion;
  const policyLetsCloudTrailIn = key.Policy !== undefined; // only KMS's default policy occurs here (asserted below)
  return !(usableKey && policyLetsCloudTrailIn);
};

/**
 * What each shipped control over KMS keys must find, read from the scenario's keys as AWS holds them (unset members take
 * AWS's defaults, as the simulator's SimKmsKey says). kms-key-rotation (controls/aws/kms-key-rotation.yaml): customer
 * managed symmetric keys whose key material KMS generated, not pending deletion, without automatic rotation.
 */
const KEY_VIOLATES: Record<string, (key: SimKmsKey) => boolean> = {
  'kms-key-rotation': (key) =>
    (key.KeyManager ?? 'CUSTOMER') === 'CUSTOMER' &&
    (key.KeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' &&
    (key.Origin ?? 'AWS_KMS') === 'AWS_KMS' &&
    (key.KeyState ?? 'Enabled') !== 'PendingDeletion' &&
    key.RotationEnabled !== true,
};

/** Keys of every kind the rotation control must tell apart, none rotating unless said: only the judged ones may fail. */
function keysOfEveryKind(region: string): SimKmsKey[] {
  const key = (n: number, extra: Partial<SimKmsKey>): SimKmsKey => ({
    KeyId: `f00d000${n}-0000-4000-8000-00000000000${n}`,
    Region: region,
    CreationDate: '2024-05-06T07:08:09Z',
    ...extra,
  });
  return [
    key(1, { KeyManager: 'AWS', Aliases: ['alias/aws/s3'] }),
    key(2, { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }),
    key(3, { Origin: 'EXTERNAL' }),
    key(4, { KeyState: 'PendingDeletion', DeletionDate: '2030-01-01T00:00:00Z', RotationEnabled: true }),
    key(5, { KeyState: 'Disabled' }),
    key(6, { RotationEnabled: true }),
    key(7, {}),
  ];
}

/** Whether a trail records every management event, from its selectors as the scenario sets them (none: AWS's default, all). */
const recordsAllManagementEvents = (trail: SimTrail): boolean => {
  const basic = trail.EventSelectors ?? [];
  const advanced = trail.AdvancedEventSelectors ?? [];
  if (basic.length === 0 && advanced.length === 0) return true;
  return (
    basic.some((s) => (s.ReadWriteType ?? 'All') === 'All' && (s.IncludeManagementEvents ?? true) && (s.ExcludeManagementEventSources ?? []).length === 0) ||
    advanced.some((s) => s.FieldSelectors.length === 1 && s.FieldSelectors[0]!.Field === 'eventCategory' && s.FieldSelectors[0]!.Equals?.join() === 'Management')
  );
};

/** The accounts with no multi-region, logging trail recording every management event: their own, or the organization's. */
function accountsWithoutMultiRegionTrail(scenario: Scenario): string[] {
  const managementId = scenario.organization!.managementAccountId;
  const organizationTrails = scenario.accounts.find((a) => a.Id === managementId)!.Trails.filter((t) => t.IsOrganizationTrail);
  const qualifies = (trail: SimTrail) => trail.IsMultiRegionTrail && trail.IsLogging && recordsAllManagementEvents(trail);
  return scenario.accounts
    .filter((account) => ![...account.Trails, ...organizationTrails].some(qualifies))
    .map((account) => account.Id)
    .sort();
}

describe('the shipped controls on a simulated organization', () => {
  it('give each control the verdict and failing set worked out from the scenario, and honour an exception until its expiry day ends', async () => {
    const org = organizationScenario({ accounts: 12, latencyMs: 0, transientErrorRate: 0, unassumableRole: false, deniedRegion: false, suspendedAccounts: 0, seed: 21 });
    delete org.scenario.rateLimit;
    // Beside the trails' keys, one account holds a key of every kind the rotation control judges or leaves alone.
    const keyAccount = org.scenario.accounts.find((account) => (account.KmsKeys ?? []).length > 0)!;
    keyAccount.KmsKeys = [...keyAccount.KmsKeys!, ...keysOfEveryKind(keyAccount.KmsKeys![0]!.Region)];
    const { store } = await setUp(org.scenario);
    vi.stubEnv('AWS_ACCESS_KEY_ID', org.management.AccessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', org.management.SecretAccessKey);
    const config = parseAccountsConfig(`organization:\n  member_role_name: ${org.memberRoleName}\n`, 'accounts.yaml');
    const summary = await syncInventory(store, {
      accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 3, log: silentLogger }),
      log: silentLogger,
    });
    expect(summary.runs.map((run) => run.status)).toEqual(ASSET_TYPES.map(() => 'succeeded'));

    const expected = new Map<string, string[]>();
    for (const [controlId, violates] of Object.entries(VIOLATES)) {
      const arns = org.scenario.accounts.flatMap((account) =>
        account.Trails.filter(violates).map((trail) => `arn:aws:cloudtrail:${trail.HomeRegion}:${account.Id}:trail/${trail.Name}`),
      );
      expected.set(controlId, arns.sort());
    }
    const keyArn = (account: { Id: string }, key: SimKmsKey) => `arn:aws:kms:${key.Region}:${account.Id}:key/${key.KeyId}`;
    for (const [controlId, violates] of Object.entries(KEY_VIOLATES)) {
      expected.set(controlId, org.scenario.accounts.flatMap((account) => (account.KmsKeys ?? []).filter(violates).map((key) => keyArn(account, key))).sort());
    }
    const allKeys = org.scenario.accounts.flatMap((account) => account.KmsKeys ?? []);
    const KEY_USABLE = 'cloudtrail-kms-key-usable';
    expect(allKeys.every((key) => key.Policy === undefined)).toBe(true);
    // Every trail's key is in its own account here: the organization's keys are all synced, so none is undecided.
    const keyedTrails = org.scenario.accounts.flatMap((account) => account.Trails.filter((trail) => trail.KmsKeyId !== undefined));
    expected.set(
      KEY_USABLE,
      org.scenario.accounts
        .flatMap((account) =>
          account.Trails.filter((trail) => trail.KmsKeyId !== undefined && KEY_UNUSABLE(trail, account.KmsKeys ?? [])).map(
            (trail) => `arn:aws:cloudtrail:${trail.HomeRegion}:${account.Id}:trail/${trail.Name}`,
          ),
        )
        .sort(),
    );
    expect(expected.get(KEY_USABLE)!.length).toBeGreaterThan(0);
    // The scenario has both kinds for the controls that matter, so neither a blanket PASS nor a blanket FAIL can pass.
    expect(expected.get('cloudtrail-kms-encryption')!.length).toBeGreaterThan(0);
    expect(expected.get('cloudtrail-kms-encryption')!.length).toBeLessThan(org.trailArns.length);
    expect(expected.get('kms-key-rotation')!.length).toBeGreaterThan(0);
    expect(expected.get('kms-key-rotation')!.length).toBeLessThan(allKeys.length);

    const ACCOUNT_LEVEL = 'cloudtrail-multi-region-management-events';
    const catalog = loadCatalog(api);
    // The controls over buckets, VPCs, recorders and the monitoring chain, each failing set worked out from the scenario
    // (test/support/scenario-verdicts.ts): bucket and VPC ARNs, or account ids.
    const buckets: BucketInScenario[] = org.scenario.accounts.flatMap((account) =>
      (account.Buckets ?? []).map((bucket) => ({ bucket, account, scenario: org.scenario })),
    );
    const bucketArns = (fails: (b: BucketInScenario) => boolean) =>
      buckets
        .filter(fails)
        .map((b) => `arn:aws:s3:::${b.bucket.Name}`)
        .sort();
    const loggedBy = (b: BucketInScenario, type: string) => selectorsLogging(b, { loggingTrailsOnly: true }).some((t) => t === 'All' || t === type);
    const OTHER_TYPES: Record<string, string[]> = {
      's3-cloudtrail-bucket-not-public': bucketArns(
        (b) =>
          cloudTrailBucket(b) &&
          !publicAccessBlocked(b) &&
          (groupGrant(b, ['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL']) || b.bucket.PolicyIsPublic === true),
      ),
      's3-cloudtrail-bucket-access-logging': bucketArns((b) => cloudTrailBucket(b) && b.bucket.Logging === undefined),
      's3-object-level-logging-read': bucketArns((b) => !loggedBy(b, 'ReadOnly')),
      's3-object-level-logging-write': bucketArns((b) => !loggedBy(b, 'WriteOnly')),
      'vpc-flow-logs': vpcsWithoutFlowLogs(org.scenario),
      'config-recorder-all-regions': accountsWithoutConfigEverywhere(org.scenario),
    };
    for (const control of catalog.filter((c) => c.query.includes('AWSMonitoring'))) {
      const pattern = RE2JS.compile(/filterPattern:\s*"""([\s\S]*?)"""/.exec(control.query)![1]!);
      OTHER_TYPES[control.id] = withoutChainInScenario(org.scenario, (text) => pattern.matcher(text).matches());
    }
    for (const [controlId, failing] of Object.entries(OTHER_TYPES)) expected.set(controlId, failing);
    // Failures the scenario holds: unlogged trail buckets, VPCs without flow logs, accounts not recording everywhere.
    for (const controlId of ['s3-cloudtrail-bucket-access-logging', 'vpc-flow-logs', 'config-recorder-all-regions']) {
      expect(expected.get(controlId)!.length, controlId).toBeGreaterThan(0);
    }
    // The organization trail's chains (src/simulator/scenarios/monitoring.ts): some complete, so every account passes
    // those controls, and some broken, so every account fails them.
    const monitoring = Object.keys(OTHER_TYPES).filter((id) => id.startsWith('monitoring-'));
    expect(monitoring.some((id) => expected.get(id)!.length === 0)).toBe(true);
    expect(monitoring.some((id) => expected.get(id)!.length === org.scenario.accounts.length)).toBe(true);
    expect(catalog.map((control) => control.id).sort()).toEqual(
      [...Object.keys(VIOLATES), ...Object.keys(KEY_VIOLATES), KEY_USABLE, ACCOUNT_LEVEL, ...Object.keys(OTHER_TYPES)].sort(),
    );
    // The organization trail logs every management event in every region, so every account passes the account-level control.
    expect(accountsWithoutMultiRegionTrail(org.scenario)).toEqual([]);
    const accountIds = org.scenario.accounts.map((account) => account.Id).sort();
    for (const verdict of await evaluateControls(api, store, catalog)) {
      if (verdict.controlId === ACCOUNT_LEVEL) {
        expect(verdict.verdict).toBe('PASS');
        expect(verdict.evaluatedCount).toBe(accountIds.length);
        expect(verdict.accounts).toEqual(accountIds.map((accountId) => ({ accountId, verdict: 'PASS', evaluated: 1, failing: 0, excepted: 0, undecided: 0, gaps: [] })));
        continue;
      }
      const failing = expected.get(verdict.controlId)!;
      expect(verdict.failingAssets.map((asset) => asset.id).sort(), verdict.controlId).toEqual(failing);
      expect(verdict.verdict, verdict.controlId).toBe(failing.length > 0 ? 'FAIL' : 'PASS');
      if (verdict.controlId in OTHER_TYPES) continue;
      if (verdict.controlId === KEY_USABLE) {
        // The denominator is the trails that name a key; each failing trail is named with the reasons of its key's verdict.
        expect(verdict.evaluatedCount).toBe(keyedTrails.length);
        expect(verdict.undecidedAssets).toEqual([]);
        expect(verdict.failingAssets.every((asset) => asset.detail!.startsWith('the key policy does not let CloudTrail'))).toBe(true);
        expect(verdict.accounts).toEqual(
          org.scenario.accounts
            .map((account) => {
              const keyed = account.Trails.filter((trail) => trail.KmsKeyId !== undefined);
              const failed = keyed.filter((trail) => KEY_UNUSABLE(trail, account.KmsKeys ?? [])).length;
              return { accountId: account.Id, verdict: failed > 0 ? 'FAIL' : 'PASS', evaluated: keyed.length, failing: failed, excepted: 0, undecided: 0, gaps: [] };
            })
            .sort((a, b) => a.accountId.localeCompare(b.accountId)),
        );
        continue;
      }
      const violatesKey = KEY_VIOLATES[verdict.controlId];
      if (violatesKey) {
        // The denominator, per account (every account synced, with or without keys): every key it owns, of any kind.
        expect(verdict.evaluatedCount, verdict.controlId).toBe(allKeys.length);
        expect(verdict.accounts, verdict.controlId).toEqual(
          org.scenario.accounts
            .map((account) => {
              const keys = account.KmsKeys ?? [];
              const failed = keys.filter(violatesKey).length;
              // kms-key-rotation names the keys it cannot judge (undecided): none here, every key was read.
              return { accountId: account.Id, verdict: failed > 0 ? 'FAIL' : 'PASS', evaluated: keys.length, failing: failed, excepted: 0, undecided: 0, gaps: [] };
            })
            .sort((a, b) => a.accountId.localeCompare(b.accountId)),
        );
        continue;
      }
      // The denominator, per account (every account synced, with or without trails): the trails it owns, and those of
      // them that violate the control.
      const violates = VIOLATES[verdict.controlId]!;
      expect(verdict.evaluatedCount, verdict.controlId).toBe(org.trailArns.length);
      expect(verdict.accounts, verdict.controlId).toEqual(
        org.scenario.accounts
          .map((account) => {
            const failed = account.Trails.filter(violates).length;
            return { accountId: account.Id, verdict: failed > 0 ? 'FAIL' : 'PASS', evaluated: account.Trails.length, failing: failed, excepted: 0, gaps: [] };
          })
          .sort((a, b) => a.accountId.localeCompare(b.accountId)),
      );
    }

    // Stopping the organization trail leaves exactly the accounts without a qualifying trail of their own failing.
    const management = org.scenario.accounts.find((account) => account.Id === org.scenario.organization!.managementAccountId)!;
    const orgTrail = management.Trails.find((trail) => trail.IsOrganizationTrail)!;
    const client = new CloudTrailClient({
      region: orgTrail.HomeRegion,
      credentials: { accessKeyId: management.AccessKeyId, secretAccessKey: management.SecretAccessKey },
    });
    await client.send(new StopLoggingCommand({ Name: orgTrail.Name }));
    client.destroy();
    expect(
      (await syncInventory(store, { accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 3, log: silentLogger }), log: silentLogger })).run
        .status,
    ).toBe('succeeded');
    const stopped: Scenario = {
      ...org.scenario,
      accounts: org.scenario.accounts.map((a) => ({ ...a, Trails: a.Trails.map((t) => (t === orgTrail ? { ...t, IsLogging: false } : t)) })),
    };
    const withoutTrail = accountsWithoutMultiRegionTrail(stopped);
    // Both kinds: some accounts keep a multi-region trail of their own, others have none. Some accounts have no trail.
    expect(org.scenario.accounts.some((account) => account.Trails.length === 0)).toBe(true);
    expect(withoutTrail.length).toBeGreaterThan(0);
    expect(withoutTrail.length).toBeLessThan(accountIds.length);
    const [accountLevel] = await evaluateControls(
      api,
      store,
      catalog.filter((control) => control.id === ACCOUNT_LEVEL),
    );
    expect(accountLevel!.verdict).toBe('FAIL');
    expect(accountLevel!.reason).toBe(`${withoutTrail.length} ${withoutTrail.length === 1 ? 'account fails' : 'accounts fail'}; expected "eq []"`);
    expect(accountLevel!.failingAssets.map((asset) => asset.id)).toEqual(withoutTrail);
    expect(accountLevel!.failingAssets.every((asset) => asset.assetType === 'Account' && asset.id === asset.accountId)).toBe(true);
    expect(accountLevel!.accounts!.filter((a) => a.verdict === 'FAIL').map((a) => a.accountId)).toEqual(withoutTrail);
    expect(accountLevel!.accounts!.map((a) => a.accountId)).toEqual(accountIds);
    // Its denominator counts accounts, not assets.
    expect(accountLevel!.evaluatedUnit).toBe('account');
    expect(verdictsAsText([accountLevel!])).toContain(
      `evaluated ${accountIds.length} accounts; accounts by verdict: ${accountIds.length - withoutTrail.length} PASS, ${withoutTrail.length} FAIL, 0 ERROR\n         ${withoutTrail[0]}  FAIL   the account fails\n`,
    );
    // An exception names an account by its id: that account moves to excepted, the others still fail.
    const [exceptedAccount, ...stillFailing] = withoutTrail;
    const accountException = parseExceptions(
      `- control: ${ACCOUNT_LEVEL}\n  asset: "${exceptedAccount}"\n  owner: platform-team\n  reason: trail moving to the new log archive\n  approver: security-lead\n  expires: 2099-01-01\n`,
      'exceptions.yaml',
      { controlIds: catalog.map((control) => control.id), maxDays: 365 * 100 },
    );
    const [withException] = await evaluateControls(
      api,
      store,
      catalog.filter((control) => control.id === ACCOUNT_LEVEL),
      { exceptions: accountException },
    );
    expect(withException!.exceptedAssets!.map((asset) => asset.id)).toEqual([exceptedAccount]);
    expect(withException!.failingAssets.map((asset) => asset.id)).toEqual(stillFailing);
    expect(withException!.verdict).toBe(stillFailing.length > 0 ? 'FAIL' : 'PASS');
    expect(withException!.accounts!.find((a) => a.accountId === exceptedAccount)).toMatchObject({ verdict: 'PASS', failing: 0, excepted: 1 });

    // An exception for one unencrypted trail, expiring on a given day: applied through 23:59 UTC, gone at 00:00 after.
    const [excepted, ...rest] = expected.get('cloudtrail-kms-encryption')!;
    const day = '2026-12-15';
    const exceptions = parseExceptions(
      `- control: cloudtrail-kms-encryption\n  asset: "${excepted}"\n  owner: platform-team\n  reason: migration planned\n  approver: security-lead\n  expires: ${day}\n`,
      'exceptions.yaml',
      { controlIds: catalog.map((control) => control.id), now: new Date('2026-12-01T00:00:00Z') },
    );
    const kms = catalog.filter((control) => control.id === 'cloudtrail-kms-encryption');
    const at = async (time: string) => (await evaluateControls(api, store, kms, { exceptions, now: new Date(time), maxAgeHours: 24 * 365 }))[0]!;
    const lastMinute = await at(`${day}T23:59:59.999Z`);
    expect(lastMinute.exceptedAssets?.map((asset) => asset.id)).toEqual([excepted]);
    expect(lastMinute.failingAssets.map((asset) => asset.id).sort()).toEqual(rest);
    expect(lastMinute.verdict).toBe(rest.length > 0 ? 'FAIL' : 'PASS');
    const dayAfter = await at('2026-12-16T00:00:00.000Z');
    expect(dayAfter.exceptedAssets ?? []).toEqual([]);
    expect(dayAfter.failingAssets.map((asset) => asset.id).sort()).toEqual(expected.get('cloudtrail-kms-encryption'));
    expect(dayAfter.expiredExceptions).toEqual([expect.objectContaining({ asset: excepted, expires: day })]);
    expect(dayAfter.verdict).toBe('FAIL');
  });
});
