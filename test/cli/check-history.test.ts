// `inventory check` records its verdicts (unless --no-record), so controls and controlRuns show them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi, runQuery } from '../../src/graphql/execute.js';
import { CONTROLS_DIR } from '../../src/paths.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { syncEachAccount } from '../support/aws.js';
import { runCli } from '../support/cli.js';
import { kmsKey, simAccount, simTrail, trailArn } from '../support/scenarios.js';
import { tempDir } from '../support/store.js';

const ONE = '210987654321';
const KMS = 'cloudtrail-kms-encryption';
const MULTI = 'multi-region-logging';

describe('inventory check records its results', () => {
  let sim: Simulator;
  let db: string;
  let controls: string;
  const check = (...args: string[]) => runCli(['check', '--db', db, '--controls', controls, ...args]);
  // The sync is what the checks start from, made in this process: `inventory check` is the command under test here.
  const sync = () => syncEachAccount(db, sim);
  const readStore = async <T>(read: (store: SqliteStore) => Promise<T>): Promise<T> => {
    const store = SqliteStore.open(db);
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    sim = await startSimulator({ accounts: [simAccount(ONE, [simTrail('audit', 'us-east-1', { IsMultiRegionTrail: true })])] });
    const dir = tempDir('check-history-');
    db = join(dir, 'inventory.db');
    controls = join(dir, 'controls');
    mkdirSync(controls);
    const seed = readFileSync(join(CONTROLS_DIR, 'aws', `${KMS}.yaml`), 'utf8');
    writeFileSync(join(controls, `${KMS}.yaml`), seed);
    const multi = {
      ...(parseYaml(seed) as object),
      id: MULTI,
      title: 'A logging multi-region trail exists',
      severity: 'high',
      query: 'trails(where:{isMultiRegionTrail:true, isLogging:true}){...AssetFragment}',
      expect: 'count > 0',
    };
    writeFileSync(join(controls, `${MULTI}.yaml`), toYaml(multi));
    await sync();
  });
  afterAll(() => sim.close());

  it('records a run per check, none with --no-record, only the controls asked for with --control, and FAIL then PASS across a fix', async () => {
    expect((await check()).code).toBe(1);
    let runs = await readStore((store) => store.controlRuns());
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: 1, source: 'check', controlsEvaluated: 2 });
    expect(runs[0]!.results.map((r) => [r.controlId, r.verdict, r.failingCount])).toEqual([
      [KMS, 'FAIL', 1],
      [MULTI, 'PASS', 0],
    ]);

    // --no-record evaluates and prints, and leaves the history as it was.
    const unrecorded = await check('--no-record', '--format', 'json');
    expect(unrecorded.code).toBe(1);
    expect(await readStore((store) => store.controlRuns())).toHaveLength(1);

    // The fix: the trail gets a KMS key; the next sync sees it and a check of the KMS control alone passes.
    sim.scenario.accounts[0]!.Trails[0]!.KmsKeyId = kmsKey(ONE, 'us-east-1');
    await sync();
    expect((await check('--control', KMS)).code).toBe(0);
    runs = await readStore((store) => store.controlRuns());
    expect(runs.map((r) => [r.id, r.controlsEvaluated, r.results.map((x) => `${x.controlId}:${x.verdict}`)])).toEqual([
      [2, 1, [`${KMS}:PASS`]],
      [1, 2, [`${KMS}:FAIL`, `${MULTI}:PASS`]],
    ]);

    // What a dashboard sees over GraphQL.
    const api = createInventoryApi();
    const data = await readStore(async (store) => {
      const result = await runQuery(
        api,
        store,
        `{
        trend: controlRuns(controlId: "${KMS}") { id results { verdict failingCount failingAssets { id } } }
        controls { id verdict runId }
        first: controlRuns(limit: 1, offset: 1) { results { controlId failingAssets { id asset { ... on Trail { name kmsKeyID } } } } }
      }`,
      );
      expect(result.errors).toBeUndefined();
      return result.data as Record<string, any>;
    });
    expect(data.trend).toEqual([
      { id: 2, results: [{ verdict: 'PASS', failingCount: 0, failingAssets: [] }] },
      { id: 1, results: [{ verdict: 'FAIL', failingCount: 1, failingAssets: [{ id: trailArn(ONE, 'us-east-1', 'audit') }] }] },
    ]);
    // The catalog as last recorded: the multi-region control keeps its latest result, from the first run.
    expect(data.controls).toEqual([
      { id: KMS, verdict: 'PASS', runId: 2 },
      { id: MULTI, verdict: 'PASS', runId: 1 },
    ]);
    // The failing asset of the first run is the trail as the inventory holds it now: fixed.
    expect(data.first[0].results[0].failingAssets).toEqual([{ id: trailArn(ONE, 'us-east-1', 'audit'), asset: { name: 'audit', kmsKeyID: kmsKey(ONE, 'us-east-1') } }]);
  });

  it('says in its help that it records, and how not to', async () => {
    const { stdout } = await runCli(['check', '--help']);
    expect(stdout).toMatch(/--no-record/);
    expect(stdout.replace(/\s+/g, ' ')).toMatch(/with --control or --severity only the controls evaluated are recorded/);
  });
});
