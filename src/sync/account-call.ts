// Which account an AWS call is made for. The run's clients are shared by every account (src/sync/clients.ts), so the
// account travels with each call instead of with its client: it is tagged on the command when the account sends it,
// read from there by the limiter, and handed to the signer at the one moment the SDK asks for it. No async context
// carries it: Node 20's AsyncLocalStorage hooks every promise of the process, about a fifth of a call's CPU.
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** The account a call is made for: whose credentials sign it, and whose limits it counts against. */
export interface AccountCall {
  limitKey: string;
  credentials: AwsCredentialIdentityProvider;
}

const ACCOUNT = Symbol('inventory.accountCall');

/**
 * Marks a command as sent by `call`. Enumerable, so that it survives the SDK's `{ ...args }` copies from middleware to
 * middleware; a symbol, so that no serializer sees it.
 */
export function tagAccountCall(command: object, call: AccountCall): void {
  const tagged = (command as { [ACCOUNT]?: AccountCall })[ACCOUNT];
  // The same account may send a command again (its limit key may have moved to its id since); another account may not.
  if (tagged && tagged.credentials !== call.credentials) throw new Error('one AWS command object was sent by two accounts: each call needs a command of its own');
  (command as { [ACCOUNT]?: AccountCall })[ACCOUNT] = call;
}

/** The account that sent the call these middleware arguments belong to; throws when none did, so no call goes unsigned-for. */
export function accountCallOf(args: object): AccountCall {
  const call = (args as { [ACCOUNT]?: AccountCall })[ACCOUNT];
  if (!call) throw new Error('an AWS call was made outside of an account: it has no credentials');
  return call;
}

/** The account whose call is being handed to the SDK's signing middleware, only while that hand-over runs. */
let signing: AccountCall | undefined;

/**
 * Runs `next` (the SDK's signing middleware) for `call`. The SDK asks for the call's signer synchronously, before its
 * first await (httpSigningMiddleware → AwsSdkSigV4Signer.sign → config.signer), so the account is known exactly then.
 */
export function signAs<T>(call: AccountCall, next: () => T): T {
  signing = call;
  try {
    return next();
  } finally {
    signing = undefined;
  }
}

/**
 * The account to build a signer for. Throws when the SDK asks at any other moment (a future SDK that awaits first, say):
 * then the call fails loudly instead of being signed as whichever account came last.
 */
export function signingAccount(): AccountCall {
  const call = signing;
  signing = undefined;
  if (!call) throw new Error('the AWS SDK asked for a signer outside of the call being signed: no account can be trusted to sign it');
  return call;
}
