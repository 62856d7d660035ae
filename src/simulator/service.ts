// One simulated AWS service (src/simulator/README.md, "Services"): how the server recognises its requests, and how it
// answers them. Every service is listed once, in services.ts; the server routes each request to the first that claims it.

import type { HandledRequest, SimRequest } from './exchange.js';
import type { FaultInjector } from './faults.js';
import type { Scenario, SimCall } from './scenario.js';
import type { SessionStore } from './sessions.js';

/** What the server read off a request before picking its service. */
export interface RequestSignature {
  /** The X-Amz-Target header of an AWS JSON request (`TrentService.ListKeys`). */
  target?: string;
  /** The form parameters of a query-protocol request (Action, Version, ...). */
  form?: URLSearchParams;
  /** The service named in the SigV4 credential scope (`kms`, `ec2`). */
  signedFor?: string;
}

/** What every handler may use: the live scenario, the fault injector and the AssumeRole sessions issued so far. */
export interface ServiceContext {
  scenario: Scenario;
  faults: FaultInjector;
  sessions: SessionStore;
}

export interface SimService {
  /** The name calls are logged under (`SimCall.service`). */
  readonly name: SimCall['service'];
  /**
   * AWS JSON services: the X-Amz-Target prefixes they answer (`TrentService.`). Query services: a test of the form
   * (Action/Version) or signing name. A service may give both.
   */
  readonly targetPrefixes?: readonly string[];
  recognises?(signature: RequestSignature): boolean;
  handle(request: SimRequest, context: ServiceContext): HandledRequest;
}

/** The operation of an AWS JSON request: the text after the last `.` of X-Amz-Target (both spellings AWS uses). */
export function operationFromTarget(target: string | undefined): string {
  return target?.split('.').pop() ?? '';
}

/** The X-Amz-Target header, once (Node gives a list when it was sent twice). */
export function targetHeader(request: SimRequest): string | undefined {
  const target = request.headers['x-amz-target'];
  return Array.isArray(target) ? target[0] : target;
}
