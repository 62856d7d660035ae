// The CIS monitoring controls recognise a metric filter by a regular expression over its pattern, the argument of
// their `AWSMonitoring(filterPattern:)` query (README, Controls). Each expression must accept the pattern the benchmark
// gives for its recommendation, however it is spaced or quoted, and refuse one that leaves out a term it asks for.
// The patterns below are written out from the benchmark's text (v1.2.0, and later versions where they differ) and from
// AWS Security Hub's remediation steps.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, visit } from 'graphql';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONTROLS_DIR } from '../../src/paths.js';
import { matchPattern } from '../../src/store/regex.js';

interface ControlFile {
  id: string;
  query: string;
  remediation: { cli: string };
}

/** Every control of the shipped catalog whose query is the monitoring check, by id. */
function monitoringControls(): Map<string, ControlFile> {
  const dir = join(CONTROLS_DIR, 'aws');
  const controls = readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => parseYaml(readFileSync(join(dir, file), 'utf8')) as ControlFile)
    .filter((control) => control.query.includes('AWSMonitoring'));
  return new Map(controls.map((control) => [control.id, control]));
}

/** The regular expression a control's query passes to AWSMonitoring as its filterPattern. */
function filterPatternRegex(query: string): string {
  const found: string[] = [];
  visit(parse(`{ ${query} }`), {
    Field(node) {
      if (node.name.value !== 'AWSMonitoring') return;
      for (const argument of node.arguments ?? []) {
        if (argument.name.value === 'filterPattern' && argument.value.kind === Kind.STRING) found.push(argument.value.value);
      }
    },
  });
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** The pattern the remediation's `aws logs put-metric-filter` creates. */
function remediationPattern(cli: string): string {
  const pattern = /--filter-pattern '([^']*)'/.exec(cli)?.[1];
  expect(pattern, 'the remediation creates a metric filter with --filter-pattern').toBeDefined();
  return pattern!;
}

type Style = 'spaced' | 'compact' | 'quoted' | 'multiline';

/** `{ ($.eventName = A) || ($.eventName = B) }` in one of the spellings the benchmark and AWS use, optionally after an eventSource clause. */
function eventNamePattern(names: readonly string[], style: Style, eventSource?: string): string {
  const value = (v: string) => (style === 'quoted' ? `"${v}"` : v);
  const clause = (field: string, v: string) => (style === 'compact' ? `($.${field}=${value(v)})` : `($.${field} = ${value(v)})`);
  const or = style === 'compact' ? '||' : style === 'multiline' ? ' ||\n\t' : ' || ';
  const list = names.map((name) => clause('eventName', name)).join(or);
  const and = style === 'compact' ? '&&' : ' && ';
  const body = eventSource === undefined ? list : `${clause('eventSource', eventSource)}${and}(${list})`;
  return style === 'compact' ? `{${body}}` : `{ ${body} }`;
}

const STYLES: readonly Style[] = ['spaced', 'compact', 'quoted', 'multiline'];

interface EventList {
  /** The events the benchmark lists, in its order. */
  names: readonly string[];
  eventSource?: string;
  /** Patterns as the sources print them, beyond the spellings generated from the list. */
  written?: string[];
}

/** The recommendations whose pattern is a list of event names: one list of names, possibly behind an eventSource. */
const EVENT_LISTS: Readonly<Record<string, EventList>> = {
  'monitoring-iam-policy-changes': {
    names: [
      'DeleteGroupPolicy',
      'DeleteRolePolicy',
      'DeleteUserPolicy',
      'PutGroupPolicy',
      'PutRolePolicy',
      'PutUserPolicy',
      'CreatePolicy',
      'DeletePolicy',
      'CreatePolicyVersion',
      'DeletePolicyVersion',
      'AttachRolePolicy',
      'DetachRolePolicy',
      'AttachUserPolicy',
      'DetachUserPolicy',
      'AttachGroupPolicy',
      'DetachGroupPolicy',
    ],
  },
  'monitoring-cloudtrail-configuration-changes': {
    names: ['CreateTrail', 'UpdateTrail', 'DeleteTrail', 'StartLogging', 'StopLogging'],
    written: ['{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}'],
  },
  'monitoring-cmk-disable-or-scheduled-deletion': {
    eventSource: 'kms.amazonaws.com',
    names: ['DisableKey', 'ScheduleKeyDeletion'],
    written: ['{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }'],
  },
  'monitoring-s3-bucket-policy-changes': {
    eventSource: 's3.amazonaws.com',
    names: [
      'PutBucketAcl',
      'PutBucketPolicy',
      'PutBucketCors',
      'PutBucketLifecycle',
      'PutBucketReplication',
      'DeleteBucketPolicy',
      'DeleteBucketCors',
      'DeleteBucketLifecycle',
      'DeleteBucketReplication',
    ],
  },
  'monitoring-config-configuration-changes': {
    eventSource: 'config.amazonaws.com',
    names: ['StopConfigurationRecorder', 'DeleteDeliveryChannel', 'PutDeliveryChannel', 'PutConfigurationRecorder'],
    written: [
      '{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }',
    ],
  },
  'monitoring-security-group-changes': {
    names: [
      'AuthorizeSecurityGroupIngress',
      'AuthorizeSecurityGroupEgress',
      'RevokeSecurityGroupIngress',
      'RevokeSecurityGroupEgress',
      'CreateSecurityGroup',
      'DeleteSecurityGroup',
    ],
    // 5.0.0 and later add ModifySecurityGroupRules at the end.
    written: [
      '{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }',
    ],
  },
  'monitoring-nacl-changes': {
    names: ['CreateNetworkAcl', 'CreateNetworkAclEntry', 'DeleteNetworkAcl', 'DeleteNetworkAclEntry', 'ReplaceNetworkAclEntry', 'ReplaceNetworkAclAssociation'],
  },
  'monitoring-network-gateway-changes': {
    names: ['CreateCustomerGateway', 'DeleteCustomerGateway', 'AttachInternetGateway', 'CreateInternetGateway', 'DeleteInternetGateway', 'DetachInternetGateway'],
  },
  'monitoring-route-table-changes': {
    names: ['CreateRoute', 'CreateRouteTable', 'ReplaceRoute', 'ReplaceRouteTableAssociation', 'DeleteRouteTable', 'DeleteRoute', 'DisassociateRouteTable'],
    // The audit of 3.0.0 and later, as printed: an eventSource first, spacing around = as it comes.
    written: [
      '{($.eventSource = ec2.amazonaws.com) && ($.eventName =CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName =ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName= DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName =DisassociateRouteTable) }',
    ],
  },
  'monitoring-vpc-changes': {
    names: [
      'CreateVpc',
      'DeleteVpc',
      'ModifyVpcAttribute',
      'AcceptVpcPeeringConnection',
      'CreateVpcPeeringConnection',
      'DeleteVpcPeeringConnection',
      'RejectVpcPeeringConnection',
      'AttachClassicLinkVpc',
      'DetachClassicLinkVpc',
      'DisableVpcClassicLink',
      'EnableVpcClassicLink',
    ],
  },
  'monitoring-organizations-changes': {
    eventSource: 'organizations.amazonaws.com',
    names: [
      'AcceptHandshake',
      'AttachPolicy',
      'CreateAccount',
      'CreateOrganizationalUnit',
      'CreatePolicy',
      'DeclineHandshake',
      'DeleteOrganization',
      'DeleteOrganizationalUnit',
      'DeletePolicy',
      'DetachPolicy',
      'DisablePolicyType',
      'EnablePolicyType',
      'InviteAccountToOrganization',
      'LeaveOrganization',
      'MoveAccount',
      'RemoveAccountFromOrganization',
      'UpdatePolicy',
      'UpdateOrganizationalUnit',
    ],
  },
};

interface Clauses {
  /** Patterns as the benchmark and AWS print them. */
  accepts: string[];
  /** Patterns that each leave out (or invert) a term the benchmark asks for. */
  refuses: string[];
}

/** The recommendations whose pattern is not a plain list of event names. */
const CLAUSES: Readonly<Record<string, Clauses>> = {
  'monitoring-unauthorized-api-calls': {
    accepts: [
      '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
      '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}',
      '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }',
      '{ ($.errorCode =*UnauthorizedOperation) || ($.errorCode =AccessDenied*) && ($.sourceIPAddress!=delivery.logs.amazonaws.com) && ($.eventName!=HeadBucket) }',
    ],
    refuses: [
      '{ ($.errorCode = "*UnauthorizedOperation") }',
      '{ ($.errorCode = "AccessDenied*") }',
      '{ ($.errorCode = "UnauthorizedOperation") || ($.errorCode = "AccessDenied") }',
      '{ ($.errorCode = "*UnauthorizedOperation") && ($.errorCode = "AccessDenied*") }',
    ],
  },
  'monitoring-console-signin-without-mfa': {
    accepts: [
      '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
      '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
      '{ ($.eventName = ConsoleLogin) && ($.additionalEventData.MFAUsed != Yes) }',
      '{($.eventName="ConsoleLogin")&&($.additionalEventData.MFAUsed!="Yes")}',
    ],
    refuses: [
      '{ ($.eventName = "ConsoleLogin") }',
      '{ ($.additionalEventData.MFAUsed != "Yes") }',
      '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "Yes") }',
      '{ ($.eventName = "ConsoleLogin") || ($.additionalEventData.MFAUsed != "Yes") }',
    ],
  },
  'monitoring-root-account-usage': {
    accepts: [
      '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
      '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
      '{ $.userIdentity.type = Root && $.userIdentity.invokedBy NOT EXISTS && $.eventType != AwsServiceEvent }',
      '{ ($.userIdentity.type = "Root") && ($.userIdentity.invokedBy NOT EXISTS) && ($.eventType != "AwsServiceEvent") }',
    ],
    refuses: [
      '{ $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
      '{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }',
      '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }',
      '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType = "AwsServiceEvent" }',
    ],
  },
  'monitoring-console-authentication-failures': {
    accepts: [
      '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
      '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}',
      '{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") }',
    ],
    refuses: [
      '{ ($.eventName = ConsoleLogin) }',
      '{ ($.errorMessage = "Failed authentication") }',
      '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed") }',
      '{ ($.eventName = ConsoleLogin) || ($.errorMessage = "Failed authentication") }',
    ],
  },
};

const controls = monitoringControls();
const accepts = (regex: string, text: string) => RE2JS.compile(regex).matches(text);

describe('the CIS monitoring controls', () => {
  it('are the fifteen recommendations, each with its patterns written out here', () => {
    expect([...controls.keys()].sort()).toEqual([...Object.keys(EVENT_LISTS), ...Object.keys(CLAUSES)].sort());
    expect(controls.size).toBe(15);
  });

  it('pass a regular expression both stores run alike, within the length a pattern may have', () => {
    for (const control of controls.values()) {
      const regex = filterPatternRegex(control.query);
      expect(() => matchPattern(regex), control.id).not.toThrow();
    }
  });

  it('accept the filter pattern their own remediation creates', () => {
    for (const control of controls.values()) {
      expect(accepts(filterPatternRegex(control.query), remediationPattern(control.remediation.cli)), control.id).toBe(true);
    }
  });
});

describe.each(Object.entries(EVENT_LISTS))('%s', (id, list) => {
  const regex = () => filterPatternRegex(controls.get(id)!.query);

  it('accepts the benchmark pattern, spaced, compact, quoted or over several lines, and as printed', () => {
    for (const style of STYLES) expect(accepts(regex(), eventNamePattern(list.names, style, list.eventSource)), style).toBe(true);
    for (const written of list.written ?? []) expect(accepts(regex(), written), written).toBe(true);
  });

  it('refuses the pattern without any one of its events', () => {
    for (const missing of list.names) {
      const rest = list.names.filter((name) => name !== missing);
      for (const style of STYLES) expect(accepts(regex(), eventNamePattern(rest, style, list.eventSource)), `${style} without ${missing}`).toBe(false);
    }
  });

  it('refuses the events joined by && instead of ||, and a first event compared with != instead of =', () => {
    const spaced = eventNamePattern(list.names, 'spaced', list.eventSource);
    expect(accepts(regex(), spaced.replaceAll(' || ', ' && '))).toBe(false);
    expect(accepts(regex(), spaced.replace(`($.eventName = ${list.names[0]})`, `($.eventName != ${list.names[0]})`))).toBe(false);
  });

  if (list.eventSource !== undefined) {
    it('refuses the events without their eventSource', () => {
      for (const style of STYLES) expect(accepts(regex(), eventNamePattern(list.names, style)), style).toBe(false);
    });
  }
});

describe.each(Object.entries(CLAUSES))('%s', (id, clauses) => {
  const regex = () => filterPatternRegex(controls.get(id)!.query);

  it('accepts the benchmark pattern as its versions and AWS Security Hub print it', () => {
    for (const pattern of clauses.accepts) expect(accepts(regex(), pattern), pattern).toBe(true);
  });

  it('refuses a pattern that leaves out or inverts one of its terms', () => {
    for (const pattern of clauses.refuses) expect(accepts(regex(), pattern), pattern).toBe(false);
  });
});
