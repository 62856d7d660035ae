// The account of each AWS call travels with the call (src/sync/account-call.ts): whenever it cannot be known for sure,
// the call fails instead of being signed or counted as some other account.
import { describe, expect, it } from 'vitest';
import { accountCallOf, type AccountCall, signAs, signingAccount, tagAccountCall } from '../../src/sync/account-call.js';

const account = (limitKey: string): AccountCall => ({ limitKey, credentials: async () => ({ accessKeyId: `AKIA${limitKey}`, secretAccessKey: 's' }) });

describe('the account of a call', () => {
  it('is read from the command that account sent, and from the SDK’s copies of its arguments', () => {
    const a = account('111111111111');
    const command = { input: { KeyId: 'k' } };
    tagAccountCall(command, a);
    expect(accountCallOf(command)).toBe(a);
    expect(accountCallOf({ ...command, request: {} })).toBe(a);
    // Invisible to what serializes the input.
    expect(JSON.stringify(command)).toBe('{"input":{"KeyId":"k"}}');
  });

  it('refuses a call no account sent, and a command object sent by two accounts', () => {
    expect(() => accountCallOf({ input: {} })).toThrow('outside of an account');
    const command = { input: {} };
    const first = account('111111111111');
    tagAccountCall(command, first);
    expect(() => tagAccountCall(command, account('222222222222'))).toThrow('sent by two accounts');
    // The same account again, under the limit key it has once its id is known: allowed.
    tagAccountCall(command, { ...first, limitKey: 'account id now known' });
    expect(accountCallOf(command).limitKey).toBe('account id now known');
  });

  it('is given to the signer only during the synchronous hand-over to the signing middleware, and only once', () => {
    const a = account('111111111111');
    let seen: AccountCall | undefined;
    signAs(a, () => {
      seen = signingAccount();
    });
    expect(seen).toBe(a);
    expect(() => signAs(a, () => [signingAccount(), signingAccount()])).toThrow('outside of the call being signed');
    // After an await, the moment has passed: a signer asked for then is refused.
    const late = signAs(a, async () => {
      await Promise.resolve();
      return signingAccount();
    });
    return expect(late).rejects.toThrow('outside of the call being signed');
  });
});
