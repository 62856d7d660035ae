// An Amazon SNS topic as the inventory stores it (ListTopics, GetTopicAttributes, ListSubscriptionsByTopic): one record
// per topic ARN. Field names follow Cyscale's control library where it names them (hasSNSTopicAttribute).
import type { CollectedAsset } from './asset.js';

export const SNS_TOPIC_ASSET_TYPE = 'SnsTopic';

/** What ListSubscriptionsByTopic says of a subscription not yet confirmed, in place of its ARN. */
export const PENDING_CONFIRMATION = 'PendingConfirmation';

export interface SnsSubscription {
  /** The subscription's ARN, or "PendingConfirmation" while the endpoint has not confirmed it. */
  subscriptionArn: string;
  protocol: string;
  endpoint: string;
  owner: string;
  /** The subscription has an ARN: its endpoint confirmed it (neither PendingConfirmation nor Deleted). */
  confirmed: boolean;
}

/** One topic attribute as GetTopicAttributes returns it. */
export interface SnsTopicAttribute {
  key: string;
  value: string;
}

export interface SnsTopicRecord extends CollectedAsset {
  topicArn: string;
  topicName: string;
  /** GetTopicAttributes KmsMasterKeyId: "" for a topic without server-side encryption; null when the call failed. */
  kmsMasterKeyId: string | null;
  /** Every attribute GetTopicAttributes returned, by key; null when the call failed. */
  hasSNSTopicAttribute: SnsTopicAttribute[] | null;
  /** GetTopicAttributes SubscriptionsConfirmed; null when the call failed. */
  confirmedSubscriptionCount: number | null;
  /** Every subscription ListSubscriptionsByTopic listed; null when it failed. */
  subscriptions: SnsSubscription[] | null;
}

/** A subscription ARN names a confirmed subscription; the placeholders AWS lists instead do not. */
export function isConfirmedSubscription(subscriptionArn: string): boolean {
  return subscriptionArn.startsWith('arn:');
}
