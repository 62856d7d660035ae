// A stored check names its failing assets whatever it selects: the engine adds each item's identity (id, account,
// region, type) to the query itself, and compares only what the query asked for with the expectation. A query whose
// items have no identity is refused when what it returns would be failing assets.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import { evaluateControl } from '../../src/controls/evaluate.js';
import { verdictsAsText } from '../../src/controls/report.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { CONTROLS_DIR } from '../../src/paths.js';
import { syncRun, trailRecord } from '../support/records.js';
import { openTempStore, tempDir, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const ONE = '111122223333';
const TWO = '444455556666';
const arn = (account: string, name: string, region = 'us-east-1') => `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;

/** A catalog of one custom control, the seed control's file with this query and expectation. */
function customControl(query: string, expect = 'eq []', extra: Record<string, unknown> = {}) {
  const dir = tempDir('controls-');
  mkdirSync(join(dir, 'custom'));
  const seed = parseYaml(readFileSync(join(CONTROLS_DIR, 'aws', 'cloudtrail-kms-encryption.yaml'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'custom', 'stopped-trails.yaml'), toYaml({ ...seed, id: 'stopped-trails', title: 'Trails are logging', query, expect, ...extra }));
  return () => loadCatalog(api, dir)[0]!;
}

let temp: TempStore | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

async function inventory() {
  temp = await openTempStore();
  const stopped = { status: { IsLogging: false } };
  await syncRun(temp.store, [
    { accountId: ONE, region: 'us-east-1', trails: [trailRecord('stopped-one', { account: ONE, ...stopped }), trailRecord('running', { account: ONE })] },
    { accountId: TWO, region: 'eu-west-1', trails: [trailRecord('stopped-two', { account: TWO, region: 'eu-west-1', ...stopped })] },
  ]);
  return temp.store;
}

describe('a stored check that selects only names', () => {
  it('names each failing asset with its id, account and region, and counts it in its account', async () => {
    const store = await inventory();
    const control = customControl('trails(where:{isLogging:false}){ name }')();
    const verdict = await evaluateControl(api, store, control);
    expect(verdict).toMatchObject({ verdict: 'FAIL', reason: '2 assets fail; expected "eq []"' });
    expect(verdict.failingAssets).toEqual([
      { id: arn(TWO, 'stopped-two', 'eu-west-1'), name: 'stopped-two', assetType: 'Trail', accountId: TWO, region: 'eu-west-1' },
      { id: arn(ONE, 'stopped-one'), name: 'stopped-one', assetType: 'Trail', accountId: ONE, region: 'us-east-1' },
    ]);
    expect(verdict.accounts!.map((a) => [a.accountId, a.verdict, a.evaluated, a.failing])).toEqual([
      [ONE, 'FAIL', 2, 1],
      [TWO, 'FAIL', 1, 1],
    ]);
    const text = verdictsAsText([verdict]);
    expect(text).toContain(`         ${ONE}  FAIL   1 of 2 assets failing\n         ${TWO}  FAIL   1 of 1 asset failing\n`);
    expect(text).toContain(
      `failing:\n         ${arn(TWO, 'stopped-two', 'eu-west-1')}  (account ${TWO}, eu-west-1)\n         ${arn(ONE, 'stopped-one')}  (account ${ONE}, us-east-1)\n`,
    );
  });

  it('compares only what the query selected with the expectation', async () => {
    const store = await inventory();
    const exact = customControl('trails(where:{isLogging:false}){ name }', 'eq [{"name": "stopped-two"}, {"name": "stopped-one"}]')();
    expect(await evaluateControl(api, store, exact)).toMatchObject({ verdict: 'PASS' });
    const counted = customControl('trails(where:{isLogging:false}){ name }', 'count == 0')();
    expect(await evaluateControl(api, store, counted)).toMatchObject({ verdict: 'FAIL', failingAssets: [{ accountId: TWO }, { accountId: ONE }] });
  });

  it('is refused when its items cannot be named, under an expectation where they would be failing assets', () => {
    expect(customControl('syncRuns { id status }')).toThrow(
      'custom/stopped-trails.yaml: query: under "eq []" every item it returns is a failing asset, so it must return assets or accounts: syncRuns returns SyncRun items, which have no accountId',
    );
    expect(customControl('trailsAggregate { count }')).toThrow('trailsAggregate returns TrailAggregate!, not a list of assets');
    // Where what it returns is not failing assets, it needs no identity.
    expect(customControl('syncRuns { id status }', 'count > 0', { evaluates: 'trails { id accountId }' })().rootField).toBe('syncRuns');
  });
});
