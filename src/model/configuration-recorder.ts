// An AWS Config configuration recorder as the inventory stores it: one record per recorder ARN, with its last status.
// Field names follow Cyscale's control library (recording, allSupported, includeGlobalResourceTypes).
import type { CollectedAsset } from './asset.js';

export const CONFIGURATION_RECORDER_ASSET_TYPE = 'ConfigurationRecorder';

/**
 * Strings AWS leaves out are ''. What DescribeConfigurationRecorderStatus reports (recording and the last status) is
 * null when that call failed, or when it did not report this recorder; collectionErrors says why.
 */
export interface ConfigurationRecorderRecord extends CollectedAsset {
  /** The IAM role AWS Config assumes (roleARN). */
  roleARN: string;
  /** recordingGroup.allSupported: every supported resource type, current and future, is recorded. */
  allSupported: boolean;
  /** recordingGroup.includeGlobalResourceTypes: the global IAM resource types are recorded too. */
  includeGlobalResourceTypes: boolean;
  /** recordingGroup.resourceTypes: the types recorded when the strategy is INCLUSION_BY_RESOURCE_TYPES. */
  resourceTypes: string[];
  /** recordingGroup.exclusionByResourceTypes.resourceTypes: the types left out under EXCLUSION_BY_RESOURCE_TYPES. */
  exclusionResourceTypes: string[];
  /** recordingGroup.recordingStrategy.useOnly: ALL_SUPPORTED_RESOURCE_TYPES, INCLUSION_BY_RESOURCE_TYPES or EXCLUSION_BY_RESOURCE_TYPES. */
  recordingStrategy: string;
  /** recordingMode.recordingFrequency: CONTINUOUS or DAILY. */
  recordingFrequency: string;
  /** The service a service-linked recorder records for; '' for the customer managed recorder. */
  servicePrincipal: string;

  // DescribeConfigurationRecorderStatus
  recording: boolean | null;
  /** Pending, Success or Failure. */
  lastStatus: string | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  lastStartTime: string | null;
  lastStopTime: string | null;
  lastStatusChangeTime: string | null;
}

/** The ARN the inventory makes for a recorder AWS reported without one (responses from before recorder ARNs). */
export function configurationRecorderArn(region: string, accountId: string, name: string): string {
  return `arn:aws:config:${region}:${accountId}:configuration-recorder/${name}`;
}
