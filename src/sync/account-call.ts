// Which account an AWS call is made for, carried through the SDK's middleware in the async context: the run's clients
// are shared by every account (src/sync/clients.ts), so the account signs and counts each call, not the client.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** The account a call is made for: whose credentials sign it, and whose limits it counts against. */
export interface AccountCall {
  limitKey: string;
  credentials: AwsCredentialIdentityProvider;
}

/** The account of the call in progress, carried through the SDK's middleware (async context, not a client per account). */
const callingAccount = new AsyncLocalStorage<AccountCall>();

/** The account whose call runs here; throws outside one, so that no call is ever signed with another account's keys. */
export function currentAccountCall(): AccountCall {
  const call = callingAccount.getStore();
  if (!call) throw new Error('an AWS call was made outside of an account: it has no credentials');
  return call;
}

/** Runs `work` as part of `call` (the limiter re-enters the account's context before the call goes out). */
export function asAccountCall<T>(call: AccountCall, work: () => T): T {
  return callingAccount.run(call, work);
}
