// VPCs (EC2 DescribeVpcs) with the flow logs whose resource each is (DescribeFlowLogs): one asset per VPC ARN, listed
// in every region. A VPC another account shares with this one through RAM is left to its owner's sync (README, VPCs).
import type { VpcRecord } from '../model/vpc.js';
import type { AssetField, AssetTypeDefinition, JsonShape } from './definition.js';

const field = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField => ({
  field: name,
  column,
  kind,
  nullable: false,
  history: true,
  ...extra,
});

/** `type VpcCidrBlock` (schema/vpc.graphql), as stored: `cidrBlocks_SOME: {cidrBlock: "10.0.0.0/16"}`. */
const CIDR_BLOCK: JsonShape = { cidrBlock: 'string', associationID: 'string', state: 'string' };

/** `type FlowLog`, as stored: `hasFlowLog_NONE: {flowLogStatus: "ACTIVE"}`. */
const FLOW_LOG: JsonShape = {
  flowLogID: 'string',
  flowLogStatus: 'string',
  deliverLogsStatus: 'string',
  deliverLogsErrorMessage: 'string',
  trafficType: 'string',
  logDestinationType: 'string',
  logDestination: 'string',
  logGroupName: 'string',
  creationTime: 'string',
};

export const VPC: AssetTypeDefinition<VpcRecord> = {
  name: 'Vpc',
  plural: 'vpcs',
  table: 'vpcs',
  description: 'An Amazon VPC, once per VPC ARN: its CIDR blocks, whether it is the default VPC, and its flow logs.',
  internalAssetType: 'VPC',
  assetCategory: 'Network',
  scope: 'regional',
  collector: 'aws.ec2.vpcs',
  iamActions: ['ec2:DescribeVpcs', 'ec2:DescribeFlowLogs'],
  fields: [
    field('vpcID', 'vpc_id', 'string'),
    field('cidrBlock', 'cidr_block', 'string'),
    field('cidrBlocks', 'cidr_blocks', 'json', { shape: [CIDR_BLOCK] }),
    field('isDefault', 'is_default', 'boolean'),
    field('state', 'state', 'string'),
    field('instanceTenancy', 'instance_tenancy', 'string'),
    field('dhcpOptionsID', 'dhcp_options_id', 'string'),
    field('ownerID', 'owner_id', 'string'),
    // DescribeFlowLogs: NULL when it failed for the region.
    field('hasFlowLog', 'flow_logs', 'json', { nullable: true, shape: [FLOW_LOG] }),
  ],
  nouns: { one: 'VPC', many: 'VPCs' },
  rowLists: {
    service: 'Amazon VPC',
    quotas: {
      'Vpc.collectionErrors': { most: 1, why: 'one per call that may fail for a VPC: DescribeFlowLogs' },
      // Amazon VPC quotas: IPv4 CIDR blocks per VPC, 5 by default, adjustable up to 50 (the primary block counts).
      'Vpc.cidrBlocks': { most: 50, why: 'IPv4 CIDR blocks per VPC: at most 50 (the primary and every secondary block)' },
      // Amazon VPC quotas: flow logs per single network interface, subnet or VPC in a Region: 2, not adjustable.
      'Vpc.hasFlowLog': { most: 2, why: 'flow logs per single VPC in a Region: 2, which cannot be increased' },
    },
  },
  relations: [],
};
