// Amazon S3 and S3 Control over REST-XML (signing name `s3` for both; src/simulator/README.md, "S3"). A bucket is named
// by the path (`/bucket?acl`, path-style) or by the host (`bucket.s3.<region>.amazonaws.com`, or `bucket.` before the
// endpoint's own host: virtual-hosted); the operation by the query's subresource. S3 Control's requests start with
// `/v20180820/` and name the account in `x-amz-account-id`. The region rules are S3's: GetBucketLocation answers from
// any region; any other bucket request sent to another region than the bucket's is refused with 301 PermanentRedirect
// and the bucket's region in `x-amz-bucket-region`, or, when it was signed for another region than the host names,
// 400 AuthorizationHeaderMalformed naming the region expected.

import { randomUUID } from 'node:crypto';
import { callerArn, findAccountById, isRegionEnabled } from '../accounts.js';
import { authenticate, peekCredentialScope, type AuthFailureReason } from '../auth.js';
import { AwsError } from '../errors.js';
import type { HandledRequest, SimRequest, SimResponse } from '../exchange.js';
import type { Scenario, SimAccount, SimCall } from '../scenario.js';
import type { ServiceContext, SimService } from '../service.js';
import { element, escapeXml, textElement, XML_DECLARATION } from '../xml.js';
import { canonicalUserId, type SimBucket, type SimPublicAccessBlock } from './scenario.js';

export const S3_SIGNING_NAME = 's3';
const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const S3_CONTROL_XMLNS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';
const S3_CONTROL_PREFIX = '/v20180820/';

/** The most buckets one ListBuckets page holds (its MaxBuckets range is 1 to 10,000). */
export const LIST_BUCKETS_MAX = 10_000;

/** The bucket subresources this simulator answers, by the operation the SDK names. */
const BUCKET_OPERATIONS: Readonly<Record<string, string>> = {
  location: 'GetBucketLocation',
  acl: 'GetBucketAcl',
  policy: 'GetBucketPolicy',
  policyStatus: 'GetBucketPolicyStatus',
  publicAccessBlock: 'GetPublicAccessBlock',
  logging: 'GetBucketLogging',
  encryption: 'GetBucketEncryption',
  versioning: 'GetBucketVersioning',
  tagging: 'GetBucketTagging',
};

/**
 * The IAM action each simulated S3 operation needs (Service Authorization Reference, Amazon S3), by the call log's
 * `<service>.<Operation>`: unlike most services', S3's actions are not all named after their operations.
 */
export const S3_IAM_ACTIONS: Readonly<Record<string, string>> = {
  's3.ListBuckets': 's3:ListAllMyBuckets',
  's3.GetBucketLocation': 's3:GetBucketLocation',
  's3.GetBucketAcl': 's3:GetBucketAcl',
  's3.GetBucketPolicy': 's3:GetBucketPolicy',
  's3.GetBucketPolicyStatus': 's3:GetBucketPolicyStatus',
  's3.GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  's3.GetBucketLogging': 's3:GetBucketLogging',
  's3.GetBucketEncryption': 's3:GetEncryptionConfiguration',
  's3.GetBucketVersioning': 's3:GetBucketVersioning',
  's3.GetBucketTagging': 's3:GetBucketTagging',
  's3control.GetPublicAccessBlock': 's3:GetAccountPublicAccessBlock',
};

/** S3's codes for a request it cannot attribute (S3 answers in XML, never with the JSON services' codes). */
const AUTH_ERRORS: Record<AuthFailureReason, { code: string; status: number }> = {
  missingToken: { code: 'AccessDenied', status: 403 },
  incompleteSignature: { code: 'AuthorizationHeaderMalformed', status: 400 },
  wrongService: { code: 'AuthorizationHeaderMalformed', status: 400 },
  unknownAccessKey: { code: 'InvalidAccessKeyId', status: 403 },
  expiredToken: { code: 'ExpiredToken', status: 400 },
};

/** An S3 error with the members S3 adds to its `<Error>` body and the headers it sends with it. */
class S3Error extends AwsError {
  constructor(
    code: string,
    message: string,
    httpStatus: number,
    readonly members: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, httpStatus);
  }
}

/** Requests signed for s3 that carry no X-Amz-Target or form: S3's and S3 Control's REST requests. */
export const S3_SERVICE: SimService = {
  name: 's3',
  recognises: ({ form, target, signedFor }) => target === undefined && form === undefined && signedFor === S3_SIGNING_NAME,
  handle: (request, context) => handleS3(request, context),
};

interface ParsedRequest {
  path: string;
  query: URLSearchParams;
  /** The bucket a virtual-hosted request names in its host. */
  hostBucket?: string;
  /** The region the host names (`s3.<region>.amazonaws.com`), when it names one. */
  hostRegion?: string;
}

export function handleS3(request: SimRequest, context: ServiceContext): HandledRequest {
  const parsed = parseRequest(request);
  const control = parsed.path.startsWith(S3_CONTROL_PREFIX);
  const call: SimCall = {
    service: control ? 's3control' : 's3',
    operation: '',
    region: peekCredentialScope(request.headers)?.region ?? '',
    accountId: undefined,
    params: Object.fromEntries(parsed.query),
    status: 0,
  };
  try {
    const auth = authenticate(request.headers, context.scenario, S3_SIGNING_NAME, context.sessions);
    if (!auth.ok) {
      const { code, status } = AUTH_ERRORS[auth.reason];
      throw new S3Error(code, auth.reason === 'unknownAccessKey' ? 'The AWS Access Key Id you provided does not exist in our records.' : auth.message, status);
    }
    call.accountId = auth.account.Id;
    if (request.headers['x-amz-content-sha256'] === undefined) {
      throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256', 400);
    }
    if (!isRegionEnabled(auth.account, auth.scope.region)) {
      throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403);
    }
    if (request.method !== 'GET') throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    const response = control ? s3Control(parsed, request, context, auth.account, auth.scope.region, call) : s3(parsed, context, auth.account, auth.scope.region, call);
    return { response, call };
  } catch (thrown) {
    const error = asS3Error(thrown);
    call.errorCode = error.code;
    return { response: errorResponse(error), call };
  }
}

/** The host's bucket and region, and the path and query, of a request in either addressing style. */
function parseRequest(request: SimRequest): ParsedRequest {
  const url = new URL(request.path, 'http://host');
  const hostHeader = request.headers.host ?? '';
  const host = hostHeader.replace(/:\d+$/, '').toLowerCase();
  const amazon = /^(?:(.+)\.)?s3(?:[.-](?!amazonaws)([a-z0-9-]+))?\.amazonaws\.com$/.exec(host);
  if (amazon) {
    const region = amazon[2] === undefined ? 'us-east-1' : amazon[2];
    return { path: url.pathname, query: url.searchParams, hostRegion: region, ...(amazon[1] === undefined ? {} : { hostBucket: amazon[1] }) };
  }
  // `bucket.localhost` or `bucket.127.0.0.1`: virtual-hosted against an endpoint given as a host name or an address.
  const local = /^(.+)\.(localhost|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(host);
  if (local && !url.pathname.startsWith(S3_CONTROL_PREFIX)) return { path: url.pathname, query: url.searchParams, hostBucket: local[1]! };
  return { path: url.pathname, query: url.searchParams };
}

function s3(parsed: ParsedRequest, context: ServiceContext, caller: SimAccount, signedRegion: string, call: SimCall): SimResponse {
  const segments = parsed.path.split('/').filter((segment) => segment !== '');
  const bucketName = parsed.hostBucket ?? (segments[0] === undefined ? undefined : decodeURIComponent(segments[0]));
  const key = parsed.hostBucket === undefined ? segments.slice(1) : segments;
  if (bucketName === undefined) {
    call.operation = 'ListBuckets';
    inject(context, caller, signedRegion, call, undefined);
    return listBuckets(caller, parsed.query);
  }
  if (key.length > 0) throw new S3Error('NotImplemented', 'Object operations are not simulated.', 501);
  const subresource = Object.keys(BUCKET_OPERATIONS).find((name) => parsed.query.has(name));
  if (subresource === undefined) throw new S3Error('NotImplemented', 'A header or subresource you provided implies functionality that is not implemented.', 501);
  call.operation = BUCKET_OPERATIONS[subresource]!;
  call.params = { ...call.params, Bucket: bucketName };
  const found = findBucket(context.scenario, bucketName);
  if (found === undefined) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucketName });
  const { bucket, owner } = found;
  // Another account's bucket: its policy grants this reader nothing.
  if (owner.Id !== caller.Id) throw new S3Error('AccessDenied', 'Access Denied', 403);
  if (call.operation !== 'GetBucketLocation') {
    if (parsed.hostRegion !== undefined && parsed.hostRegion !== signedRegion) {
      throw new S3Error(
        'AuthorizationHeaderMalformed',
        `The authorization header is malformed; the region '${signedRegion}' is wrong; expecting '${parsed.hostRegion}'`,
        400,
        { Region: parsed.hostRegion },
      );
    }
    const sentTo = parsed.hostRegion ?? signedRegion;
    if (sentTo !== bucket.Region) {
      throw new S3Error(
        'PermanentRedirect',
        'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
        301,
        { Bucket: bucket.Name, Endpoint: `${bucket.Name}.s3.${bucket.Region}.amazonaws.com` },
        { 'x-amz-bucket-region': bucket.Region },
      );
    }
  }
  inject(context, caller, signedRegion, call, `arn:aws:s3:::${bucket.Name}`);
  return bucketOperation(call.operation, bucket, owner);
}

/** The scenario's faults, as S3 reports them: AccessDenied, SlowDown, InternalError. */
function inject(context: ServiceContext, caller: SimAccount, region: string, call: SimCall, resource: string | undefined): void {
  const injected = context.faults.injectedError({
    service: call.service,
    accountId: caller.Id,
    region,
    operation: call.operation,
    callerArn: callerArn(caller),
    ...(resource === undefined ? {} : { resource }),
  });
  if (injected !== undefined) throw injected;
}

function findBucket(scenario: Scenario, name: string): { bucket: SimBucket; owner: SimAccount } | undefined {
  for (const owner of scenario.accounts) {
    const bucket = owner.Buckets?.find((candidate) => candidate.Name === name);
    if (bucket !== undefined) return { bucket, owner };
  }
  return undefined;
}

/** Every bucket of the caller, by name, from any region; a page of MaxBuckets with a ContinuationToken while more follow. */
function listBuckets(caller: SimAccount, query: URLSearchParams): SimResponse {
  const maxText = query.get('max-buckets');
  const max = maxText === null ? undefined : Number(maxText);
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > LIST_BUCKETS_MAX)) {
    throw new S3Error('InvalidArgument', `Argument max-buckets must be an integer between 1 and ${LIST_BUCKETS_MAX}`, 400);
  }
  const prefix = query.get('prefix') ?? '';
  const regionFilter = query.get('bucket-region');
  let buckets = [...(caller.Buckets ?? [])]
    .filter((bucket) => bucket.Name.startsWith(prefix) && (regionFilter === null || bucket.Region === regionFilter))
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  const token = query.get('continuation-token');
  if (token !== null) {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    if (!after.startsWith('after:')) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', 400);
    buckets = buckets.filter((bucket) => bucket.Name > after.slice('after:'.length));
  }
  const page = max === undefined ? buckets : buckets.slice(0, max);
  const more = page.length < buckets.length;
  const owner = element('Owner', [textElement('ID', canonicalUserId(caller.Id)), textElement('DisplayName', displayName(caller))]);
  const items = page.map((bucket) =>
    element('Bucket', [textElement('Name', bucket.Name), textElement('CreationDate', isoTime(bucket.CreationDate)), textElement('BucketRegion', bucket.Region)]),
  );
  const children = [owner, element('Buckets', items)];
  if (more) children.push(textElement('ContinuationToken', Buffer.from(`after:${page.at(-1)!.Name}`).toString('base64url')));
  if (prefix !== '') children.push(textElement('Prefix', prefix));
  return xmlResponse(XML_DECLARATION + element('ListAllMyBucketsResult', children, { xmlns: S3_XMLNS }));
}

function bucketOperation(operation: string, bucket: SimBucket, owner: SimAccount): SimResponse {
  const root = (name: string, children: string[]) => xmlResponse(XML_DECLARATION + element(name, children, { xmlns: S3_XMLNS }));
  switch (operation) {
    case 'GetBucketLocation':
      // us-east-1 is the empty constraint; buckets made with the legacy EU constraint still answer EU.
      return root('LocationConstraint', [escapeXml(bucket.LocationConstraint ?? (bucket.Region === 'us-east-1' ? '' : bucket.Region))]);
    case 'GetBucketAcl':
      return xmlResponse(XML_DECLARATION + acl(bucket, owner));
    case 'GetBucketPolicy':
      if (bucket.Policy === undefined) throw noSuch('NoSuchBucketPolicy', 'The bucket policy does not exist', bucket);
      return { status: 200, headers: { 'content-type': 'application/json', ...requestHeaders() }, body: bucket.Policy };
    case 'GetBucketPolicyStatus':
      if (bucket.Policy === undefined) throw noSuch('NoSuchBucketPolicy', 'The bucket policy does not exist', bucket);
      return root('PolicyStatus', [textElement('IsPublic', String(bucket.PolicyIsPublic ?? false))]);
    case 'GetPublicAccessBlock':
      if (bucket.PublicAccessBlock === undefined) throw noSuch('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', bucket);
      return publicAccessBlock(bucket.PublicAccessBlock, S3_XMLNS);
    case 'GetBucketLogging':
      return root(
        'BucketLoggingStatus',
        bucket.Logging === undefined
          ? []
          : [element('LoggingEnabled', [textElement('TargetBucket', bucket.Logging.TargetBucket), textElement('TargetPrefix', bucket.Logging.TargetPrefix ?? '')])],
      );
    case 'GetBucketEncryption': {
      const encryption = bucket.Encryption;
      if (encryption === undefined) throw noSuch('ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found', bucket);
      const byDefault = [textElement('SSEAlgorithm', encryption.SSEAlgorithm)];
      if (encryption.KMSMasterKeyID !== undefined) byDefault.push(textElement('KMSMasterKeyID', encryption.KMSMasterKeyID));
      return root('ServerSideEncryptionConfiguration', [
        element('Rule', [element('ApplyServerSideEncryptionByDefault', byDefault), textElement('BucketKeyEnabled', String(encryption.BucketKeyEnabled ?? false))]),
      ]);
    }
    case 'GetBucketVersioning': {
      const versioning = bucket.Versioning;
      if (versioning === undefined) return root('VersioningConfiguration', []);
      // The response names the member MfaDelete, and leaves it out on a bucket whose MFA delete was never set.
      return root('VersioningConfiguration', [
        textElement('Status', versioning.Status),
        ...(versioning.MFADelete === undefined ? [] : [textElement('MfaDelete', versioning.MFADelete)]),
      ]);
    }
    case 'GetBucketTagging': {
      const tags = Object.entries(bucket.Tags ?? {});
      if (tags.length === 0) throw noSuch('NoSuchTagSet', 'The TagSet does not exist', bucket);
      return root('Tagging', [
        element(
          'TagSet',
          tags.map(([key, value]) => element('Tag', [textElement('Key', key), textElement('Value', value)])),
        ),
      ]);
    }
    default:
      throw new S3Error('NotImplemented', `${operation} is not simulated.`, 501);
  }
}

function acl(bucket: SimBucket, owner: SimAccount): string {
  const ownerId = canonicalUserId(owner.Id);
  const grants = [
    ...(bucket.OwnerGrant === false ? [] : [{ Type: 'CanonicalUser' as const, ID: ownerId, DisplayName: displayName(owner), Permission: 'FULL_CONTROL' as const }]),
    ...(bucket.Grants ?? []),
  ];
  const grantee = (grant: (typeof grants)[number]) => {
    const members: string[] = [];
    if (grant.ID !== undefined) members.push(textElement('ID', grant.ID));
    if (grant.DisplayName !== undefined) members.push(textElement('DisplayName', grant.DisplayName));
    if ('EmailAddress' in grant && grant.EmailAddress !== undefined) members.push(textElement('EmailAddress', grant.EmailAddress));
    if ('URI' in grant && grant.URI !== undefined) members.push(textElement('URI', grant.URI));
    return element('Grantee', members, { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xsi:type': grant.Type });
  };
  return element(
    'AccessControlPolicy',
    [
      element('Owner', [textElement('ID', ownerId), textElement('DisplayName', displayName(owner))]),
      element(
        'AccessControlList',
        grants.map((grant) => element('Grant', [grantee(grant), textElement('Permission', grant.Permission)])),
      ),
    ],
    { xmlns: S3_XMLNS },
  );
}

/** S3 Control GetPublicAccessBlock: the account's settings, for the account `x-amz-account-id` names (the caller's own). */
function s3Control(parsed: ParsedRequest, request: SimRequest, context: ServiceContext, caller: SimAccount, region: string, call: SimCall): SimResponse {
  if (parsed.path !== `${S3_CONTROL_PREFIX}configuration/publicAccessBlock`) throw new S3Error('NotImplemented', 'This S3 Control operation is not simulated.', 501);
  call.operation = 'GetPublicAccessBlock';
  const header = request.headers['x-amz-account-id'];
  const accountId = Array.isArray(header) ? header[0] : header;
  call.params = { AccountId: accountId };
  if (accountId === undefined || accountId === '') throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-account-id', 400);
  if (accountId !== caller.Id || findAccountById(context.scenario, accountId) === undefined) throw new S3Error('AccessDenied', 'Access Denied', 403);
  inject(context, caller, region, call, undefined);
  if (caller.PublicAccessBlock === undefined) {
    throw new S3Error('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404, { AccountId: caller.Id });
  }
  return publicAccessBlock(caller.PublicAccessBlock, S3_CONTROL_XMLNS);
}

function publicAccessBlock(settings: SimPublicAccessBlock, xmlns: string): SimResponse {
  return xmlResponse(
    XML_DECLARATION +
      element(
        'PublicAccessBlockConfiguration',
        [
          textElement('BlockPublicAcls', String(settings.BlockPublicAcls)),
          textElement('IgnorePublicAcls', String(settings.IgnorePublicAcls)),
          textElement('BlockPublicPolicy', String(settings.BlockPublicPolicy)),
          textElement('RestrictPublicBuckets', String(settings.RestrictPublicBuckets)),
        ],
        { xmlns },
      ),
  );
}

const noSuch = (code: string, message: string, bucket: SimBucket) => new S3Error(code, message, 404, { BucketName: bucket.Name });

/** An injected fault or a bug, in S3's words: its faults are AccessDenied, SlowDown (503) and InternalError (500). */
function asS3Error(thrown: unknown): S3Error {
  if (thrown instanceof S3Error) return thrown;
  if (thrown instanceof AwsError) {
    if (thrown.code === 'AccessDeniedException') return new S3Error('AccessDenied', 'Access Denied', 403);
    if (thrown.code === 'ThrottlingException') return new S3Error('SlowDown', 'Please reduce your request rate.', 503);
    if (thrown.httpStatus >= 500) return new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);
    return new S3Error(thrown.code, thrown.message, thrown.httpStatus);
  }
  return new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);
}

/** `<Error><Code/><Message/>…<RequestId/><HostId/></Error>`, as both S3 and S3 Control send it. */
function errorResponse(error: S3Error): SimResponse {
  const headers = requestHeaders();
  const members = Object.entries(error.members).map(([name, value]) => textElement(name, value));
  const body =
    XML_DECLARATION +
    element('Error', [
      textElement('Code', error.code),
      textElement('Message', error.message),
      ...members,
      textElement('RequestId', headers['x-amz-request-id']!),
      textElement('HostId', headers['x-amz-id-2']!),
    ]);
  return { status: error.httpStatus, headers: { 'content-type': 'application/xml', ...headers, ...error.headers }, body };
}

function requestHeaders(): Record<string, string> {
  const id = randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase();
  return { 'x-amz-request-id': id, 'x-amz-id-2': Buffer.from(`${id}-host`).toString('base64') };
}

function xmlResponse(body: string): SimResponse {
  return { status: 200, headers: { 'content-type': 'application/xml', ...requestHeaders() }, body };
}

const displayName = (account: SimAccount): string => account.Name ?? `account-${account.Id}`;

/** S3 writes times with milliseconds, in UTC. */
const isoTime = (time: string): string => new Date(time).toISOString();
