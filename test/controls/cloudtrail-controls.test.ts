// The CloudTrail controls of the catalog besides KMS: each loaded from its shipped file and evaluated on a small
// complete inventory holding one trail known to violate it and one known to comply.
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import { evaluateControl } from '../../src/controls/evaluate.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { syncScope, trailRecord, type RecordInput } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const catalog = loadCatalog(api);
const ACCOUNT = '111122223333';
const LOG_GROUP = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:cloudtrail:*`;
const arn = (name: string) => `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${name}`;

let temp: TempStore;
afterEach(async () => temp?.cleanup());

const control = (id: string) => {
  const found = catalog.find((c) => c.id === id);
  if (!found) throw new Error(`no control ${id} in the shipped catalog`);
  return found;
};

/** Syncs the named trails into a fresh complete inventory and evaluates the control on it. */
async function verdictOn(id: string, trails: Record<string, RecordInput>) {
  temp = await openTempStore();
  await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: Object.entries(trails).map(([name, input]) => trailRecord(name, input)) });
  return evaluateControl(api, temp.store, control(id));
}

const failingIds = (verdict: { failingAssets: { id: string }[] }) => verdict.failingAssets.map((a) => a.id);

describe('the shipped CloudTrail controls', () => {
  it('each name the Trail inventory, list failing trails under eq [], and carry console, CLI and terraform remediation', () => {
    for (const id of ['cloudtrail-log-file-validation', 'cloudtrail-cloudwatch-logs', 'cloudtrail-logging']) {
      const c = control(id);
      expect(c).toMatchObject({ file: `aws/${id}.yaml`, provider: 'aws', assetTypes: ['Trail'], rootField: 'trails', expectation: { kind: 'eq', value: [] } });
      expect(c.remediation.cli).toContain('<trail_name>');
      expect(c.remediation.cli).toContain('<region>');
      expect(c.remediation.terraform).toContain('resource "aws_cloudtrail"');
    }
  });

  it('give their CIS ids per benchmark version, and none where the benchmark has no such recommendation', () => {
    const ids = (id: string) => Object.fromEntries(control(id).references.cis.map((r) => [r.version, r.id]));
    expect(ids('cloudtrail-log-file-validation')).toMatchObject({ '1.2.0': '2.2', '1.4.0': '3.2', '3.0.0': '3.2', '6.0.0': '4.2' });
    expect(control('cloudtrail-log-file-validation').references.cce).toEqual(['CCE-78914-9']);
    expect(ids('cloudtrail-cloudwatch-logs')).toEqual({ '1.2.0': '2.4', '1.3.0': '3.4', '1.4.0': '3.4', '1.5.0': '3.4', '2.0.0': '3.4' });
    expect(control('cloudtrail-cloudwatch-logs').references.cce).toEqual(['CCE-78916-4']);
    // Only a part of "CloudTrail is enabled in all regions": claiming its id would claim the account-level check.
    expect(control('cloudtrail-logging').references.cis).toEqual([]);
  });
});

describe('cloudtrail-log-file-validation', () => {
  it('fails exactly the trail without log file validation', async () => {
    const verdict = await verdictOn('cloudtrail-log-file-validation', {
      validated: { trail: { LogFileValidationEnabled: true } },
      unvalidated: { trail: { LogFileValidationEnabled: false } },
    });
    expect(verdict).toMatchObject({ verdict: 'FAIL', reason: '1 asset fails; expected "eq []"' });
    expect(failingIds(verdict)).toEqual([arn('unvalidated')]);
  });

  it('passes when every trail validates its log files', async () => {
    expect(await verdictOn('cloudtrail-log-file-validation', { validated: { trail: { LogFileValidationEnabled: true } } })).toMatchObject({
      verdict: 'PASS',
      failingAssets: [],
    });
  });
});

describe('cloudtrail-cloudwatch-logs', () => {
  it('fails exactly the trail that sends nothing to CloudWatch Logs', async () => {
    const verdict = await verdictOn('cloudtrail-cloudwatch-logs', {
      integrated: { trail: { CloudWatchLogsLogGroupArn: LOG_GROUP, CloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/ct` } },
      'not-integrated': {},
    });
    expect(verdict.verdict).toBe('FAIL');
    expect(failingIds(verdict)).toEqual([arn('not-integrated')]);
  });

  it('passes when every trail has a log group', async () => {
    expect((await verdictOn('cloudtrail-cloudwatch-logs', { integrated: { trail: { CloudWatchLogsLogGroupArn: LOG_GROUP } } })).verdict).toBe('PASS');
  });
});

describe('cloudtrail-logging', () => {
  it('fails a stopped trail and a trail whose status could not be read, never passing an unknown', async () => {
    const verdict = await verdictOn('cloudtrail-logging', {
      logging: { status: { IsLogging: true } },
      stopped: { status: { IsLogging: false } },
      unreadable: { status: null },
    });
    expect(verdict).toMatchObject({ verdict: 'FAIL', reason: '2 assets fail; expected "eq []"' });
    expect(failingIds(verdict)).toEqual([arn('stopped'), arn('unreadable')]);
  });

  it('passes when every trail is logging', async () => {
    expect((await verdictOn('cloudtrail-logging', { logging: { status: { IsLogging: true } } })).verdict).toBe('PASS');
  });

  it('is ERROR, not PASS, on an inventory never synced', async () => {
    temp = await openTempStore();
    expect((await evaluateControl(api, temp.store, control('cloudtrail-logging'))).verdict).toBe('ERROR');
  });
});
