// EC2 DescribeVpcs and DescribeFlowLogs over the ec2 query protocol (Amazon EC2 API reference): `Filter.N`,
// `VpcId.N` / `FlowLogId.N`, `MaxResults` and an opaque `NextToken`, answered in EC2's XML (`<item>` lists) from the
// scenario's VPCs (SimAccount.Vpcs) and their flow logs.

import { randomUUID } from 'node:crypto';
import { AwsError } from '../errors.js';
import type { SimResponse } from '../exchange.js';
import { decodePageToken, encodePageToken } from '../page-tokens.js';
import { listParameter, type QueryParameters } from '../query.js';
import type { SimAccount, SimFlowLog, SimVpc } from '../scenario.js';
import { element, textElement, XML_DECLARATION } from '../xml.js';

/** Page sizes per operation: [smallest, largest MaxResults] (API reference); without MaxResults, everything at once. */
export const EC2_PAGE_LIMITS = { DescribeVpcs: [5, 1000], DescribeFlowLogs: [1, 1000] } as const;

/** The members each operation accepts; EC2 refuses any other parameter (UnknownParameter). */
const PARAMETERS: Record<VpcOperation, RegExp> = {
  DescribeVpcs: /^(Action|Version|DryRun|MaxResults|NextToken|VpcId\.\d+|Filter\.\d+\.Name|Filter\.\d+\.Value\.\d+)$/,
  DescribeFlowLogs: /^(Action|Version|DryRun|MaxResults|NextToken|FlowLogId\.\d+|Filter\.\d+\.Name|Filter\.\d+\.Value\.\d+)$/,
};

/** The format a flow log has when made without one (AWS's default fields, version 2). */
const DEFAULT_LOG_FORMAT = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
]
  .map((name) => `\${${name}}`)
  .join(' ');

export type VpcOperation = 'DescribeVpcs' | 'DescribeFlowLogs';

export const VPC_OPERATIONS: readonly VpcOperation[] = ['DescribeVpcs', 'DescribeFlowLogs'];

export interface Ec2Request {
  account: SimAccount;
  region: string;
  parameters: QueryParameters;
  xmlns: string;
}

/** A flow log with the resource it watches: its VPC unless it names another (a subnet, a network interface). */
interface LocatedFlowLog {
  flowLog: SimFlowLog;
  resourceId: string;
}

/** The VPC's attribute each DescribeVpcs filter tests (values compared as EC2 does: `*` and `?` are wildcards). */
const VPC_FILTERS: Record<string, (vpc: SimVpc, account: SimAccount) => string[]> = {
  'vpc-id': (vpc) => [vpc.VpcId],
  'is-default': (vpc) => [String(vpc.IsDefault ?? false)],
  state: (vpc) => [vpc.State ?? 'available'],
  'owner-id': (vpc, account) => [vpc.OwnerId ?? account.Id],
  'dhcp-options-id': (vpc) => [vpc.DhcpOptionsId ?? ''],
  cidr: (vpc) => [vpc.CidrBlock],
  'cidr-block-association.cidr-block': (vpc) => cidrBlocks(vpc),
  'tag-key': (vpc) => Object.keys(vpc.Tags ?? {}),
};

const FLOW_LOG_FILTERS: Record<string, (located: LocatedFlowLog) => string[]> = {
  'flow-log-id': ({ flowLog }) => [flowLog.FlowLogId],
  'resource-id': ({ resourceId }) => [resourceId],
  'deliver-log-status': ({ flowLog }) => [flowLog.DeliverLogsStatus ?? 'SUCCESS'],
  'log-destination-type': ({ flowLog }) => [flowLog.LogDestinationType ?? 'cloud-watch-logs'],
  'log-group-name': ({ flowLog }) => [flowLog.LogGroupName ?? ''],
  'traffic-type': ({ flowLog }) => [flowLog.TrafficType ?? 'ALL'],
  'tag-key': ({ flowLog }) => Object.keys(flowLog.Tags ?? {}),
};

export function answerVpcOperation(operation: VpcOperation, request: Ec2Request): SimResponse {
  for (const name of Object.keys(request.parameters)) {
    if (!PARAMETERS[operation].test(name)) throw new AwsError('UnknownParameter', `The parameter ${name} is not recognized`);
  }
  if (booleanParameter(request.parameters, 'DryRun')) throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
  return operation === 'DescribeVpcs' ? describeVpcs(request) : describeFlowLogs(request);
}

function describeVpcs({ account, region, parameters, xmlns }: Ec2Request): SimResponse {
  const inRegion = (account.Vpcs ?? []).filter((vpc) => vpc.Region === region);
  const ids = listParameter(parameters, 'VpcId');
  for (const id of ids) {
    if (!inRegion.some((vpc) => vpc.VpcId === id)) throw new AwsError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
  }
  let vpcs = ids.length > 0 ? inRegion.filter((vpc) => ids.includes(vpc.VpcId)) : inRegion;
  for (const filter of filters(parameters)) {
    const attribute = filter.name.startsWith('tag:') ? tagValues(filter.name.slice(4)) : VPC_FILTERS[filter.name];
    if (attribute === undefined) throw new AwsError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
    vpcs = vpcs.filter((vpc) => matchesAny(attribute(vpc, account), filter.values));
  }
  const { items, nextToken } = page('DescribeVpcs', `${account.Id}/${region}/${scopeOf(parameters)}`, vpcs, parameters);
  return ec2Response('DescribeVpcsResponse', xmlns, [
    element(
      'vpcSet',
      items.map((vpc) => vpcItem(vpc, account)),
    ),
    ...nextTokenElement(nextToken),
  ]);
}

function describeFlowLogs({ account, region, parameters, xmlns }: Ec2Request): SimResponse {
  let located: LocatedFlowLog[] = (account.Vpcs ?? [])
    .filter((vpc) => vpc.Region === region && (vpc.OwnerId === undefined || vpc.OwnerId === account.Id))
    .flatMap((vpc) => (vpc.FlowLogs ?? []).map((flowLog) => ({ flowLog, resourceId: flowLog.ResourceId ?? vpc.VpcId })));
  const ids = listParameter(parameters, 'FlowLogId');
  if (ids.length > 0) located = located.filter(({ flowLog }) => ids.includes(flowLog.FlowLogId));
  for (const filter of filters(parameters)) {
    const attribute = filter.name.startsWith('tag:') ? flowLogTagValues(filter.name.slice(4)) : FLOW_LOG_FILTERS[filter.name];
    if (attribute === undefined) throw new AwsError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
    located = located.filter((entry) => matchesAny(attribute(entry), filter.values));
  }
  const { items, nextToken } = page('DescribeFlowLogs', `${account.Id}/${region}/${scopeOf(parameters)}`, located, parameters);
  return ec2Response('DescribeFlowLogsResponse', xmlns, [element('flowLogSet', items.map(flowLogItem)), ...nextTokenElement(nextToken)]);
}

/** A page of `items`: MaxResults within the operation's range, NextToken one this listing issued. */
function page<T>(operation: VpcOperation, scope: string, items: T[], parameters: QueryParameters): { items: T[]; nextToken?: string } {
  const [least, most] = EC2_PAGE_LIMITS[operation];
  const text = parameters.MaxResults;
  let size = items.length;
  if (text !== undefined) {
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || value < least || value > most) {
      throw new AwsError('InvalidParameterValue', `Value ( ${text} ) for parameter maxResults is invalid. Expecting a value between ${least} and ${most}.`);
    }
    size = value;
  }
  const listing = `ec2/${operation}/${scope}`;
  const offset =
    parameters.NextToken === undefined
      ? 0
      : decodePageToken(parameters.NextToken, listing, items.length, () => new AwsError('InvalidNextToken', 'The specified NextToken is not valid.'));
  const end = offset + size;
  return { items: items.slice(offset, end), nextToken: end < items.length ? encodePageToken(listing, end) : undefined };
}

/** What a listing's tokens are bound to: its ids and filters, so a token of another listing is refused. */
function scopeOf(parameters: QueryParameters): string {
  return Object.entries(parameters)
    .filter(([name]) => !['Action', 'Version', 'MaxResults', 'NextToken', 'DryRun'].includes(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function vpcItem(vpc: SimVpc, account: SimAccount): string {
  const associations = cidrBlocks(vpc).map((cidrBlock, index) =>
    element('item', [
      textElement('cidrBlock', cidrBlock),
      textElement('associationId', `vpc-cidr-assoc-${vpc.VpcId.replace(/^vpc-/, '')}${index === 0 ? '' : index}`),
      element('cidrBlockState', textElement('state', 'associated')),
    ]),
  );
  return element('item', [
    textElement('vpcId', vpc.VpcId),
    textElement('ownerId', vpc.OwnerId ?? account.Id),
    textElement('state', vpc.State ?? 'available'),
    textElement('cidrBlock', vpc.CidrBlock),
    element('cidrBlockAssociationSet', associations),
    ...(vpc.DhcpOptionsId === undefined ? [] : [textElement('dhcpOptionsId', vpc.DhcpOptionsId)]),
    ...tagSet(vpc.Tags),
    textElement('instanceTenancy', vpc.InstanceTenancy ?? 'default'),
    textElement('isDefault', String(vpc.IsDefault ?? false)),
  ]);
}

function flowLogItem({ flowLog, resourceId }: LocatedFlowLog): string {
  const destinationType = flowLog.LogDestinationType ?? 'cloud-watch-logs';
  const optional = (name: string, value: string | undefined) => (value === undefined ? [] : [textElement(name, value)]);
  return element('item', [
    textElement('creationTime', new Date(flowLog.CreationTime).toISOString()),
    ...optional('deliverLogsErrorMessage', flowLog.DeliverLogsErrorMessage),
    ...optional('deliverLogsPermissionArn', flowLog.DeliverLogsPermissionArn),
    textElement('deliverLogsStatus', flowLog.DeliverLogsStatus ?? 'SUCCESS'),
    textElement('flowLogId', flowLog.FlowLogId),
    // ACTIVE is the only status EC2 reports: a deleted flow log is no longer listed.
    textElement('flowLogStatus', 'ACTIVE'),
    ...optional('logGroupName', flowLog.LogGroupName),
    textElement('resourceId', resourceId),
    textElement('trafficType', flowLog.TrafficType ?? 'ALL'),
    textElement('logDestinationType', destinationType),
    ...optional('logDestination', flowLog.LogDestination),
    textElement('logFormat', DEFAULT_LOG_FORMAT),
    ...tagSet(flowLog.Tags),
    textElement('maxAggregationInterval', '600'),
  ]);
}

function tagSet(tags: Record<string, string> | undefined): string[] {
  const entries = Object.entries(tags ?? {});
  if (entries.length === 0) return [];
  return [
    element(
      'tagSet',
      entries.map(([key, value]) => element('item', [textElement('key', key), textElement('value', value)])),
    ),
  ];
}

function cidrBlocks(vpc: SimVpc): string[] {
  return [vpc.CidrBlock, ...(vpc.SecondaryCidrBlocks ?? [])];
}

function tagValues(key: string): (vpc: SimVpc) => string[] {
  return (vpc) => (vpc.Tags?.[key] === undefined ? [] : [vpc.Tags[key]]);
}

function flowLogTagValues(key: string): (located: LocatedFlowLog) => string[] {
  return ({ flowLog }) => (flowLog.Tags?.[key] === undefined ? [] : [flowLog.Tags[key]]);
}

/** EC2 filter values match whole values, with `*` for any characters and `?` for one. */
function matchesAny(actual: string[], wanted: string[]): boolean {
  return wanted.some((pattern) => {
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return actual.some((value) => regex.test(value));
  });
}

/** `Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1` → [{ name: 'vpc-id', values: ['vpc-1'] }] */
export function filters(parameters: QueryParameters): Array<{ name: string; values: string[] }> {
  const indexes = new Set(
    Object.keys(parameters)
      .map((key) => /^Filter\.(\d+)\./.exec(key)?.[1])
      .filter((index): index is string => index !== undefined),
  );
  return [...indexes].map((index) => {
    const name = parameters[`Filter.${index}.Name`];
    if (name === undefined) throw new AwsError('InvalidParameterValue', `Filter.${index}.Name is required`);
    return { name, values: listParameter(parameters, `Filter.${index}.Value`) };
  });
}

export function booleanParameter(parameters: QueryParameters, name: string): boolean {
  const value = parameters[name];
  if (value === undefined) return false;
  if (value !== 'true' && value !== 'false') {
    throw new AwsError('InvalidParameterValue', `Invalid value '${value}' for ${name}. Must be true or false.`);
  }
  return value === 'true';
}

function nextTokenElement(token: string | undefined): string[] {
  return token === undefined ? [] : [textElement('nextToken', token)];
}

function ec2Response(name: string, xmlns: string, children: string[]): SimResponse {
  const requestId = randomUUID();
  const body = XML_DECLARATION + element(name, [textElement('requestId', requestId), ...children], { xmlns });
  return { status: 200, headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId }, body };
}
