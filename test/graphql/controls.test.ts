// The control history API: controls (each control's latest recorded verdict) and controlRuns (the trend), as a dashboard queries them.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { evaluateControls } from '../../src/controls/evaluate.js';
import { loadCatalog } from '../../src/controls/catalog.js';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { CONTROLS_DIR } from '../../src/paths.js';
import type { VerdictToRecord } from '../../src/store/store.js';
import { syncRun, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';
import { join } from 'node:path';

const api = createInventoryApi();
const ACCOUNT = '111122223333';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/k';
const KMS = 'cloudtrail-kms-encryption';
let temp: TempStore;
afterEach(async () => {
  vi.restoreAllMocks();
  await temp?.cleanup();
});

const query = async (source: string, variables?: Record<string, unknown>) => {
  const result = await runQuery(api, temp.store, source, variables);
  expect(result.errors).toBeUndefined();
  return result.data as Record<string, any>;
};

const trail = (name: string, kmsKeyId = '') => trailRecord(name, { trail: { KmsKeyId: kmsKeyId, IsMultiRegionTrail: true } });
const kmsControl = () => loadCatalog(api, join(CONTROLS_DIR, 'aws')).filter((c) => c.id === KMS);

const ASSET_FIELDS = `id accountId region state exceptionOwner exceptionExpires asset { __typename ... on Trail { name kmsKeyID deletedAt } }`;

describe('controls and controlRuns', () => {
  it('shows FAIL then PASS for the KMS control after a fix, and the latest verdict with its failing assets', async () => {
    temp = await openTempStore();
    const { store } = temp;
    const controls = kmsControl();
    await syncRun(store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [trail('audit'), trail('ok', KEY)] }]);
    await store.recordControlRun(await evaluateControls(api, store, controls), 'check', controls);

    let data = await query(
      `{ controls { id title severity verdict reason evaluatedAt failingCount exceptedCount failingAssets { ${ASSET_FIELDS} } exceptedAssets { id } } }`,
    );
    expect(data.controls).toEqual([
      {
        id: KMS,
        title: controls[0]!.title,
        severity: controls[0]!.severity,
        verdict: 'FAIL',
        reason: expect.stringContaining('1 asset fails'),
        evaluatedAt: expect.stringMatching(/Z$/),
        failingCount: 1,
        exceptedCount: 0,
        failingAssets: [
          {
            id: trail('audit').arn,
            accountId: ACCOUNT,
            region: 'us-east-1',
            state: 'FAILING',
            exceptionOwner: null,
            exceptionExpires: null,
            asset: { __typename: 'Trail', name: 'audit', kmsKeyID: '', deletedAt: null },
          },
        ],
        exceptedAssets: [],
      },
    ]);

    // The fix: the trail gets its key, a sync sees it, the next check passes.
    await syncRun(store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: [trail('audit', KEY), trail('ok', KEY)] }]);
    await store.recordControlRun(await evaluateControls(api, store, controls), 'check', controls);

    data = await query(
      `query($id: String) { controlRuns(controlId: $id) { id source controlsEvaluated startedAt finishedAt results { runId controlId verdict failingCount exceptedCount failingAssets { id } } } }`,
      { id: KMS },
    );
    expect(
      data.controlRuns.map((run: any) => [run.id, run.source, run.results.map((r: any) => [r.controlId, r.verdict, r.failingCount, r.failingAssets.length])]),
    ).toEqual([
      [2, 'check', [[KMS, 'PASS', 0, 0]]],
      [1, 'check', [[KMS, 'FAIL', 1, 1]]],
    ]);
    data = await query(`{ controls { id verdict failingAssets { id } } }`);
    expect(data.controls).toEqual([{ id: KMS, verdict: 'PASS', failingAssets: [] }]);
  });

  it("records each verdict's denominator, per account, and serves it for the latest verdict and the trend", async () => {
    temp = await openTempStore();
    const { store } = temp;
    const controls = kmsControl();
    const OTHER = '444455556666';
    await syncRun(store, [
      { accountId: ACCOUNT, region: 'us-east-1', trails: [trail('audit'), trail('ok', KEY)] },
      { accountId: OTHER, region: 'us-east-1', trails: [trailRecord('clean', { account: OTHER, trail: { KmsKeyId: KEY } })] },
    ]);
    await store.recordControlRun(await evaluateControls(api, store, controls), 'check', controls);
    const accounts = `accounts { accountId verdict evaluatedCount failingCount exceptedCount }`;
    const expected = [
      { accountId: ACCOUNT, verdict: 'FAIL', evaluatedCount: 2, failingCount: 1, exceptedCount: 0 },
      { accountId: OTHER, verdict: 'PASS', evaluatedCount: 1, failingCount: 0, exceptedCount: 0 },
    ];
    expect((await query(`{ controls { id verdict evaluatedCount failingCount ${accounts} } }`)).controls).toEqual([
      { id: KMS, verdict: 'FAIL', evaluatedCount: 3, failingCount: 1, accounts: expected },
    ]);
    const runs = await query(`{ controlRuns { results { controlId evaluatedCount ${accounts} } } }`);
    expect(runs.controlRuns).toEqual([{ results: [{ controlId: KMS, evaluatedCount: 3, accounts: expected }] }]);
  });

  it('says a result recorded without a denominator has none: null, and no accounts', async () => {
    temp = await openTempStore();
    await temp.store.recordControlRun(
      [{ controlId: KMS, title: 'KMS', severity: 'medium', verdict: 'ERROR', reason: 'the query failed', evaluatedAt: '2026-01-01T00:00:00.000Z', failingAssets: [] }],
      'check',
    );
    expect((await query(`{ controls { id evaluatedCount accounts { accountId } } }`)).controls).toEqual([{ id: KMS, evaluatedCount: null, accounts: [] }]);
  });

  it('shows a catalog control never evaluated with no verdict, and an asset the inventory no longer has as recorded', async () => {
    temp = await openTempStore();
    const { store } = temp;
    const catalog = [
      { id: KMS, title: 'KMS', severity: 'medium' },
      { id: 'never-run', title: 'Never run', severity: 'low' },
    ];
    const gone = 'arn:aws:cloudtrail:eu-west-1:999988887777:trail/gone';
    await store.recordControlRun(
      [
        {
          controlId: KMS,
          title: 'KMS',
          severity: 'medium',
          verdict: 'FAIL',
          reason: 'r',
          evaluatedAt: '2026-01-01T00:00:00.000Z',
          failingAssets: [{ id: gone, accountId: '999988887777', region: 'eu-west-1' }],
          exceptedAssets: [{ id: `${gone}-2`, accountId: '999988887777', region: 'eu-west-1', exception: { owner: 'team-a', expires: '2027-01-31' } }],
        },
      ],
      'check',
      catalog,
    );
    const data = await query(`{ controls { id verdict reason evaluatedAt runId failingAssets { ${ASSET_FIELDS} } exceptedAssets { ${ASSET_FIELDS} } } }`);
    expect(data.controls).toEqual([
      {
        id: KMS,
        verdict: 'FAIL',
        reason: 'r',
        evaluatedAt: '2026-01-01T00:00:00.000Z',
        runId: 1,
        failingAssets: [{ id: gone, accountId: '999988887777', region: 'eu-west-1', state: 'FAILING', exceptionOwner: null, exceptionExpires: null, asset: null }],
        exceptedAssets: [
          { id: `${gone}-2`, accountId: '999988887777', region: 'eu-west-1', state: 'EXCEPTED', exceptionOwner: 'team-a', exceptionExpires: '2027-01-31', asset: null },
        ],
      },
      { id: 'never-run', verdict: null, reason: null, evaluatedAt: null, runId: null, failingAssets: [], exceptedAssets: [] },
    ]);
  });

  it('loads the assets of many results, and their trails, in a bounded number of store calls', async () => {
    temp = await openTempStore();
    const { store } = temp;
    const names = Array.from({ length: 12 }, (_, i) => `t${i}`);
    await syncRun(store, [{ accountId: ACCOUNT, region: 'us-east-1', trails: names.map((n) => trail(n)) }]);
    const catalog = Array.from({ length: 8 }, (_, i) => ({ id: `c${i}`, title: `C${i}`, severity: 'low' }));
    const verdictOf = (c: { id: string; title: string; severity: string }): VerdictToRecord => ({
      controlId: c.id,
      title: c.title,
      severity: c.severity,
      verdict: 'FAIL',
      reason: 'r',
      evaluatedAt: '2026-01-01T00:00:00.000Z',
      failingAssets: names.map((n) => ({ id: trail(n).arn, accountId: ACCOUNT, region: 'us-east-1' })),
    });
    // Five runs, the controls' latest results spread over several of them.
    for (let run = 0; run < 5; run++) await store.recordControlRun(catalog.filter((_, i) => i % 5 >= run).map(verdictOf), 'check', catalog);

    const resultAssets = vi.spyOn(store, 'resultAssets');
    const trailsById = vi.spyOn(store, 'nodesById');
    let data = await query(`{ controls { id failingAssets { id asset { ... on Trail { name } } } exceptedAssets { id } } }`);
    expect(data.controls).toHaveLength(8);
    expect(data.controls.every((c: any) => c.failingAssets.length === 12 && c.failingAssets.every((a: any) => a.asset.name))).toBe(true);
    expect(resultAssets).toHaveBeenCalledTimes(1);
    expect(trailsById).toHaveBeenCalledTimes(1);

    resultAssets.mockClear();
    trailsById.mockClear();
    data = await query(`{ controlRuns(limit: 5) { id results { controlId failingAssets { asset { id } } exceptedAssets { id } } } }`);
    expect(data.controlRuns.map((r: any) => r.results.length)).toEqual([1, 2, 4, 6, 8]);
    expect(resultAssets).toHaveBeenCalledTimes(1);
    expect(trailsById).toHaveBeenCalledTimes(1);
  });

  it('takes a limit from 1 to 1000 and a non-negative offset', async () => {
    temp = await openTempStore();
    for (const [args, message] of [
      ['limit: 0', /limit must be from 1 to 1000/],
      ['limit: 1001', /limit must be from 1 to 1000/],
      ['offset: -1', /offset must not be negative/],
    ] as const) {
      const result = await runQuery(api, temp.store, `{ controlRuns(${args}) { id } }`);
      expect(result.errors?.[0]?.message).toMatch(message);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await query(`{ controlRuns(limit: 1000) { id } controls { id } }`)).toEqual({ controlRuns: [], controls: [] });
  });
});
