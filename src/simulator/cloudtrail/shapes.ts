// Scenario data → CloudTrail response shapes, members in the service model's order.
// Optional string members are left undefined (and so left out of the JSON) when the trail has no value.

import type { SimEventSelector, SimTrail, SimTrailStatus } from '../scenario.js';
import { EpochSeconds } from '../json.js';
import type { OwnedTrail } from './trails.js';

/** DescribeTrails' `Trail` shape. */
export function trailShape({ trail, arn }: OwnedTrail): Record<string, unknown> {
  return {
    Name: trail.Name,
    S3BucketName: trail.S3BucketName,
    S3KeyPrefix: trail.S3KeyPrefix,
    SnsTopicName: trail.SnsTopicName,
    SnsTopicARN: trail.SnsTopicARN,
    IncludeGlobalServiceEvents: trail.IncludeGlobalServiceEvents ?? true,
    IsMultiRegionTrail: trail.IsMultiRegionTrail,
    HomeRegion: trail.HomeRegion,
    TrailARN: arn,
    LogFileValidationEnabled: trail.LogFileValidationEnabled ?? false,
    CloudWatchLogsLogGroupArn: trail.CloudWatchLogsLogGroupArn,
    CloudWatchLogsRoleArn: trail.CloudWatchLogsRoleArn,
    KmsKeyId: trail.KmsKeyId,
    HasCustomEventSelectors: hasCustomEventSelectors(trail),
    HasInsightSelectors: (trail.InsightSelectors ?? []).length > 0,
    IsOrganizationTrail: trail.IsOrganizationTrail ?? false,
  };
}

/** UpdateTrail's response: the trail's settings, without HomeRegion or the Has* flags (model UpdateTrailResponse). */
export function updatedTrailShape(owned: OwnedTrail): Record<string, unknown> {
  const { HomeRegion: _home, HasCustomEventSelectors: _custom, HasInsightSelectors: _insights, ...settings } = trailShape(owned);
  return settings;
}

/** ListTrails' `TrailInfo` shape. */
export function trailInfoShape({ trail, arn }: OwnedTrail): Record<string, unknown> {
  return { TrailARN: arn, Name: trail.Name, HomeRegion: trail.HomeRegion };
}

export function hasCustomEventSelectors(trail: SimTrail): boolean {
  return (trail.EventSelectors ?? []).length > 0 || (trail.AdvancedEventSelectors ?? []).length > 0;
}

/** The selector AWS reports for a trail nobody configured: all management events, no data events. */
export const DEFAULT_EVENT_SELECTOR: Required<SimEventSelector> = {
  ReadWriteType: 'All',
  IncludeManagementEvents: true,
  DataResources: [],
  ExcludeManagementEventSources: [],
};

/** GetEventSelectors' answer: basic selectors (filled in with AWS defaults) or advanced ones, never both. */
export function eventSelectorsShape({ trail, arn }: OwnedTrail): Record<string, unknown> {
  if ((trail.AdvancedEventSelectors ?? []).length > 0) {
    return { TrailARN: arn, AdvancedEventSelectors: trail.AdvancedEventSelectors };
  }
  const selectors = (trail.EventSelectors ?? []).length > 0 ? trail.EventSelectors! : [DEFAULT_EVENT_SELECTOR];
  return {
    TrailARN: arn,
    EventSelectors: selectors.map((selector) => ({
      ReadWriteType: selector.ReadWriteType ?? DEFAULT_EVENT_SELECTOR.ReadWriteType,
      IncludeManagementEvents: selector.IncludeManagementEvents ?? DEFAULT_EVENT_SELECTOR.IncludeManagementEvents,
      DataResources: selector.DataResources ?? [],
      ExcludeManagementEventSources: selector.ExcludeManagementEventSources ?? [],
    })),
  };
}

/**
 * GetTrailStatus' answer. Time members appear only when set (a trail that never logged has none);
 * the legacy string members are always sent, as ISO-8601 without milliseconds or "".
 */
export function trailStatusShape(trail: SimTrail): Record<string, unknown> {
  const status: SimTrailStatus = trail.Status ?? {};
  const time = (iso: string | undefined) => (iso === undefined ? undefined : EpochSeconds.fromIso(iso));
  return {
    IsLogging: trail.IsLogging,
    LatestDeliveryError: status.LatestDeliveryError,
    LatestNotificationError: status.LatestNotificationError,
    LatestDeliveryTime: time(status.LatestDeliveryTime),
    LatestNotificationTime: time(status.LatestNotificationTime),
    StartLoggingTime: time(status.StartLoggingTime),
    StopLoggingTime: time(status.StopLoggingTime),
    LatestCloudWatchLogsDeliveryError: status.LatestCloudWatchLogsDeliveryError,
    LatestCloudWatchLogsDeliveryTime: time(status.LatestCloudWatchLogsDeliveryTime),
    LatestDigestDeliveryTime: time(status.LatestDigestDeliveryTime),
    LatestDigestDeliveryError: status.LatestDigestDeliveryError,
    LatestDeliveryAttemptTime: legacyTime(status.LatestDeliveryTime),
    LatestNotificationAttemptTime: legacyTime(status.LatestNotificationTime),
    LatestNotificationAttemptSucceeded: status.LatestNotificationError ? '' : legacyTime(status.LatestNotificationTime),
    LatestDeliveryAttemptSucceeded: status.LatestDeliveryError ? '' : legacyTime(status.LatestDeliveryTime),
    TimeLoggingStarted: legacyTime(status.StartLoggingTime),
    TimeLoggingStopped: legacyTime(status.StopLoggingTime),
  };
}

/** The legacy GetTrailStatus string form: "2018-01-14T11:25:59Z", or "" when there is no time. */
export function legacyTime(iso: string | undefined): string {
  if (iso === undefined) return '';
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ListTags' `ResourceTag` shape. */
export function resourceTagShape({ trail, arn }: OwnedTrail): Record<string, unknown> {
  return {
    ResourceId: arn,
    TagsList: Object.entries(trail.Tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
  };
}
