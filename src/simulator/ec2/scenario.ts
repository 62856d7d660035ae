// The scenario's VPCs and flow logs (SimAccount.Vpcs), in the shapes of DescribeVpcs and DescribeFlowLogs.

/**
 * One VPC as an account sees it, in one region. The ARN is derived: arn:aws:ec2:<Region>:<OwnerId>:vpc/<VpcId>.
 * Unset members take what EC2 reports for a VPC made by CreateVpc with no options.
 */
export interface SimVpc {
  VpcId: string;
  Region: string;
  /** The primary IPv4 CIDR block. */
  CidrBlock: string;
  /** Further IPv4 blocks associated with it (AssociateVpcCidrBlock). */
  SecondaryCidrBlocks?: string[];
  /** The region's default VPC; default false. */
  IsDefault?: boolean;
  /** Default available. */
  State?: 'pending' | 'available';
  /** Default default. */
  InstanceTenancy?: 'default' | 'dedicated';
  /** Left out of the response when unset (no DHCP options set associated). */
  DhcpOptionsId?: string;
  /** The owner, for a VPC another account shares with this one through RAM; default this account. */
  OwnerId?: string;
  Tags?: Record<string, string>;
  /** The flow logs of the VPC (or of a subnet or interface in it, with ResourceId); only the owner lists them. */
  FlowLogs?: SimFlowLog[];
}

/** One flow log, as DescribeFlowLogs reports it; its status is always ACTIVE, as EC2 reports it. */
export interface SimFlowLog {
  FlowLogId: string;
  /** ISO-8601. */
  CreationTime: string;
  /** The resource it watches; default its VPC. */
  ResourceId?: string;
  /** Default SUCCESS. */
  DeliverLogsStatus?: 'SUCCESS' | 'FAILED';
  /** With FAILED: Rate limited, Access error or Unknown error. */
  DeliverLogsErrorMessage?: string;
  DeliverLogsPermissionArn?: string;
  /** Default ALL. */
  TrafficType?: 'ACCEPT' | 'REJECT' | 'ALL';
  /** Default cloud-watch-logs. */
  LogDestinationType?: 'cloud-watch-logs' | 's3' | 'kinesis-data-firehose';
  LogDestination?: string;
  /** For cloud-watch-logs. */
  LogGroupName?: string;
  Tags?: Record<string, string>;
}
