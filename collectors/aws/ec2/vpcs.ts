// VPCs, per region: DescribeVpcs and DescribeFlowLogs (every page of each), each flow log matched to its VPC by
// ResourceId. Only a failed DescribeVpcs fails the region; a failed DescribeFlowLogs leaves every VPC's flow logs
// unknown (null) with a collection error, so the flow log checks fail those VPCs rather than pass them.
import { EC2Client, paginateDescribeFlowLogs, paginateDescribeVpcs, type FlowLog as Ec2FlowLog, type Vpc } from '@aws-sdk/client-ec2';
import { VPC } from '../../../src/assets/vpc.js';
import type { CollectionError, Tag } from '../../../src/model/asset.js';
import type { ScopeResult } from '../../../src/model/scope.js';
import type { FlowLog, VpcRecord } from '../../../src/model/vpc.js';
import type { Collector, CollectorRun } from '../../collector.js';
import { describeAwsError } from '../errors.js';

/** The largest pages EC2 allows (API reference, MaxResults: DescribeVpcs 5..1000, DescribeFlowLogs up to 1000). */
export const VPC_PAGE_LIMITS: VpcPageLimits = { DescribeVpcs: 1000, DescribeFlowLogs: 1000 };

export interface VpcPageLimits {
  DescribeVpcs: number;
  DescribeFlowLogs: number;
}

export const VPCS_COLLECTOR: Collector<VpcRecord> = vpcsCollector();

/** The collector, with other page sizes (tests page through a few VPCs instead of a thousand). */
export function vpcsCollector(limits: VpcPageLimits = VPC_PAGE_LIMITS): Collector<VpcRecord> {
  return { definition: VPC, collect: (run) => Promise.all(run.regions.map((region) => collectRegion(run, limits, region))) };
}

async function collectRegion(run: CollectorRun, limits: VpcPageLimits, region: string): Promise<ScopeResult<VpcRecord>> {
  const scope = { assetType: VPC.name, accountId: run.accountId, region };
  const ec2 = run.clients.client(EC2Client, region, 'ec2');
  const [vpcs, flowLogs] = await Promise.all([listVpcs(ec2, limits), listFlowLogs(ec2, limits)]);
  if ('error' in vpcs) return { ...scope, status: 'failed', error: vpcs.error, assets: [] };
  // A VPC another account shares with this one (RAM) is listed here too, but its flow logs are its owner's, visible
  // only there: it is left to the owner's sync, so one VPC is never two records with different flow logs.
  const owned = vpcs.list.filter((vpc) => (vpc.OwnerId ?? run.accountId) === run.accountId);
  return { ...scope, status: 'ok', assets: owned.map((vpc) => vpcRecord(run.accountId, region, vpc, flowLogs)) };
}

async function listVpcs(ec2: EC2Client, limits: VpcPageLimits): Promise<{ list: Vpc[] } | { error: CollectionError }> {
  try {
    const list: Vpc[] = [];
    for await (const page of paginateDescribeVpcs({ client: ec2, pageSize: limits.DescribeVpcs }, {})) list.push(...(page.Vpcs ?? []));
    return { list };
  } catch (error) {
    return { error: { operation: 'DescribeVpcs', ...describeAwsError(error) } };
  }
}

/** Every flow log of the region, by the resource it watches (a VPC, a subnet, a network interface, ...). */
async function listFlowLogs(ec2: EC2Client, limits: VpcPageLimits): Promise<{ byResource: Map<string, Ec2FlowLog[]> } | { error: CollectionError }> {
  try {
    const byResource = new Map<string, Ec2FlowLog[]>();
    for await (const page of paginateDescribeFlowLogs({ client: ec2, pageSize: limits.DescribeFlowLogs }, {})) {
      for (const flowLog of page.FlowLogs ?? []) {
        const resource = flowLog.ResourceId ?? '';
        byResource.set(resource, [...(byResource.get(resource) ?? []), flowLog]);
      }
    }
    return { byResource };
  } catch (error) {
    return { error: { operation: 'DescribeFlowLogs', ...describeAwsError(error) } };
  }
}

function vpcRecord(accountId: string, region: string, vpc: Vpc, flowLogs: Awaited<ReturnType<typeof listFlowLogs>>): VpcRecord {
  const vpcID = vpc.VpcId ?? '';
  const ownerID = vpc.OwnerId ?? accountId;
  const tags = tagsOf(vpc);
  // Sorted by id: the same flow logs always make the same record, whatever order EC2 listed them in.
  const own = 'error' in flowLogs ? undefined : [...(flowLogs.byResource.get(vpcID) ?? [])].sort((a, b) => compare(a.FlowLogId ?? '', b.FlowLogId ?? ''));
  return {
    arn: `arn:aws:ec2:${region}:${ownerID}:vpc/${vpcID}`,
    // The console names a VPC by its Name tag.
    name: tags.find((tag) => tag.key === 'Name')?.value || vpcID,
    accountId: ownerID,
    region,
    tags,
    collectionErrors: 'error' in flowLogs ? [flowLogs.error] : [],
    raw: { DescribeVpcs: vpc, ...(own === undefined ? {} : { DescribeFlowLogs: { FlowLogs: own } }) },
    vpcID,
    cidrBlock: vpc.CidrBlock ?? '',
    cidrBlocks: (vpc.CidrBlockAssociationSet ?? []).map((association) => ({
      cidrBlock: association.CidrBlock ?? '',
      associationID: association.AssociationId ?? '',
      state: association.CidrBlockState?.State ?? '',
    })),
    isDefault: vpc.IsDefault ?? false,
    state: vpc.State ?? '',
    instanceTenancy: vpc.InstanceTenancy ?? '',
    dhcpOptionsID: vpc.DhcpOptionsId ?? '',
    ownerID,
    hasFlowLog: own?.map(flowLogOf) ?? null,
  };
}

function flowLogOf(flowLog: Ec2FlowLog): FlowLog {
  return {
    flowLogID: flowLog.FlowLogId ?? '',
    flowLogStatus: flowLog.FlowLogStatus ?? '',
    deliverLogsStatus: flowLog.DeliverLogsStatus ?? '',
    deliverLogsErrorMessage: flowLog.DeliverLogsErrorMessage ?? '',
    trafficType: flowLog.TrafficType ?? '',
    logDestinationType: flowLog.LogDestinationType ?? '',
    logDestination: flowLog.LogDestination ?? '',
    logGroupName: flowLog.LogGroupName ?? '',
    creationTime: flowLog.CreationTime?.toISOString() ?? '',
  };
}

/** DescribeVpcs' tagSet, in key order. */
function tagsOf(vpc: Vpc): Tag[] {
  return (vpc.Tags ?? []).map((tag) => ({ key: tag.Key ?? '', value: tag.Value ?? '' })).sort((a, b) => compare(a.key, b.key));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
