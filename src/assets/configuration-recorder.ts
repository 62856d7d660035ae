// AWS Config configuration recorders (DescribeConfigurationRecorders, DescribeConfigurationRecorderStatus): one asset
// per recorder ARN, listed in every region (the customer managed recorder, at most one per region, and any
// service-linked ones). AWSLogging5 (src/graphql/named-checks.ts) reads them with the coverage of their collector.
import type { ConfigurationRecorderRecord } from '../model/configuration-recorder.js';
import type { AssetField, AssetTypeDefinition } from './definition.js';

const field = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField => ({
  field: name,
  column,
  kind,
  nullable: false,
  history: true,
  ...extra,
});

/** DescribeConfigurationRecorderStatus: NULL when it failed; status, not configuration, unless said otherwise. */
const status = (name: string, column: string, kind: AssetField['kind'], extra: Partial<AssetField> = {}): AssetField =>
  field(name, column, kind, { nullable: true, history: false, ...extra });

export const CONFIGURATION_RECORDER: AssetTypeDefinition<ConfigurationRecorderRecord> = {
  name: 'ConfigurationRecorder',
  plural: 'configurationRecorders',
  table: 'configuration_recorders',
  description: 'An AWS Config configuration recorder, once per recorder ARN: what it records, and whether it is recording.',
  internalAssetType: 'ConfigurationRecorder',
  assetCategory: 'Logging',
  scope: 'regional',
  collector: 'aws.config.recorders',
  iamActions: ['config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus'],
  fields: [
    field('roleARN', 'role_arn', 'string'),
    field('allSupported', 'all_supported', 'boolean'),
    field('includeGlobalResourceTypes', 'include_global_resource_types', 'boolean'),
    field('resourceTypes', 'resource_types', 'json', { shape: ['string'] }),
    field('exclusionResourceTypes', 'exclusion_resource_types', 'json', { shape: ['string'] }),
    field('recordingStrategy', 'recording_strategy', 'string'),
    field('recordingFrequency', 'recording_frequency', 'string'),
    field('servicePrincipal', 'service_principal', 'string'),
    // Whether it records is configuration (started or stopped), so its history is kept.
    status('recording', 'recording', 'boolean', { history: true }),
    status('lastStatus', 'last_status', 'string', { volatile: true }),
    status('lastErrorCode', 'last_error_code', 'string', { volatile: true }),
    status('lastErrorMessage', 'last_error_message', 'string', { volatile: true }),
    status('lastStartTime', 'last_start_time', 'datetime'),
    status('lastStopTime', 'last_stop_time', 'datetime'),
    status('lastStatusChangeTime', 'last_status_change_time', 'datetime', { volatile: true }),
  ],
  rowLists: {
    service: 'AWS Config',
    quotas: {
      'ConfigurationRecorder.collectionErrors': { most: 1, why: 'one per call that may fail for a recorder: DescribeConfigurationRecorderStatus' },
    },
  },
  relations: [],
};
