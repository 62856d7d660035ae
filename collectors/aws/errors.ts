// How an AWS SDK failure is recorded: its error code and message, never a stack trace.
import type { ScopeError } from '../../src/model/scope.js';

/** The SDK sets `name` to the AWS error code; network failures carry a Node `code` such as ECONNREFUSED. */
export function describeAwsError(error: unknown): ScopeError {
  if (error instanceof Error) {
    const nodeCode = (error as NodeJS.ErrnoException).code;
    const code = error.name && error.name !== 'Error' ? error.name : (nodeCode ?? 'Error');
    return { code, message: error.message || code };
  }
  return { code: 'Error', message: String(error) };
}
