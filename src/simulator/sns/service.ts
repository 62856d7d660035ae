// Amazon SNS over the AWS query protocol (form POSTs naming Action and Version 2010-03-31, signing name `sns`),
// answered in XML like sns.<region>.amazonaws.com: ListTopics, GetTopicAttributes and ListSubscriptionsByTopic from
// the scenario's topics, with SNS's own error codes (AuthorizationError, NotFound, InvalidParameter, Throttled).

import { randomUUID } from 'node:crypto';
import { callerArn, isRegionEnabled } from '../accounts.js';
import { authenticate, type AuthFailureReason } from '../auth.js';
import { AwsError } from '../errors.js';
import type { HandledRequest, SimRequest, SimResponse } from '../exchange.js';
import { findRecording } from '../monitoring-recordings.js';
import { topicArnOf, type SimSnsTopic } from '../monitoring-shapes.js';
import { decodePageToken, encodePageToken } from '../page-tokens.js';
import { startQueryCall, type QueryParameters } from '../query.js';
import type { SimAccount } from '../scenario.js';
import type { ServiceContext, SimService } from '../service.js';
import { element, textElement } from '../xml.js';

export const SNS_API_VERSION = '2010-03-31';
export const SNS_SIGNING_NAME = 'sns';
const SNS_XMLNS = `http://sns.amazonaws.com/doc/${SNS_API_VERSION}/`;

/** ListTopics and ListSubscriptionsByTopic answer 100 items a page (API reference); neither takes a page size. */
export const SNS_PAGE_SIZE = 100;

const AUTH_ERRORS: Record<AuthFailureReason, { code: string; status: number }> = {
  missingToken: { code: 'MissingAuthenticationToken', status: 403 },
  incompleteSignature: { code: 'IncompleteSignature', status: 400 },
  wrongService: { code: 'SignatureDoesNotMatch', status: 403 },
  unknownAccessKey: { code: 'InvalidClientTokenId', status: 403 },
  expiredToken: { code: 'ExpiredToken', status: 403 },
};

/** A query request naming SNS's API version, or signed for SNS. */
export const SNS_SERVICE: SimService = {
  name: 'sns',
  recognises: ({ form, signedFor }) => form !== undefined && (form.get('Version') === SNS_API_VERSION || signedFor === SNS_SIGNING_NAME),
  handle: (request, context) => handleSns(request, context),
};

const OPERATIONS: Record<string, (caller: SimAccount, region: string, parameters: QueryParameters) => string> = {
  ListTopics: listTopics,
  GetTopicAttributes: getTopicAttributes,
  ListSubscriptionsByTopic: listSubscriptionsByTopic,
};

function handleSns(request: SimRequest, { scenario, sessions, faults }: ServiceContext): HandledRequest {
  const { parameters, call } = startQueryCall(request, 'sns');
  try {
    const auth = authenticate(request.headers, scenario, SNS_SIGNING_NAME, sessions);
    if (!auth.ok) {
      const { code, status } = AUTH_ERRORS[auth.reason];
      throw new AwsError(code, auth.message, status);
    }
    const { account } = auth;
    const { region } = auth.scope;
    call.accountId = account.Id;
    if (!isRegionEnabled(account, region)) throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    const action = parameters.Action;
    if (action === undefined) throw new AwsError('MissingAction', 'Missing Action');
    const operation = parameters.Version === SNS_API_VERSION ? OPERATIONS[action] : undefined;
    if (operation === undefined) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${parameters.Version ?? 'NO_VERSION_SPECIFIED'}`);
    const topicArn = parameters.TopicArn;
    const injected = faults.injectedError({ service: 'sns', accountId: account.Id, region, operation: action, callerArn: callerArn(account), resource: topicArn });
    if (injected !== undefined) throw snsError(injected, account, action, topicArn ?? `arn:aws:sns:${region}:${account.Id}:*`);
    const recording = findRecording(scenario.recorded, 'sns', account.Id, region, action);
    if (recording !== undefined) return { response: { status: recording.status, headers: { ...recording.headers }, body: recording.body }, call };
    const requestId = randomUUID();
    const result = operation(account, region, parameters);
    const body = element(`${action}Response`, [result, element('ResponseMetadata', textElement('RequestId', requestId))], { xmlns: SNS_XMLNS });
    return { response: xmlResponse(200, body, requestId), call };
  } catch (thrown) {
    const error = thrown instanceof AwsError ? thrown : new AwsError('InternalError', 'An internal error has occurred.', 500);
    call.errorCode = error.code;
    return { response: snsErrorResponse(error), call };
  }
}

/** An injected fault in SNS's words: AuthorizationError for a denied call, Throttled, InternalError. */
function snsError(injected: AwsError, caller: SimAccount, action: string, resource: string): AwsError {
  switch (injected.code) {
    case 'AccessDeniedException':
      return new AwsError(
        'AuthorizationError',
        `User: ${callerArn(caller)} is not authorized to perform: SNS:${action} on resource: ${resource} because no identity-based policy allows the SNS:${action} action`,
        403,
      );
    case 'ThrottlingException':
      return new AwsError('Throttled', 'Rate exceeded', 429);
    case 'InternalFailure':
      return new AwsError('InternalError', 'An internal error has occurred. Please try your request again.', 500);
    default:
      return injected;
  }
}

const invalidParameter = (detail: string) => new AwsError('InvalidParameter', `Invalid parameter: ${detail}`);

function topicsIn(caller: SimAccount, region: string): SimSnsTopic[] {
  return (caller.SnsTopics ?? []).filter((topic) => topic.Region === region).sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

/** The topic a TopicArn names, in the caller's account and the request's region; NotFound otherwise. */
function topicOf(caller: SimAccount, region: string, parameters: QueryParameters): SimSnsTopic {
  const arn = parameters.TopicArn;
  if (arn === undefined) throw invalidParameter('TopicArn');
  if (!/^arn:aws:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}(\.fifo)?$/.test(arn)) throw invalidParameter('TopicArn');
  const topic = topicsIn(caller, region).find((candidate) => topicArnOf(caller.Id, candidate) === arn);
  if (topic === undefined) throw new AwsError('NotFound', 'Topic does not exist', 404);
  return topic;
}

/** The page of `items` a NextToken points at (SNS's pages of 100), and the token of the next page. */
function page<T>(items: readonly T[], parameters: QueryParameters, scope: string): { items: readonly T[]; next: string | undefined } {
  const token = parameters.NextToken;
  const start = token === undefined || token === '' ? 0 : decodePageToken(token, scope, items.length, () => invalidParameter('NextToken'));
  const end = Math.min(items.length, start + SNS_PAGE_SIZE);
  return { items: items.slice(start, end), next: end < items.length ? encodePageToken(scope, end) : undefined };
}

function listTopics(caller: SimAccount, region: string, parameters: QueryParameters): string {
  const { items, next } = page(topicsIn(caller, region), parameters, `ListTopics:${caller.Id}:${region}`);
  const members = items.map((topic) => element('member', textElement('TopicArn', topicArnOf(caller.Id, topic))));
  return element('ListTopicsResult', [element('Topics', members), ...(next === undefined ? [] : [textElement('NextToken', next)])]);
}

/** The attributes SNS reports of a standard topic with the default policies; KmsMasterKeyId only when encrypted. */
function getTopicAttributes(caller: SimAccount, region: string, parameters: QueryParameters): string {
  const topic = topicOf(caller, region, parameters);
  const arn = topicArnOf(caller.Id, topic);
  const subscriptions = topic.Subscriptions ?? [];
  const confirmed = subscriptions.filter((subscription) => subscription.Confirmed !== false).length;
  const attributes: Record<string, string> = {
    Policy: JSON.stringify({
      Version: '2008-10-17',
      Id: '__default_policy_ID',
      Statement: [
        {
          Sid: '__default_statement_ID',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: [
            'SNS:GetTopicAttributes',
            'SNS:SetTopicAttributes',
            'SNS:AddPermission',
            'SNS:RemovePermission',
            'SNS:DeleteTopic',
            'SNS:Subscribe',
            'SNS:ListSubscriptionsByTopic',
            'SNS:Publish',
          ],
          Resource: arn,
          Condition: { StringEquals: { 'AWS:SourceOwner': caller.Id } },
        },
      ],
    }),
    Owner: caller.Id,
    SubscriptionsPending: String(subscriptions.length - confirmed),
    TopicArn: arn,
    EffectiveDeliveryPolicy: JSON.stringify({
      http: { defaultHealthyRetryPolicy: { minDelayTarget: 20, maxDelayTarget: 20, numRetries: 3 }, disableSubscriptionOverrides: false },
    }),
    SubscriptionsConfirmed: String(confirmed),
    DisplayName: '',
    SubscriptionsDeleted: '0',
    ...(topic.KmsMasterKeyId === undefined ? {} : { KmsMasterKeyId: topic.KmsMasterKeyId }),
  };
  const entries = Object.entries(attributes).map(([key, value]) => element('entry', [textElement('key', key), textElement('value', value)]));
  return element('GetTopicAttributesResult', element('Attributes', entries));
}

function listSubscriptionsByTopic(caller: SimAccount, region: string, parameters: QueryParameters): string {
  const topic = topicOf(caller, region, parameters);
  const arn = topicArnOf(caller.Id, topic);
  const all = (topic.Subscriptions ?? []).map((subscription, index) => ({ subscription, index }));
  const { items, next } = page(all, parameters, `ListSubscriptionsByTopic:${arn}`);
  const members = items.map(({ subscription, index }) =>
    element('member', [
      textElement('TopicArn', arn),
      textElement('Protocol', subscription.Protocol),
      // A confirmed subscription's ARN is the topic's and an id; SNS lists an unconfirmed one as PendingConfirmation.
      textElement('SubscriptionArn', subscription.Confirmed === false ? 'PendingConfirmation' : `${arn}:${subscriptionId(arn, index)}`),
      textElement('Owner', caller.Id),
      textElement('Endpoint', subscription.Endpoint),
    ]),
  );
  return element('ListSubscriptionsByTopicResult', [element('Subscriptions', members), ...(next === undefined ? [] : [textElement('NextToken', next)])]);
}

/** A stable id for the index-th subscription of a topic, shaped like SNS's (a UUID). */
function subscriptionId(topicArn: string, index: number): string {
  let hash = 0x811c9dc5;
  for (const char of topicArn) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return `${hash.toString(16).padStart(8, '0')}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` */
export function snsErrorResponse(error: AwsError): SimResponse {
  const requestId = randomUUID();
  const body = element(
    'ErrorResponse',
    [
      element('Error', [textElement('Type', error.httpStatus >= 500 ? 'Receiver' : 'Sender'), textElement('Code', error.code), textElement('Message', error.message)]),
      textElement('RequestId', requestId),
    ],
    { xmlns: SNS_XMLNS },
  );
  return xmlResponse(error.httpStatus, body, requestId);
}

function xmlResponse(status: number, body: string, requestId: string): SimResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}
