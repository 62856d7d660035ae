// Every shipped control on a simulated organization with known violations: its verdict and failing set must equal the
// answer worked out independently from the scenario's own data (not from the inventory), and an exception must stop
// suppressing on the day after its expiry.
import { describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import { evaluateControls } from '../../src/controls/evaluate.js';
import { parseExceptions } from '../../src/controls/exceptions.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { organizationScenario, type SimTrail } from '../../src/simulator/index.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { syncTrails } from '../../src/sync/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import { simulatedAwsPerTest } from '../support/aws.js';

const setUp = simulatedAwsPerTest();
const api = createInventoryApi();

/** What each shipped control must find, read from the scenario's trails as AWS holds them. */
const VIOLATES: Record<string, (trail: SimTrail) => boolean> = {
  'cloudtrail-kms-encryption': (trail) => trail.KmsKeyId === undefined,
  'cloudtrail-log-file-validation': (trail) => trail.LogFileValidationEnabled !== true,
  'cloudtrail-cloudwatch-logs': (trail) => !trail.CloudWatchLogsLogGroupArn,
  'cloudtrail-logging': (trail) => !trail.IsLogging,
};

describe('the shipped controls on a simulated organization', () => {
  it('give each control the verdict and failing set worked out from the scenario, and honour an exception until its expiry day ends', async () => {
    const org = organizationScenario({ accounts: 12, latencyMs: 0, transientErrorRate: 0, unassumableRole: false, deniedRegion: false, suspendedAccounts: 0, seed: 21 });
    delete org.scenario.rateLimit;
    const { store } = await setUp(org.scenario);
    vi.stubEnv('AWS_ACCESS_KEY_ID', org.management.AccessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', org.management.SecretAccessKey);
    const config = parseAccountsConfig(`organization:\n  member_role_name: ${org.memberRoleName}\n`, 'accounts.yaml');
    const summary = await syncTrails(store, { accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 3, log: silentLogger }), log: silentLogger });
    expect(summary.run.status).toBe('succeeded');

    const expected = new Map<string, string[]>();
    for (const [controlId, violates] of Object.entries(VIOLATES)) {
      const arns = org.scenario.accounts.flatMap((account) =>
        account.Trails.filter(violates).map((trail) => `arn:aws:cloudtrail:${trail.HomeRegion}:${account.Id}:trail/${trail.Name}`),
      );
      expected.set(controlId, arns.sort());
    }
    // The scenario has both kinds for the controls that matter, so neither a blanket PASS nor a blanket FAIL can pass.
    expect(expected.get('cloudtrail-kms-encryption')!.length).toBeGreaterThan(0);
    expect(expected.get('cloudtrail-kms-encryption')!.length).toBeLessThan(org.trailArns.length);

    const catalog = loadCatalog(api);
    expect(catalog.map((control) => control.id).sort()).toEqual(Object.keys(VIOLATES).sort());
    for (const verdict of await evaluateControls(api, store, catalog)) {
      const failing = expected.get(verdict.controlId)!;
      expect(verdict.failingAssets.map((asset) => asset.id).sort(), verdict.controlId).toEqual(failing);
      expect(verdict.verdict, verdict.controlId).toBe(failing.length > 0 ? 'FAIL' : 'PASS');
    }

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
