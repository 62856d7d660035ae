// Fault injection for the services that apply it (CloudTrail, KMS): the scenario's SimFaults, its rate limit and its
// transient error rate.
// Reads the live scenario on every call, so tests can add or remove faults between requests.

import { AwsError } from './errors.js';
import type { Scenario, SimCall, SimFault } from './scenario.js';

/** The call a fault is matched against. */
export interface FaultTarget {
  /** The service's IAM prefix, which is also its SimCall service (`cloudtrail`, `kms`). */
  service: string;
  accountId: string;
  region: string;
  operation: string;
  callerArn: string;
  /** The ARN of the resource the call names, when it names one (a KMS key). */
  resource?: string;
}

interface TokenBucket {
  tokens: number;
  refilledAt: number;
}

export class FaultInjector {
  /** How many calls each counted fault (throttle/internalError with `times`) has already answered. */
  private readonly firedCounts = new WeakMap<SimFault, number>();
  /** One token bucket per account and region, as AWS meters API calls. */
  private readonly buckets = new Map<string, TokenBucket>();
  private random: () => number;
  private seededWith: number | undefined;

  constructor(private readonly scenario: Scenario) {
    this.seededWith = scenario.seed;
    this.random = mulberry32(scenario.seed ?? 1);
  }

  /** The error this call must get instead of its normal answer, or undefined to answer normally. */
  injectedError(target: FaultTarget, now = Date.now()): AwsError | undefined {
    for (const fault of this.scenario.faults ?? []) {
      const error = this.faultError(fault, target);
      if (error !== undefined) return error;
    }
    if (this.scenario.rateLimit !== undefined && !this.takeToken(target, this.scenario.rateLimit.callsPerSecond, now)) {
      return throttlingError();
    }
    const rate = this.scenario.transientErrorRate ?? 0;
    if (rate > 0 && this.nextRandom() < rate) return internalFailure();
    return undefined;
  }

  /** True when an unknownTrail fault says this trail vanished for this operation (per-trail calls then answer "not found"). */
  trailVanished(trailArn: string, operation: string): boolean {
    return (this.scenario.faults ?? []).some((fault) => fault.kind === 'unknownTrail' && fault.trailArn === trailArn && matches(fault.operation, operation));
  }

  private faultError(fault: SimFault, target: FaultTarget): AwsError | undefined {
    if (fault.kind === 'unknownTrail') return undefined; // applied while resolving the trail, see trailVanished
    if (fault.kind === 'slow') return undefined; // applied when the answer is sent, see responseDelay
    if (!matches(fault.service ?? 'cloudtrail', target.service)) return undefined;
    if (!matches(fault.accountId, target.accountId) || !matches(fault.region, target.region) || !matches(fault.operation, target.operation)) {
      return undefined;
    }
    switch (fault.kind) {
      case 'accessDenied': {
        if (!matches(fault.resource, target.resource ?? '')) return undefined;
        const action = `${target.service}:${target.operation}`;
        const onResource = target.resource === undefined ? '' : ` on resource: ${target.resource}`;
        return new AwsError(
          'AccessDeniedException',
          `User: ${target.callerArn} is not authorized to perform: ${action}${onResource} because no identity-based policy allows the ${action} action`,
        );
      }
      case 'throttle':
        return this.fireCounted(fault, fault.times) ? throttlingError() : undefined;
      case 'internalError':
        return this.fireCounted(fault, fault.times) ? internalFailure() : undefined;
    }
  }

  /** Counts one firing of a fault limited to `times` calls; false once it is used up. */
  private fireCounted(fault: SimFault, times: number | undefined): boolean {
    const fired = this.firedCounts.get(fault) ?? 0;
    if (times !== undefined && fired >= times) return false;
    this.firedCounts.set(fault, fired + 1);
    return true;
  }

  /** Token bucket: `callsPerSecond` tokens refill per second, and the burst equals one second's worth. */
  private takeToken(target: FaultTarget, callsPerSecond: number, now: number): boolean {
    const key = `${target.service}/${target.accountId}/${target.region}`; // each service meters its own calls
    const bucket = this.buckets.get(key) ?? { tokens: callsPerSecond, refilledAt: now };
    bucket.tokens = Math.min(callsPerSecond, bucket.tokens + ((now - bucket.refilledAt) / 1000) * callsPerSecond);
    bucket.refilledAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private nextRandom(): number {
    if (this.scenario.seed !== this.seededWith) {
      // A test changed the seed: restart the sequence so the outcome is reproducible from the new seed.
      this.seededWith = this.scenario.seed;
      this.random = mulberry32(this.scenario.seed ?? 1);
    }
    return this.random();
  }
}

/** How long to hold the answer to a call: the scenario's latency plus every matching `slow` fault. */
export function responseDelay(scenario: Scenario, call: Pick<SimCall, 'accountId' | 'region' | 'operation'>): number {
  let delay = scenario.latencyMs ?? 0;
  for (const fault of scenario.faults ?? []) {
    if (fault.kind !== 'slow') continue;
    if (matches(fault.accountId, call.accountId ?? '') && matches(fault.region, call.region) && matches(fault.operation, call.operation)) {
      delay += fault.delayMs;
    }
  }
  return delay;
}

function matches(selector: string | undefined, value: string): boolean {
  return selector === undefined || selector === value;
}

export function throttlingError(): AwsError {
  return new AwsError('ThrottlingException', 'Rate exceeded');
}

export function internalFailure(): AwsError {
  return new AwsError('InternalFailure', 'An internal error has occurred. Please try your request again.', 500);
}

/** A small, fast seeded PRNG (Mulberry32), so fault sequences repeat exactly for a given seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
