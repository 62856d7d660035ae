// The store's integrity check, on both backends: a sound inventory passes; PostgreSQL says that it checks nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

let temp: TempStore | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

describe('checkIntegrity', () => {
  it('passes a sound inventory, on the connection and off the event loop, and says how it checked', async () => {
    temp = await openTempStore();
    await syncScope(temp.store, { accountId: '111122223333', region: 'us-east-1', trails: [trailRecord('a')] });
    const method =
      temp.backend === 'sqlite'
        ? 'SQLite PRAGMA integrity_check of the whole database'
        : expect.stringMatching(/^not checked: PostgreSQL has no integrity check without the amcheck extension/);
    expect(await temp.store.checkIntegrity()).toEqual({ ok: true, problems: [], method });
    expect(await temp.store.checkIntegrity({ offThread: true })).toEqual({ ok: true, problems: [], method });
    expect(typeof (await temp.store.changeStamp())).toBe('string');
  });
});
