// Control history in the store: recordControlRun, latestControlResults, controlRuns and resultAssets (migration 0005).
import { afterEach, describe, expect, it } from 'vitest';
import type { VerdictToRecord } from '../../src/store/store.js';
import { openTempSqliteStore, openTempStore, type TempStore } from '../support/store.js';

let temp: TempStore;
afterEach(async () => temp?.cleanup());

const KMS = 'cloudtrail-kms-encryption';
const LOGGING = 'cloudtrail-logging';
const CATALOG = [
  { id: KMS, title: 'CloudTrail logs are encrypted at rest using KMS CMKs', severity: 'medium' },
  { id: LOGGING, title: 'CloudTrail is logging', severity: 'high' },
];
const asset = (name: string, account = '111122223333', region = 'us-east-1') => ({
  id: `arn:aws:cloudtrail:${region}:${account}:trail/${name}`,
  name,
  assetType: 'Trail',
  accountId: account,
  region,
});

function verdict(controlId: string, v: VerdictToRecord['verdict'], extra: Partial<VerdictToRecord> = {}): VerdictToRecord {
  const control = CATALOG.find((c) => c.id === controlId)!;
  return {
    controlId,
    title: control.title,
    severity: control.severity,
    verdict: v,
    reason: `${v} because`,
    failingAssets: [],
    exceptedAssets: [],
    evaluatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

describe('control history', () => {
  it('records a run with its results and assets, and gives each control its latest result', async () => {
    temp = await openTempStore();
    const { store } = temp;
    const first = await store.recordControlRun(
      [
        verdict(KMS, 'FAIL', {
          failingAssets: [asset('a'), asset('b', '444455556666', 'eu-west-1')],
          exceptedAssets: [{ ...asset('c'), exception: { owner: 'team-a', expires: '2027-01-01' } }],
        }),
      ],
      'check',
      CATALOG,
    );
    expect(first).toMatchObject({
      id: 1,
      controlsEvaluated: 1,
      source: 'check',
      results: [{ runId: 1, controlId: KMS, verdict: 'FAIL', failingCount: 2, exceptedCount: 1 }],
    });
    expect(first.startedAt).toBe('2026-01-01T00:00:00.000Z');

    // The logging control is in the catalog but never evaluated: it shows with no result.
    let latest = await store.latestControlResults();
    expect(latest.map((c) => [c.id, c.result?.verdict ?? null])).toEqual([
      [KMS, 'FAIL'],
      [LOGGING, null],
    ]);

    await store.recordControlRun([verdict(KMS, 'PASS', { evaluatedAt: '2026-01-02T00:00:00.000Z' }), verdict(LOGGING, 'ERROR')], 'check', CATALOG);
    latest = await store.latestControlResults();
    expect(latest.map((c) => [c.id, c.result?.verdict, c.result?.runId])).toEqual([
      [KMS, 'PASS', 2],
      [LOGGING, 'ERROR', 2],
    ]);

    const assets = await store.resultAssets([
      { runId: 1, controlId: KMS },
      { runId: 2, controlId: KMS },
      { runId: 9, controlId: 'nope' },
    ]);
    expect(assets[0]!.map((a) => [a.assetId, a.state, a.exceptionOwner, a.exceptionExpires])).toEqual([
      [asset('c').id, 'excepted', 'team-a', '2027-01-01'],
      [asset('b', '444455556666', 'eu-west-1').id, 'failing', null, null],
      [asset('a').id, 'failing', null, null],
    ]);
    expect(assets[0]![1]).toMatchObject({ accountId: '444455556666', region: 'eu-west-1' });
    expect(assets.slice(1)).toEqual([[], []]);
  });

  it('lists runs newest first, pages them, and narrows them to one control (its trend)', async () => {
    temp = await openTempStore();
    const { store } = temp;
    await store.recordControlRun([verdict(KMS, 'FAIL', { failingAssets: [asset('a')] }), verdict(LOGGING, 'PASS')], 'check', CATALOG);
    await store.recordControlRun([verdict(LOGGING, 'FAIL')], 'check', CATALOG);
    await store.recordControlRun([verdict(KMS, 'PASS')], 'check', CATALOG);

    const all = await store.controlRuns();
    expect(all.map((r) => [r.id, r.results.map((x) => `${x.controlId}:${x.verdict}`)])).toEqual([
      [3, [`${KMS}:PASS`]],
      [2, [`${LOGGING}:FAIL`]],
      [1, [`${KMS}:FAIL`, `${LOGGING}:PASS`]],
    ]);
    expect((await store.controlRuns({ limit: 1, offset: 1 })).map((r) => r.id)).toEqual([2]);
    const trend = await store.controlRuns({ controlId: KMS });
    expect(trend.map((r) => [r.id, r.results.map((x) => [x.controlId, x.verdict, x.failingCount])])).toEqual([
      [3, [[KMS, 'PASS', 0]]],
      [1, [[KMS, 'FAIL', 1]]],
    ]);
    await expect(store.controlRuns({ limit: -1 })).rejects.toThrow(/limit/);
  });

  it('records all of a run or nothing', async () => {
    temp = await openTempStore();
    const { store } = temp;
    await expect(store.recordControlRun([verdict(KMS, 'PASS'), verdict(LOGGING, 'MAYBE' as never)], 'check', CATALOG)).rejects.toThrow();
    expect(await store.controlRuns()).toEqual([]);
    expect(await store.latestControlResults()).toEqual([]);
  });

  it('without a recorded catalog, shows every control ever recorded', async () => {
    temp = await openTempStore();
    const { store } = temp;
    await store.recordControlRun([verdict(LOGGING, 'PASS')], 'test');
    expect((await store.latestControlResults()).map((c) => [c.id, c.result?.verdict])).toEqual([[LOGGING, 'PASS']]);
  });

  it("finds the latest result per control and one control's trend through the index (SQLite query plan)", async () => {
    const sqlite = openTempSqliteStore();
    const plan = (sql: string) => (sqlite.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(plan(`SELECT run_id FROM control_results WHERE control_id = 'x' ORDER BY run_id DESC LIMIT 20`)).toMatch(/USING (COVERING )?INDEX control_results_by_control/);
    expect(plan(`SELECT max(run_id) FROM control_results WHERE control_id = 'x'`)).toMatch(/USING (COVERING )?INDEX control_results_by_control/);
    await sqlite.cleanup();
  });
});
