// No verdict on a damaged database: an index that lost the unencrypted trails makes the KMS control's query return
// nothing, so without the integrity check the control would PASS. SQLite only: the damage is done to SQLite's file.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import { evaluateControl, evaluateControls } from '../../src/controls/evaluate.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dropUnencryptedFromKmsIndex, overwritePagesOf } from '../support/damage.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempSqliteStore, type TempSqliteStore } from '../support/store.js';

const api = createInventoryApi();
const catalog = loadCatalog(api);
const kms = catalog.find((c) => c.id === 'cloudtrail-kms-encryption')!;
const ACCOUNT = '111122223333';
const KEY = { KmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k` };

let temp: TempSqliteStore | undefined;
let reopened: SqliteStore | undefined;
afterEach(async () => {
  await reopened?.close();
  await temp?.cleanup();
  reopened = temp = undefined;
});

/** An inventory of one encrypted and three unencrypted trails, synced, then closed. */
async function inventory(): Promise<string> {
  temp = openTempSqliteStore();
  await syncScope(temp.store, {
    accountId: ACCOUNT,
    region: 'us-east-1',
    trails: [trailRecord('encrypted', { trail: KEY }), trailRecord('plain-1'), trailRecord('plain-2'), trailRecord('plain-3')],
  });
  await temp.store.close();
  return temp.path;
}

describe('a damaged SQLite inventory', () => {
  it('gets no verdict when an index lost rows that the control query reads through it', async () => {
    const path = await inventory();
    dropUnencryptedFromKmsIndex(path);
    reopened = SqliteStore.open(path);
    // The premise: the table holds 3 unencrypted trails, while the control's query, read through the index, finds none.
    const raw = new Database(path, { readonly: true });
    expect((raw.prepare(`SELECT count(*) AS n FROM trails WHERE kms_key_id || '' = ''`).get() as { n: number }).n).toBe(3);
    expect(raw.pragma('quick_check', { simple: true })).toBe('ok');
    raw.close();
    expect(await reopened.findTrails({ kmsKeyID: '' })).toEqual([]);

    const integrity = await reopened.checkIntegrity();
    expect(integrity.ok).toBe(false);
    expect(integrity.problems.length).toBeGreaterThanOrEqual(3);
    expect(integrity.problems[0]).toMatch(/^row \d+ missing from index trails_by_kms_key_id$/);
    // In a worker thread, on a read-only connection of its own: the same finding.
    expect(await reopened.checkIntegrity({ offThread: true })).toEqual(integrity);

    const verdict = await evaluateControl(api, reopened, kms);
    expect(verdict.verdict).toBe('ERROR');
    expect(verdict.reason).toMatch(
      /^the inventory database fails its integrity check \(SQLite PRAGMA integrity_check of the whole database\): row \d+ missing from index trails_by_kms_key_id; /,
    );
    expect(verdict.reason).toContain('no verdict is given on it');
    expect(verdict.databaseProblems).toEqual(integrity.problems);
    // Every control, not only the one whose index is damaged.
    const verdicts = await evaluateControls(api, reopened, catalog);
    expect(verdicts.map((v) => v.verdict)).toEqual(catalog.map(() => 'ERROR'));
    expect(verdicts.every((v) => v.databaseProblems?.length)).toBe(true);
  });

  it('gets no verdict when pages of the sync tables are overwritten, and the check says what SQLite found', async () => {
    const path = await inventory();
    expect(overwritePagesOf(path, ['sync_runs', 'sync_scopes', 'sync_scope_state'])).toBeGreaterThan(0);
    reopened = SqliteStore.open(path);
    const integrity = await reopened.checkIntegrity({ offThread: true });
    expect(integrity.ok).toBe(false);
    expect(integrity.problems.length).toBeGreaterThan(0);
    const verdict = await evaluateControl(api, reopened, kms);
    expect(verdict).toMatchObject({ verdict: 'ERROR', databaseProblems: integrity.problems });
  });

  it("passes the check when nothing is damaged, and then the verdict is the data's", async () => {
    const path = await inventory();
    reopened = SqliteStore.open(path);
    expect(await reopened.checkIntegrity()).toEqual({ ok: true, problems: [], method: 'SQLite PRAGMA integrity_check of the whole database' });
    expect(await reopened.checkIntegrity({ offThread: true })).toEqual({ ok: true, problems: [], method: 'SQLite PRAGMA integrity_check of the whole database' });
    const verdict = await evaluateControl(api, reopened, kms);
    expect(verdict).toMatchObject({ verdict: 'FAIL', failingAssets: [{ name: 'plain-1' }, { name: 'plain-2' }, { name: 'plain-3' }] });
    expect(verdict.databaseProblems).toBeUndefined();
  });

  it('changes its change stamp when another connection commits', async () => {
    const path = await inventory();
    reopened = SqliteStore.open(path);
    const before = await reopened.changeStamp();
    expect(await reopened.changeStamp()).toBe(before);
    const other = new Database(path);
    other.exec(`UPDATE sync_runs SET error_message = 'touched' WHERE id = 1`);
    other.close();
    expect(await reopened.changeStamp()).not.toBe(before);
  });
});
