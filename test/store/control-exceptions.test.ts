// Stored exceptions (migration 0007): added, listed with or without the revoked ones, revoked once and kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewControlException } from '../../src/store/store.js';
import { openTempStore, type TempStore } from '../support/store.js';

const exception = (over: Partial<NewControlException> = {}): NewControlException => ({
  control: 'cloudtrail-kms-encryption',
  asset: 'arn:aws:cloudtrail:*:222222222222:trail/*',
  owner: 'platform-team',
  reason: 'CMK migration planned',
  approver: 'security-lead',
  expires: '2027-03-31',
  createdBy: 'admin-bot',
  ...over,
});

describe('stored exceptions', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await openTempStore();
  });
  afterEach(() => temp.cleanup());

  it('stores an exception with who created it and when, and lists them by id', async () => {
    const before = new Date().toISOString();
    const first = await temp.store.addControlException(exception());
    const second = await temp.store.addControlException(exception({ asset: '333333333333', createdBy: 'local' }));
    expect(first).toEqual({ id: 1, ...exception(), createdAt: expect.any(String), revokedAt: null, revokedBy: null });
    expect(first.createdAt >= before).toBe(true);
    expect(second).toMatchObject({ id: 2, asset: '333333333333', createdBy: 'local' });
    expect((await temp.store.listControlExceptions()).map((e) => e.id)).toEqual([1, 2]);
  });

  it('keeps a revoked exception, out of the default list, with its first revocation', async () => {
    const { id } = await temp.store.addControlException(exception());
    const kept = await temp.store.addControlException(exception({ asset: '333333333333' }));
    const revoked = await temp.store.revokeControlException(id, 'admin-bot');
    expect(revoked).toMatchObject({ id, revokedAt: expect.any(String), revokedBy: 'admin-bot' });
    expect((await temp.store.listControlExceptions()).map((e) => e.id)).toEqual([kept.id]);
    expect(await temp.store.listControlExceptions({ includeRevoked: true })).toEqual([revoked, kept]);
    // Revoking again changes nothing: who revoked it first, and when, stays.
    expect(await temp.store.revokeControlException(id, 'someone-else')).toEqual(revoked);
    expect(await temp.store.revokeControlException(99, 'admin-bot')).toBeUndefined();
  });

  it('refuses an expiry that is not written YYYY-MM-DD, and a revocation without who', async () => {
    await expect(
      temp.sql(
        `INSERT INTO control_exceptions (control_id, asset, owner, reason, approver, expires, created_at, created_by) VALUES ('c', 'a', 'o', 'r', 'a', '31/03/2027', 'now', 'x')`,
      ),
    ).rejects.toThrow(/CHECK constraint failed|violates check constraint/);
    await expect(
      temp.sql(
        `INSERT INTO control_exceptions (control_id, asset, owner, reason, approver, expires, created_at, created_by, revoked_at) VALUES ('c', 'a', 'o', 'r', 'a', '2027-03-31', 'now', 'x', 'now')`,
      ),
    ).rejects.toThrow(/CHECK constraint failed|violates check constraint/);
  });
});
