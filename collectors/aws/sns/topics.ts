// SNS topics, per region: ListTopics (NextToken), then per topic GetTopicAttributes and ListSubscriptionsByTopic
// (NextToken). A call that fails for one topic leaves what it feeds unknown (null) and is recorded on the topic; only
// a failed ListTopics fails the region.
import { GetTopicAttributesCommand, paginateListSubscriptionsByTopic, paginateListTopics, SNSClient, type Subscription, type Topic } from '@aws-sdk/client-sns';
import { SNS_TOPIC } from '../../../src/assets/sns-topic.js';
import type { CollectionError } from '../../../src/model/asset.js';
import type { ScopeResult } from '../../../src/model/scope.js';
import { isConfirmedSubscription, type SnsSubscription, type SnsTopicRecord } from '../../../src/model/sns-topic.js';
import type { Collector, CollectorRun } from '../../collector.js';
import { describeAwsError } from '../errors.js';

export const SNS_TOPICS_COLLECTOR: Collector<SnsTopicRecord> = {
  definition: SNS_TOPIC,
  collect: (run) => Promise.all(run.regions.map((region) => collectRegion(run, region))),
};

async function collectRegion(run: CollectorRun, region: string): Promise<ScopeResult<SnsTopicRecord>> {
  const scope = { assetType: SNS_TOPIC.name, accountId: run.accountId, region };
  const sns = run.clients.client(SNSClient, region, 'sns');
  const topics: Topic[] = [];
  try {
    // ListTopics takes no page size: SNS answers 100 topics a page.
    for await (const page of paginateListTopics({ client: sns }, {})) topics.push(...(page.Topics ?? []));
  } catch (error) {
    return { ...scope, status: 'failed', error: describeAwsError(error), assets: [] };
  }
  const records = await Promise.all(topics.filter((topic) => topic.TopicArn).map((topic) => collectTopic(run.accountId, region, sns, topic.TopicArn!)));
  // A topic deleted between ListTopics and its own calls no longer exists: it is left out, not recorded as unknown.
  return { ...scope, status: 'ok', assets: records.filter((record): record is SnsTopicRecord => record !== undefined) };
}

async function collectTopic(accountId: string, region: string, sns: SNSClient, topicArn: string): Promise<SnsTopicRecord | undefined> {
  const errors: CollectionError[] = [];
  let vanished = false;
  const attempt = async <T>(operation: string, call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (error) {
      if ((error as Error).name === 'NotFoundException' || (error as Error).name === 'NotFound') vanished = true;
      errors.push({ operation, ...describeAwsError(error) });
      return undefined;
    }
  };
  const [described, listed] = await Promise.all([
    attempt('GetTopicAttributes', () => sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))),
    attempt('ListSubscriptionsByTopic', () => listSubscriptions(sns, topicArn)),
  ]);
  if (vanished) return undefined;
  const attributes = described === undefined ? undefined : (described.Attributes ?? {});
  const topicName = topicArn.split(':').pop() ?? '';
  const confirmed = attributes?.SubscriptionsConfirmed;
  return {
    arn: topicArn,
    name: topicName,
    accountId,
    region,
    // Tags are read by ListTagsForResource, which this collector does not call: none are known.
    tags: null,
    collectionErrors: errors,
    raw: {
      ...(attributes === undefined ? {} : { GetTopicAttributes: { Attributes: attributes } }),
      ...(listed === undefined ? {} : { ListSubscriptionsByTopic: { Subscriptions: listed } }),
    },
    topicArn,
    topicName,
    kmsMasterKeyId: attributes === undefined ? null : (attributes.KmsMasterKeyId ?? ''),
    hasSNSTopicAttribute:
      attributes === undefined
        ? null
        : Object.entries(attributes)
            .map(([key, value]) => ({ key, value }))
            .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    confirmedSubscriptionCount: attributes === undefined ? null : confirmed === undefined || !/^\d+$/.test(confirmed) ? 0 : Number(confirmed),
    subscriptions: listed === undefined ? null : listed.map(subscriptionOf),
  };
}

/** Every subscription of the topic, every page (SNS answers 100 a page). */
async function listSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const subscriptions: Subscription[] = [];
  for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: topicArn })) subscriptions.push(...(page.Subscriptions ?? []));
  return subscriptions;
}

function subscriptionOf(subscription: Subscription): SnsSubscription {
  const subscriptionArn = subscription.SubscriptionArn ?? '';
  return {
    subscriptionArn,
    protocol: subscription.Protocol ?? '',
    endpoint: subscription.Endpoint ?? '',
    owner: subscription.Owner ?? '',
    confirmed: isConfirmedSubscription(subscriptionArn),
  };
}
