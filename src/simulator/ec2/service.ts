// EC2 over the ec2 query protocol: DescribeRegions here, DescribeVpcs and DescribeFlowLogs in vpcs.ts, answered in XML
// like ec2.<region>.amazonaws.com. The scenario's faults apply to the VPC operations (README, EC2).

import { randomUUID } from 'node:crypto';
import { ALL_REGIONS, callerArn, enabledRegions, isRegionEnabled, optInStatus } from '../accounts.js';
import { authenticate, type AuthFailureReason } from '../auth.js';
import { AwsError } from '../errors.js';
import type { HandledRequest, SimRequest, SimResponse } from '../exchange.js';
import { listParameter, startQueryCall, type QueryParameters } from '../query.js';
import type { Scenario, SimAccount } from '../scenario.js';
import type { SimService } from '../service.js';
import type { FaultInjector } from '../faults.js';
import type { SessionStore } from '../sessions.js';
import { element, textElement, XML_DECLARATION } from '../xml.js';
import { answerVpcOperation, booleanParameter, filters, VPC_OPERATIONS } from './vpcs.js';

export const EC2_API_VERSION = '2016-11-15';
export const EC2_SIGNING_NAME = 'ec2';
const EC2_XMLNS = `http://ec2.amazonaws.com/doc/${EC2_API_VERSION}/`;

const AUTH_FAILURE_MESSAGE = 'AWS was not able to validate the provided access credentials';

const AUTH_ERRORS: Record<AuthFailureReason, { code: string; status: number }> = {
  missingToken: { code: 'MissingAuthenticationToken', status: 401 },
  incompleteSignature: { code: 'IncompleteSignature', status: 400 },
  wrongService: { code: 'AuthFailure', status: 401 },
  unknownAccessKey: { code: 'AuthFailure', status: 401 },
  expiredToken: { code: 'ExpiredToken', status: 403 },
};

/** The members DescribeRegions accepts; EC2 rejects any other parameter. */
const DESCRIBE_REGIONS_PARAMETER = /^(Action|Version|AllRegions|DryRun|RegionName\.\d+|Filter\.\d+\.Name|Filter\.\d+\.Value\.\d+)$/;

/** DescribeRegions filters and the region attribute each one tests. */
const REGION_FILTERS: Record<string, (region: RegionInfo) => string> = {
  'region-name': (region) => region.regionName,
  endpoint: (region) => region.regionEndpoint,
  'opt-in-status': (region) => region.optInStatus,
};

interface RegionInfo {
  regionName: string;
  regionEndpoint: string;
  optInStatus: string;
}

/** A query request naming EC2's API version, or signed for EC2. */
export const EC2_SERVICE: SimService = {
  name: 'ec2',
  recognises: ({ form, signedFor }) => form !== undefined && (form.get('Version') === EC2_API_VERSION || signedFor === EC2_SIGNING_NAME),
  handle: (request, { scenario, sessions, faults }) => handleEc2(request, scenario, sessions, faults),
};

export function handleEc2(request: SimRequest, scenario: Scenario, sessions: SessionStore, faults?: FaultInjector): HandledRequest {
  const { parameters, call } = startQueryCall(request, 'ec2');
  try {
    const auth = authenticate(request.headers, scenario, EC2_SIGNING_NAME, sessions);
    if (!auth.ok) {
      const { code, status } = AUTH_ERRORS[auth.reason];
      throw new AwsError(code, auth.reason === 'unknownAccessKey' ? AUTH_FAILURE_MESSAGE : auth.message, status);
    }
    call.accountId = auth.account.Id;
    if (!isRegionEnabled(auth.account, auth.scope.region)) throw new AwsError('AuthFailure', AUTH_FAILURE_MESSAGE, 401);
    if (parameters.Action === undefined) throw new AwsError('MissingAction', 'The request must contain the parameter Action');
    const vpcOperation = VPC_OPERATIONS.find((operation) => operation === parameters.Action);
    if (parameters.Action !== 'DescribeRegions' && vpcOperation === undefined) {
      throw new AwsError('InvalidAction', `The action ${parameters.Action} is not valid for this web service.`);
    }
    if (parameters.Version !== EC2_API_VERSION) {
      throw new AwsError('InvalidParameterValue', `Invalid API version: ${parameters.Version ?? '(none)'}`);
    }
    if (vpcOperation === undefined) return { response: describeRegions(auth.account, parameters), call };
    const injected = faults?.injectedError({
      service: 'ec2',
      accountId: auth.account.Id,
      region: auth.scope.region,
      operation: vpcOperation,
      callerArn: callerArn(auth.account),
    });
    if (injected !== undefined) throw asEc2Error(injected);
    return { response: answerVpcOperation(vpcOperation, { account: auth.account, region: auth.scope.region, parameters, xmlns: EC2_XMLNS }), call };
  } catch (thrown) {
    const error = thrown instanceof AwsError ? thrown : new AwsError('InternalError', 'An internal error has occurred', 500);
    call.errorCode = error.code;
    return { response: ec2ErrorResponse(error), call };
  }
}

/** Without AllRegions=true only the account's enabled regions; with it, every region and its opt-in status. */
function describeRegions(account: SimAccount, parameters: QueryParameters): SimResponse {
  for (const name of Object.keys(parameters)) {
    if (!DESCRIBE_REGIONS_PARAMETER.test(name)) throw new AwsError('UnknownParameter', `The parameter ${name} is not recognized`);
  }
  const allRegions = booleanParameter(parameters, 'AllRegions');
  if (booleanParameter(parameters, 'DryRun')) {
    throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
  }
  const names = allRegions ? ALL_REGIONS : [...enabledRegions(account)].sort();
  let regions: RegionInfo[] = names.map((regionName) => ({
    regionName,
    regionEndpoint: `ec2.${regionName}.amazonaws.com`,
    optInStatus: optInStatus(account, regionName),
  }));

  const requestedNames = listParameter(parameters, 'RegionName');
  for (const name of requestedNames) {
    if (!ALL_REGIONS.includes(name)) throw new AwsError('InvalidParameterValue', `Invalid region: ${name}`);
  }
  if (requestedNames.length > 0) regions = regions.filter((region) => requestedNames.includes(region.regionName));
  for (const filter of filters(parameters)) {
    const attribute = REGION_FILTERS[filter.name];
    if (attribute === undefined) throw new AwsError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
    regions = regions.filter((region) => filter.values.includes(attribute(region)));
  }

  const requestId = randomUUID();
  const items = regions.map((region) =>
    element('item', [textElement('regionName', region.regionName), textElement('regionEndpoint', region.regionEndpoint), textElement('optInStatus', region.optInStatus)]),
  );
  const body = XML_DECLARATION + element('DescribeRegionsResponse', [textElement('requestId', requestId), element('regionInfo', items)], { xmlns: EC2_XMLNS });
  return xmlResponse(200, body, requestId);
}

/**
 * A fault in EC2's own words (Amazon EC2 API reference, error codes): denied is UnauthorizedOperation (403), a
 * throttled call RequestLimitExceeded (503), an internal failure InternalError (500).
 */
function asEc2Error(error: AwsError): AwsError {
  switch (error.code) {
    case 'AccessDeniedException':
      return new AwsError('UnauthorizedOperation', `You are not authorized to perform this operation. ${error.message}`, 403);
    case 'ThrottlingException':
      return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
    default:
      return new AwsError('InternalError', 'An internal error has occurred', 500);
  }
}

/** `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>` */
export function ec2ErrorResponse(error: AwsError): SimResponse {
  const requestId = randomUUID();
  const body =
    XML_DECLARATION +
    element('Response', [
      element('Errors', element('Error', [textElement('Code', error.code), textElement('Message', error.message)])),
      textElement('RequestID', requestId),
    ]);
  return xmlResponse(error.httpStatus, body, requestId);
}

function xmlResponse(status: number, body: string, requestId: string): SimResponse {
  return { status, headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId }, body };
}
