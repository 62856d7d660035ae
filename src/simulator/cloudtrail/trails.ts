// Which trails a caller sees in a region, and how a trail name or ARN in a request resolves.
// These are CloudTrail's visibility rules for multi-region (shadow) and organization trails; see API.md.

import { findAccountById, isOrganizationMember } from '../accounts.js';
import { AwsError } from '../errors.js';
import type { Scenario, SimAccount, SimTrail } from '../scenario.js';

/** A trail together with the account that owns it (the account in its ARN). */
export interface OwnedTrail {
  owner: SimAccount;
  trail: SimTrail;
  arn: string;
}

/** The request a trail is resolved for: who asks, from which region, in which operation. */
export interface TrailRequestContext {
  scenario: Scenario;
  caller: SimAccount;
  region: string;
  operation: string;
  /** True when an injected fault says this trail vanished (it was listed, then deleted). */
  trailVanished(trailArn: string): boolean;
}

export interface TrailArnParts {
  region: string;
  accountId: string;
  name: string;
}

export function trailArn(ownerId: string, trail: SimTrail): string {
  return `arn:aws:cloudtrail:${trail.HomeRegion}:${ownerId}:trail/${trail.Name}`;
}

export function looksLikeArn(nameOrArn: string): boolean {
  return nameOrArn.startsWith('arn:');
}

const TRAIL_ARN = /^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):(\d{12}):trail\/(.+)$/;

export function parseTrailArn(arn: string): TrailArnParts | undefined {
  const match = TRAIL_ARN.exec(arn);
  if (match === null) return undefined;
  const [, region = '', accountId = '', name = ''] = match;
  return { region, accountId, name };
}

function owned(owner: SimAccount, trail: SimTrail): OwnedTrail {
  return { owner, trail, arn: trailArn(owner.Id, trail) };
}

/**
 * DescribeTrails' list: the caller's trails homed in this region; with shadows, also the caller's
 * multi-region trails homed elsewhere and, for an organization member, the management account's
 * organization trails (multi-region ones everywhere, single-region ones in their home region).
 */
export function visibleTrails(scenario: Scenario, caller: SimAccount, region: string, includeShadowTrails: boolean): OwnedTrail[] {
  const visible = caller.Trails.filter((trail) => trail.HomeRegion === region || (includeShadowTrails && trail.IsMultiRegionTrail)).map((trail) => owned(caller, trail));
  if (includeShadowTrails && isOrganizationMember(scenario, caller)) {
    const management = findAccountById(scenario, scenario.organization?.managementAccountId ?? '');
    for (const trail of management?.Trails ?? []) {
      if (trail.IsOrganizationTrail && (trail.IsMultiRegionTrail || trail.HomeRegion === region)) {
        visible.push(owned(management!, trail));
      }
    }
  }
  return visible;
}

/**
 * GetTrailStatus / GetTrail: a name finds only the caller's trail homed in this region; an ARN finds a
 * trail the caller owns that is visible here (shadow regions allowed). Another account's trail, such as
 * an organization trail seen from a member, is "Unknown trail".
 */
export function resolveTrailForRead(context: TrailRequestContext, nameOrArn: string): OwnedTrail {
  if (!looksLikeArn(nameOrArn)) return resolveOwnTrailByName(context, nameOrArn);
  const parts = requireTrailArn(nameOrArn);
  const trail = parts.accountId === context.caller.Id ? findOwnTrail(context.caller, parts) : undefined;
  if (trail === undefined || !(trail.HomeRegion === context.region || trail.IsMultiRegionTrail)) {
    throw unknownTrail(nameOrArn, context.caller);
  }
  return checkNotVanished(context, owned(context.caller, trail));
}

/**
 * GetEventSelectors, GetInsightSelectors, UpdateTrail, Start/StopLogging: only the owner, and only in
 * the trail's home region. An ARN for another region is rejected before anything is looked up.
 */
export function resolveTrailInHomeRegion(context: TrailRequestContext, nameOrArn: string): OwnedTrail {
  if (!looksLikeArn(nameOrArn)) return resolveOwnTrailByName(context, nameOrArn);
  const parts = requireTrailArn(nameOrArn);
  if (parts.region !== context.region) throw wrongArnRegion(context.region);
  const trail = parts.accountId === context.caller.Id ? findOwnTrail(context.caller, parts) : undefined;
  if (trail === undefined) throw unknownTrail(nameOrArn, context.caller);
  return checkNotVanished(context, owned(context.caller, trail));
}

/** ListTags: each ARN must be in this region and owned by the caller; an unknown one is ResourceNotFound. */
export function resolveTaggedTrail(context: TrailRequestContext, arn: string): OwnedTrail {
  const parts = requireTrailArn(arn);
  if (parts.region !== context.region) throw wrongArnRegion(context.region);
  if (parts.accountId !== context.caller.Id) {
    throw new AwsError('CloudTrailARNInvalidException', `AccountID in ARN is wrong, you can only access resources with AccountID ${context.caller.Id}.`);
  }
  const trail = findOwnTrail(context.caller, parts);
  if (trail === undefined || context.trailVanished(arn)) {
    throw new AwsError('ResourceNotFoundException', `Resource not found: ${arn}`);
  }
  return owned(context.caller, trail);
}

function resolveOwnTrailByName(context: TrailRequestContext, name: string): OwnedTrail {
  validateTrailName(name);
  const trail = context.caller.Trails.find((candidate) => candidate.Name === name && candidate.HomeRegion === context.region);
  // AWS reports an unknown name as the ARN it would have in this region.
  const arnHere = `arn:aws:cloudtrail:${context.region}:${context.caller.Id}:trail/${name}`;
  if (trail === undefined) throw unknownTrail(arnHere, context.caller);
  return checkNotVanished(context, owned(context.caller, trail));
}

function findOwnTrail(caller: SimAccount, parts: TrailArnParts): SimTrail | undefined {
  return caller.Trails.find((trail) => trail.Name === parts.name && trail.HomeRegion === parts.region);
}

function checkNotVanished(context: TrailRequestContext, found: OwnedTrail): OwnedTrail {
  if (context.trailVanished(found.arn)) throw unknownTrail(found.arn, context.caller);
  return found;
}

function requireTrailArn(arn: string): TrailArnParts {
  const parts = parseTrailArn(arn);
  if (parts === undefined) throw new AwsError('CloudTrailARNInvalidException', `ARN ${arn} is invalid.`);
  return parts;
}

function unknownTrail(nameOrArn: string, caller: SimAccount): AwsError {
  return new AwsError('TrailNotFoundException', `Unknown trail: ${nameOrArn} for the user: ${caller.Id}`);
}

// AWS names the region the request was sent to: "you can only access resources in region <that region>" (aws/aws-sdk-java#1309).
function wrongArnRegion(requestRegion: string): AwsError {
  return new AwsError('CloudTrailARNInvalidException', `Region in ARN is wrong, you can only access resources in region ${requestRegion}.`);
}

const MIN_TRAIL_NAME = 3;
const MAX_TRAIL_NAME = 128;

/** CloudTrail's trail-name rules (API.md, GetEventSelectors): checked before any lookup. */
export function validateTrailName(name: string): void {
  if (name.length < MIN_TRAIL_NAME) {
    throw new AwsError(
      'InvalidTrailNameException',
      `Trail name too short. Minimum allowed length: ${MIN_TRAIL_NAME} characters. Specified name length: ${name.length} characters.`,
    );
  }
  if (name.length > MAX_TRAIL_NAME) {
    throw new AwsError(
      'InvalidTrailNameException',
      `Trail name too long. Maximum allowed length: ${MAX_TRAIL_NAME} characters. Specified name length: ${name.length} characters.`,
    );
  }
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new AwsError(
      'InvalidTrailNameException',
      'Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).',
    );
  }
  if (!/^[A-Za-z0-9]/.test(name)) {
    throw new AwsError('InvalidTrailNameException', 'Trail name must starts with a letter or number.');
  }
  if (!/[A-Za-z0-9]$/.test(name)) {
    throw new AwsError('InvalidTrailNameException', 'Trail name must ends with a letter or number.');
  }
  if (/[._-]{2}/.test(name)) {
    throw new AwsError('InvalidTrailNameException', 'Trail name cannot contain adjacent periods, hyphens, or underscores.');
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) {
    throw new AwsError('InvalidTrailNameException', 'Trail name cannot be formatted as an IP address.');
  }
}
