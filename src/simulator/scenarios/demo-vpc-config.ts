// The demo organization's VPCs and AWS Config recorders (demo.ts): one of each case the flow log and AWS Config checks
// judge. The management account is compliant; the workloads account has a default VPC without a flow log, a flow log
// whose delivery fails, a region without a recorder and a recorder stopped; the security account records only some
// resource types in one region and has none in the opt-in region it enabled. All data is invented.

import type { SimConfigurationRecorder } from '../config/scenario.js';
import type { SimVpc } from '../ec2/scenario.js';
import { DEFAULT_REGIONS } from '../scenario.js';

const CREATED = '2025-11-03T09:30:00.000Z';

export function demoVpcs(accountId: string, kind: 'management' | 'workloads' | 'security'): SimVpc[] {
  const flowLog = (id: string, region: string) => ({
    FlowLogId: id,
    CreationTime: CREATED,
    LogGroupName: 'vpc-flow-logs',
    LogDestination: `arn:aws:logs:${region}:${accountId}:log-group:vpc-flow-logs`,
    DeliverLogsPermissionArn: `arn:aws:iam::${accountId}:role/flow-logs`,
  });
  switch (kind) {
    case 'management':
      return [
        { VpcId: 'vpc-0a1b2c3d4e5f60001', Region: 'us-east-1', CidrBlock: '172.31.0.0/16', IsDefault: true, FlowLogs: [flowLog('fl-0a1b2c3d4e5f60001', 'us-east-1')] },
      ];
    case 'workloads':
      return [
        // Never given a flow log.
        { VpcId: 'vpc-0b1b2c3d4e5f60002', Region: 'us-west-2', CidrBlock: '172.31.0.0/16', IsDefault: true, DhcpOptionsId: 'dopt-0b1b2c3d' },
        {
          VpcId: 'vpc-0b1b2c3d4e5f60003',
          Region: 'us-west-2',
          CidrBlock: '10.20.0.0/16',
          SecondaryCidrBlocks: ['100.64.0.0/16'],
          Tags: { Name: 'production', Environment: 'production' },
          // Active, but its bucket refuses the logs.
          FlowLogs: [
            {
              FlowLogId: 'fl-0b1b2c3d4e5f60003',
              CreationTime: CREATED,
              TrafficType: 'ALL',
              LogDestinationType: 's3',
              LogDestination: 'arn:aws:s3:::acme-flow-logs-removed',
              DeliverLogsStatus: 'FAILED',
              DeliverLogsErrorMessage: 'Access error',
            },
          ],
        },
        {
          VpcId: 'vpc-0b1b2c3d4e5f60004',
          Region: 'eu-west-1',
          CidrBlock: '10.30.0.0/16',
          Tags: { Name: 'analytics' },
          FlowLogs: [flowLog('fl-0b1b2c3d4e5f60004', 'eu-west-1')],
        },
      ];
    case 'security':
      return [
        {
          VpcId: 'vpc-0c1b2c3d4e5f60005',
          Region: 'us-east-1',
          CidrBlock: '10.40.0.0/16',
          Tags: { Name: 'security-tooling' },
          FlowLogs: [flowLog('fl-0c1b2c3d4e5f60005', 'us-east-1')],
        },
      ];
  }
}

export function demoRecorders(accountId: string, kind: 'management' | 'workloads' | 'security'): SimConfigurationRecorder[] {
  const recorder = (region: string): SimConfigurationRecorder => ({
    Region: region,
    RoleARN: `arn:aws:iam::${accountId}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
    IncludeGlobalResourceTypes: region === 'us-east-1',
    Recording: true,
    LastStatus: 'Success',
    LastStartTime: CREATED,
    LastStatusChangeTime: CREATED,
  });
  const everywhere = DEFAULT_REGIONS.map(recorder);
  switch (kind) {
    case 'management':
      return everywhere;
    case 'workloads':
      return everywhere
        .filter((r) => r.Region !== 'sa-east-1')
        .map((r) => (r.Region === 'eu-west-1' ? { ...r, Recording: false, LastStopTime: '2026-10-15T08:00:00.000Z' } : r));
    case 'security':
      // None in ap-east-1, the opt-in region it enabled.
      return everywhere.map((r) =>
        r.Region === 'eu-central-1'
          ? { ...r, AllSupported: false, RecordingStrategy: 'INCLUSION_BY_RESOURCE_TYPES' as const, ResourceTypes: ['AWS::IAM::Role', 'AWS::S3::Bucket'] }
          : r,
      );
  }
}
