// VPCs with flow logs, and AWS Config recorders, for the generated organization (organization.ts): each account's
// drawn from a hash of its id, not from the scenario's seeded sequence, so adding them left every other generated
// value as it was. Compliant and violating cases mix: default VPCs without flow logs, a flow log whose delivery
// fails, a region without a recorder, a recorder stopped, one not recording every resource type.

import { createHash } from 'node:crypto';
import type { SimConfigurationRecorder } from '../config/scenario.js';
import type { SimVpc } from '../ec2/scenario.js';

const CREATED = '2025-06-01T00:00:00.000Z';

/** Bytes drawn from the account id: the same account always gets the same resources. */
function draws(accountId: string): Buffer {
  return createHash('sha256').update(`vpc-config:${accountId}`).digest();
}

/**
 * The account's VPCs: the default VPC of one region (about a third without a flow log, one in five of the others
 * failing delivery), and in about half the accounts an application VPC there with a flow log to CloudWatch Logs.
 */
export function generatedVpcs(accountId: string, regions: readonly string[]): SimVpc[] {
  const d = draws(accountId);
  const region = regions[d[0]! % regions.length]!;
  const hex = d.toString('hex');
  const defaultVpc: SimVpc = {
    VpcId: `vpc-${hex.slice(0, 17)}`,
    Region: region,
    CidrBlock: '172.31.0.0/16',
    IsDefault: true,
    DhcpOptionsId: `dopt-${hex.slice(20, 28)}`,
  };
  if (d[1]! % 3 !== 0) {
    const failing = d[2]! % 5 === 0;
    defaultVpc.FlowLogs = [
      {
        FlowLogId: `fl-${hex.slice(30, 47)}`,
        CreationTime: CREATED,
        TrafficType: 'REJECT',
        LogDestinationType: 's3',
        LogDestination: `arn:aws:s3:::flow-logs-${accountId}`,
        ...(failing ? { DeliverLogsStatus: 'FAILED' as const, DeliverLogsErrorMessage: 'Access error' } : {}),
      },
    ];
  }
  if (d[3]! % 2 === 1) return [defaultVpc];
  const application: SimVpc = {
    VpcId: `vpc-${hex.slice(17, 34)}`,
    Region: region,
    CidrBlock: `10.${d[4]!}.0.0/16`,
    Tags: { Name: 'application' },
    FlowLogs: [
      {
        FlowLogId: `fl-${hex.slice(47, 64)}`,
        CreationTime: CREATED,
        LogGroupName: 'vpc-flow-logs',
        LogDestination: `arn:aws:logs:${region}:${accountId}:log-group:vpc-flow-logs`,
        DeliverLogsPermissionArn: `arn:aws:iam::${accountId}:role/flow-logs`,
      },
    ],
  };
  return [defaultVpc, application];
}

/**
 * The account's customer managed recorders: one per region, recording every supported type, the global IAM types
 * in the first region (us-east-1 when enabled); one account in six lacks one region's, one in six has it stopped, one
 * in six records only some types there.
 */
export function generatedRecorders(accountId: string, regions: readonly string[]): SimConfigurationRecorder[] {
  const d = draws(accountId);
  const globalRegion = regions.includes('us-east-1') ? 'us-east-1' : regions[0]!;
  const odd = regions[d[5]! % regions.length]!;
  const kind = d[6]! % 6;
  return regions
    .filter((region) => !(kind === 0 && region === odd))
    .map((region) => {
      const recorder: SimConfigurationRecorder = {
        Region: region,
        RoleARN: `arn:aws:iam::${accountId}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
        IncludeGlobalResourceTypes: region === globalRegion,
        Recording: true,
        LastStatus: 'Success',
        LastStartTime: CREATED,
        LastStatusChangeTime: CREATED,
      };
      if (region !== odd) return recorder;
      if (kind === 1) return { ...recorder, Recording: false, LastStopTime: '2026-09-01T00:00:00.000Z' };
      if (kind === 2)
        return { ...recorder, AllSupported: false, RecordingStrategy: 'INCLUSION_BY_RESOURCE_TYPES', ResourceTypes: ['AWS::EC2::Instance', 'AWS::S3::Bucket'] };
      return recorder;
    });
}
