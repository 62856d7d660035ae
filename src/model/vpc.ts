// A VPC as the inventory stores it: one record per VPC ARN, with the flow logs whose resource it is. Field names
// follow Cyscale's control library where it names them (hasFlowLog, flowLogStatus).
import type { CollectedAsset } from './asset.js';

export const VPC_ASSET_TYPE = 'Vpc';

/** One IPv4 CIDR block associated with the VPC (DescribeVpcs CidrBlockAssociationSet). */
export interface VpcCidrBlock {
  cidrBlock: string;
  associationID: string;
  /** associating, associated, disassociating, disassociated, failing or failed. */
  state: string;
}

/** One flow log whose resource is the VPC (DescribeFlowLogs, matched by ResourceId). Strings AWS leaves out are ''. */
export interface FlowLog {
  flowLogID: string;
  /** ACTIVE: the only status AWS reports. */
  flowLogStatus: string;
  /** SUCCESS or FAILED: whether the logs reach their destination. */
  deliverLogsStatus: string;
  deliverLogsErrorMessage: string;
  /** ACCEPT, REJECT or ALL. */
  trafficType: string;
  /** cloud-watch-logs, s3 or kinesis-data-firehose. */
  logDestinationType: string;
  logDestination: string;
  logGroupName: string;
  /** ISO-8601; '' when AWS left it out. */
  creationTime: string;
}

/** Strings AWS leaves out are ''; `hasFlowLog` is null when DescribeFlowLogs failed (collectionErrors says why). */
export interface VpcRecord extends CollectedAsset {
  vpcID: string;
  /** The primary IPv4 CIDR block. */
  cidrBlock: string;
  cidrBlocks: VpcCidrBlock[];
  isDefault: boolean;
  /** pending or available. */
  state: string;
  /** default or dedicated. */
  instanceTenancy: string;
  dhcpOptionsID: string;
  ownerID: string;
  hasFlowLog: FlowLog[] | null;
}
