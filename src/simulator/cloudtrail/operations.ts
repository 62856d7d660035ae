// The CloudTrail operations the simulator answers. Each takes the validated input and returns the
// response shape; errors are thrown as AwsError. Mutating operations change the live scenario.

import { AwsError } from '../errors.js';
import type { SimTrail } from '../scenario.js';
import { eventSelectorsShape, resourceTagShape, trailInfoShape, trailShape, trailStatusShape, updatedTrailShape } from './shapes.js';
import { looksLikeArn, resolveTaggedTrail, resolveTrailForRead, resolveTrailInHomeRegion, visibleTrails, type TrailRequestContext } from './trails.js';

/** ListTags accepts at most this many ARNs per call (API reference: "The list has a limit of 20 ARNs"). */
export const LIST_TAGS_MAX_RESOURCE_IDS = 20;

type Input = Record<string, unknown>;
type Operation = (context: TrailRequestContext, input: Input) => Record<string, unknown>;

export const CLOUDTRAIL_OPERATIONS: Record<string, Operation> = {
  DescribeTrails: describeTrails,
  ListTrails: listTrails,
  GetTrail: (context, input) => ({ Trail: trailShape(resolveTrailForRead(context, String(input.Name))) }),
  GetTrailStatus: (context, input) => trailStatusShape(resolveTrailForRead(context, String(input.Name)).trail),
  GetEventSelectors: (context, input) => eventSelectorsShape(resolveTrailInHomeRegion(context, String(input.TrailName))),
  GetInsightSelectors: getInsightSelectors,
  ListTags: listTags,
  UpdateTrail: updateTrail,
  StartLogging: (context, input) => setLogging(context, input, true),
  StopLogging: (context, input) => setLogging(context, input, false),
};

/** Not paginated. Names match only the caller's trails homed here; ARNs match any trail visible here. */
function describeTrails(context: TrailRequestContext, input: Input): Record<string, unknown> {
  const includeShadowTrails = input.includeShadowTrails !== false; // AWS: "The default is true."
  const visible = visibleTrails(context.scenario, context.caller, context.region, includeShadowTrails);
  const requested = (input.trailNameList as string[] | undefined) ?? [];
  const selected =
    requested.length === 0
      ? visible
      : visible.filter(({ trail, arn, owner }) =>
          requested.some((nameOrArn) =>
            looksLikeArn(nameOrArn) ? nameOrArn === arn : nameOrArn === trail.Name && owner.Id === context.caller.Id && trail.HomeRegion === context.region,
          ),
        );
  return { trailList: selected.map(trailShape) };
}

/** The same trails DescribeTrails shows with shadows, as TrailInfo; one page (no NextToken). */
function listTrails(context: TrailRequestContext): Record<string, unknown> {
  return { Trails: visibleTrails(context.scenario, context.caller, context.region, true).map(trailInfoShape) };
}

function getInsightSelectors(context: TrailRequestContext, input: Input): Record<string, unknown> {
  const found = resolveTrailInHomeRegion(context, String(input.TrailName));
  const selectors = found.trail.InsightSelectors ?? [];
  if (selectors.length === 0) {
    throw new AwsError('InsightNotEnabledException', `Trail ${found.arn} does not have Insights enabled.`);
  }
  return { TrailARN: found.arn, InsightSelectors: selectors };
}

function listTags(context: TrailRequestContext, input: Input): Record<string, unknown> {
  const arns = input.ResourceIdList as string[];
  if (arns.length > LIST_TAGS_MAX_RESOURCE_IDS) {
    throw new AwsError('InvalidParameterException', `ResourceIdList has ${arns.length} ARNs; the list has a limit of ${LIST_TAGS_MAX_RESOURCE_IDS} ARNs.`);
  }
  return { ResourceTagList: arns.map((arn) => resourceTagShape(resolveTaggedTrail(context, arn))) };
}

/** Applies the optional settings to the scenario's trail; an empty string removes a setting (e.g. KmsKeyId ""). */
function updateTrail(context: TrailRequestContext, input: Input): Record<string, unknown> {
  const found = resolveTrailInHomeRegion(context, String(input.Name));
  const { trail, owner } = found;
  const text = (member: string) => input[member] as string | undefined;
  const flag = (member: string) => input[member] as boolean | undefined;
  // Validate the resulting combination before changing anything, so a rejected update leaves the trail as it was.
  const willBeMultiRegion = flag('IsMultiRegionTrail') ?? trail.IsMultiRegionTrail;
  const willIncludeGlobalEvents = flag('IncludeGlobalServiceEvents') ?? trail.IncludeGlobalServiceEvents ?? true;
  if (willBeMultiRegion && !willIncludeGlobalEvents) {
    throw new AwsError('InvalidParameterCombinationException', 'Multi-Region trail must include global service events.');
  }

  if (text('S3BucketName') !== undefined) trail.S3BucketName = text('S3BucketName')!;
  setOrClear(trail, 'S3KeyPrefix', text('S3KeyPrefix'));
  if (text('SnsTopicName') !== undefined) {
    const topic = text('SnsTopicName')!;
    setOrClear(trail, 'SnsTopicName', topic);
    setOrClear(trail, 'SnsTopicARN', topic === '' || topic.startsWith('arn:') ? topic : `arn:aws:sns:${trail.HomeRegion}:${owner.Id}:${topic}`);
  }
  if (flag('IncludeGlobalServiceEvents') !== undefined) trail.IncludeGlobalServiceEvents = flag('IncludeGlobalServiceEvents');
  if (flag('IsMultiRegionTrail') !== undefined) trail.IsMultiRegionTrail = flag('IsMultiRegionTrail')!;
  if (flag('EnableLogFileValidation') !== undefined) trail.LogFileValidationEnabled = flag('EnableLogFileValidation');
  if (flag('IsOrganizationTrail') !== undefined) trail.IsOrganizationTrail = flag('IsOrganizationTrail');
  setOrClear(trail, 'CloudWatchLogsLogGroupArn', text('CloudWatchLogsLogGroupArn'));
  setOrClear(trail, 'CloudWatchLogsRoleArn', text('CloudWatchLogsRoleArn'));
  const kmsKeyId = text('KmsKeyId');
  setOrClear(trail, 'KmsKeyId', kmsKeyId === undefined ? undefined : fullKmsKeyArn(kmsKeyId, trail, owner.Id));
  return updatedTrailShape(found);
}

function setLogging(context: TrailRequestContext, input: Input, logging: boolean): Record<string, unknown> {
  const { trail } = resolveTrailInHomeRegion(context, String(input.Name));
  trail.IsLogging = logging;
  trail.Status = { ...trail.Status, [logging ? 'StartLoggingTime' : 'StopLoggingTime']: new Date().toISOString() };
  return {};
}

type OptionalTrailText = 'S3KeyPrefix' | 'SnsTopicName' | 'SnsTopicARN' | 'CloudWatchLogsLogGroupArn' | 'CloudWatchLogsRoleArn' | 'KmsKeyId';

/** undefined leaves the member alone, "" removes it, anything else sets it. */
function setOrClear(trail: SimTrail, member: OptionalTrailText, value: string | undefined): void {
  if (value === undefined) return;
  if (value === '') delete trail[member];
  else trail[member] = value;
}

/** DescribeTrails reports KmsKeyId as a full key ARN; a bare key id is expanded in the trail's home region. */
function fullKmsKeyArn(keyId: string, trail: SimTrail, ownerId: string): string {
  if (keyId === '' || keyId.startsWith('arn:') || keyId.startsWith('alias/')) return keyId;
  return `arn:aws:kms:${trail.HomeRegion}:${ownerId}:key/${keyId}`;
}
