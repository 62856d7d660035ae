// Amazon SNS topics (ListTopics, GetTopicAttributes, ListSubscriptionsByTopic): one asset per topic ARN, listed in
// every region. A call that fails for one topic leaves what it feeds null, with a collection error saying why.
import type { SnsTopicRecord } from '../model/sns-topic.js';
import type { AssetField, AssetTypeDefinition } from './definition.js';

const field = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField => ({
  field: name,
  column,
  kind,
  nullable: false,
  history: true,
  ...extra,
});

/** Read by a call that may fail for one topic: NULL then. */
const fromCall = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField =>
  field(name, column, kind, { nullable: true, ...extra });

export const SNS_TOPIC: AssetTypeDefinition<SnsTopicRecord> = {
  name: 'SnsTopic',
  plural: 'snsTopics',
  table: 'sns_topics',
  description: 'An Amazon SNS topic: its encryption, attributes and subscriptions.',
  internalAssetType: 'SNSTopic',
  assetCategory: 'Integration',
  scope: 'regional',
  // The organization trail's chain serves every member account from the management account.
  servesOtherAccounts: true,
  collector: 'aws.sns.topics',
  iamActions: ['sns:ListTopics', 'sns:GetTopicAttributes', 'sns:ListSubscriptionsByTopic'],
  fields: [
    field('topicArn', 'topic_arn', 'string'),
    field('topicName', 'topic_name', 'string'),
    fromCall('kmsMasterKeyId', 'kms_master_key_id', 'string'),
    // Every attribute, the policies and counts among them: the fields above and below already record their changes.
    fromCall('hasSNSTopicAttribute', 'topic_attributes', 'json', { shape: [{ key: 'string', value: 'string' }], history: false }),
    // Changes as endpoints confirm: not configuration.
    fromCall('confirmedSubscriptionCount', 'confirmed_subscription_count', 'integer', { history: false, volatile: true }),
    fromCall('subscriptions', 'subscriptions', 'json', {
      shape: [{ subscriptionArn: 'string', protocol: 'string', endpoint: 'string', owner: 'string', confirmed: 'boolean' }],
    }),
  ],
  rowLists: {
    service: 'SNS',
    quotas: {
      'SnsTopic.collectionErrors': { most: 2, why: 'one per call that may fail for a topic: GetTopicAttributes, ListSubscriptionsByTopic' },
      'SnsTopic.hasSNSTopicAttribute': { most: 40, why: 'GetTopicAttributes answers with the attributes SNS documents, fewer than 40' },
      'SnsTopic.subscriptions': { most: 12_500_000, why: 'a standard topic has at most 12,500,000 subscriptions' },
    },
  },
  relations: [],
};
