// Request validation for the CloudTrail operations the simulator implements: member types as in the
// service model, and the members AWS requires. Unknown members are ignored, as AWS JSON services do.

import { AwsError } from '../errors.js';

type MemberType = 'string' | 'boolean' | 'string[]';

interface InputShape {
  members: Record<string, MemberType>;
  /** The member naming the trail, when the operation acts on one trail (required). */
  trailMember?: string;
  required?: string[];
}

const TRAIL_SETTINGS: Record<string, MemberType> = {
  Name: 'string',
  S3BucketName: 'string',
  S3KeyPrefix: 'string',
  SnsTopicName: 'string',
  IncludeGlobalServiceEvents: 'boolean',
  IsMultiRegionTrail: 'boolean',
  EnableLogFileValidation: 'boolean',
  CloudWatchLogsLogGroupArn: 'string',
  CloudWatchLogsRoleArn: 'string',
  KmsKeyId: 'string',
  IsOrganizationTrail: 'boolean',
};

export const INPUT_SHAPES: Record<string, InputShape> = {
  DescribeTrails: { members: { trailNameList: 'string[]', includeShadowTrails: 'boolean' } },
  ListTrails: { members: { NextToken: 'string' } },
  GetTrail: { members: { Name: 'string' }, trailMember: 'Name' },
  GetTrailStatus: { members: { Name: 'string' }, trailMember: 'Name' },
  GetEventSelectors: { members: { TrailName: 'string' }, trailMember: 'TrailName' },
  GetInsightSelectors: { members: { TrailName: 'string', EventDataStore: 'string' }, trailMember: 'TrailName' },
  ListTags: { members: { ResourceIdList: 'string[]', NextToken: 'string' }, required: ['ResourceIdList'] },
  UpdateTrail: { members: TRAIL_SETTINGS, trailMember: 'Name' },
  StartLogging: { members: { Name: 'string' }, trailMember: 'Name' },
  StopLogging: { members: { Name: 'string' }, trailMember: 'Name' },
};

/** Checks member types and required members for an operation listed in INPUT_SHAPES. */
export function validateInput(operation: string, input: Record<string, unknown>): void {
  const shape = INPUT_SHAPES[operation];
  if (shape === undefined) return;
  for (const [member, type] of Object.entries(shape.members)) {
    const value = input[member];
    if (value === undefined || value === null) continue;
    if (!hasType(value, type)) {
      throw new AwsError('SerializationException', `Expected ${type} for member ${member}.`);
    }
  }
  if (shape.trailMember !== undefined && (typeof input[shape.trailMember] !== 'string' || input[shape.trailMember] === '')) {
    // AWS validates the trail name before anything else; an absent name has length 0.
    throw new AwsError('InvalidTrailNameException', 'Trail name too short. Minimum allowed length: 3 characters. Specified name length: 0 characters.');
  }
  for (const member of shape.required ?? []) {
    if (input[member] === undefined || input[member] === null) {
      throw new AwsError('InvalidParameterException', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
    }
  }
}

function hasType(value: unknown, type: MemberType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
  }
}

/** The trail name or ARN a per-trail request names (used to match recorded responses and faults). */
export function requestedTrail(operation: string, input: Record<string, unknown>): string | undefined {
  const member = INPUT_SHAPES[operation]?.trailMember;
  // Operations the simulator does not model (e.g. DeleteTrail in a recording) name the trail as Name or TrailName.
  const value = member !== undefined ? input[member] : (input.Name ?? input.TrailName);
  return typeof value === 'string' ? value : undefined;
}
