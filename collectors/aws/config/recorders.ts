// AWS Config configuration recorders, per region: DescribeConfigurationRecorders, then
// DescribeConfigurationRecorderStatus, both without names, which AWS answers with the region's customer managed
// recorder (at most one). Only a failed DescribeConfigurationRecorders fails the region; a failed status call leaves
// recording and the last status unknown (null) with a collection error.
import {
  ConfigServiceClient,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  type ConfigurationRecorder,
  type ConfigurationRecorderStatus,
} from '@aws-sdk/client-config-service';
import { CONFIGURATION_RECORDER } from '../../../src/assets/configuration-recorder.js';
import type { CollectionError } from '../../../src/model/asset.js';
import { configurationRecorderArn, type ConfigurationRecorderRecord } from '../../../src/model/configuration-recorder.js';
import type { ScopeResult } from '../../../src/model/scope.js';
import type { Collector, CollectorRun } from '../../collector.js';
import { describeAwsError } from '../errors.js';

export const CONFIGURATION_RECORDERS_COLLECTOR: Collector<ConfigurationRecorderRecord> = {
  definition: CONFIGURATION_RECORDER,
  collect: (run) => Promise.all(run.regions.map((region) => collectRegion(run, region))),
};

async function collectRegion(run: CollectorRun, region: string): Promise<ScopeResult<ConfigurationRecorderRecord>> {
  const scope = { assetType: CONFIGURATION_RECORDER.name, accountId: run.accountId, region };
  const config = run.clients.client(ConfigServiceClient, region, 'config');
  const [described, statuses] = await Promise.all([
    config.send(new DescribeConfigurationRecordersCommand({})).then(
      (output) => ({ recorders: output.ConfigurationRecorders ?? [] }),
      (error: unknown) => ({ error: describeAwsError(error) }),
    ),
    config.send(new DescribeConfigurationRecorderStatusCommand({})).then(
      (output) => ({ statuses: output.ConfigurationRecordersStatus ?? [] }),
      (error: unknown) => ({ error: { operation: 'DescribeConfigurationRecorderStatus', ...describeAwsError(error) } }),
    ),
  ]);
  if ('error' in described) return { ...scope, status: 'failed', error: described.error, assets: [] };
  const assets = described.recorders.map((recorder) => recorderRecord(run.accountId, region, recorder, statuses));
  return { ...scope, status: 'ok', assets };
}

function recorderRecord(
  accountId: string,
  region: string,
  recorder: ConfigurationRecorder,
  statuses: { statuses: ConfigurationRecorderStatus[] } | { error: CollectionError },
): ConfigurationRecorderRecord {
  const name = recorder.name ?? '';
  // Recorders described before AWS gave them ARNs have none: the inventory makes it as AWS writes it (README, AWS Config).
  const arn = recorder.arn ?? configurationRecorderArn(region, accountId, name);
  const errors: CollectionError[] = [];
  let status: ConfigurationRecorderStatus | undefined;
  if ('error' in statuses) errors.push(statuses.error);
  else {
    status = statuses.statuses.find((entry) => (entry.arn !== undefined && entry.arn === recorder.arn) || entry.name === name);
    // Described but without a status: a recorder created between the two calls; what it does is not known yet.
    if (status === undefined)
      errors.push({ operation: 'DescribeConfigurationRecorderStatus', code: 'NoStatus', message: `no status was reported for the recorder ${name}` });
  }
  return {
    arn,
    name,
    accountId,
    region,
    // AWS Config reports no tags of a recorder: it has none to read.
    tags: [],
    collectionErrors: errors,
    raw: { DescribeConfigurationRecorders: recorder, ...(status === undefined ? {} : { DescribeConfigurationRecorderStatus: status }) },
    roleARN: recorder.roleARN ?? '',
    ...recordingGroupOf(recorder),
    recordingFrequency: recorder.recordingMode?.recordingFrequency ?? '',
    servicePrincipal: recorder.servicePrincipal ?? '',
    recording: status === undefined ? null : (status.recording ?? false),
    lastStatus: status === undefined ? null : statusName(status.lastStatus ?? ''),
    lastErrorCode: status === undefined ? null : (status.lastErrorCode ?? ''),
    lastErrorMessage: status === undefined ? null : (status.lastErrorMessage ?? ''),
    lastStartTime: status?.lastStartTime?.toISOString() ?? null,
    lastStopTime: status?.lastStopTime?.toISOString() ?? null,
    lastStatusChangeTime: status?.lastStatusChangeTime?.toISOString() ?? null,
  };
}

type RecordingGroupFields = Pick<
  ConfigurationRecorderRecord,
  'allSupported' | 'includeGlobalResourceTypes' | 'resourceTypes' | 'exclusionResourceTypes' | 'recordingStrategy'
>;

/**
 * The recording group. Without one AWS Config records as PutConfigurationRecorder's defaults say: every supported
 * type but the global IAM ones; a member left out of a group that is present is false or empty.
 */
function recordingGroupOf(recorder: ConfigurationRecorder): RecordingGroupFields {
  const group = recorder.recordingGroup;
  if (group === undefined) {
    return { allSupported: true, includeGlobalResourceTypes: false, resourceTypes: [], exclusionResourceTypes: [], recordingStrategy: '' };
  }
  return {
    allSupported: group.allSupported ?? false,
    includeGlobalResourceTypes: group.includeGlobalResourceTypes ?? false,
    resourceTypes: [...(group.resourceTypes ?? [])].sort(),
    exclusionResourceTypes: [...(group.exclusionByResourceTypes?.resourceTypes ?? [])].sort(),
    recordingStrategy: group.recordingStrategy?.useOnly ?? '',
  };
}

/** The documented names of a recorder's last status; AWS has answered them in capitals too (SUCCESS). */
const STATUS_NAMES: Readonly<Record<string, string>> = { pending: 'Pending', success: 'Success', failure: 'Failure' };

/** lastStatus as the API reference spells it, whatever its case, so a check of `Failure` never misses one; raw keeps AWS's. */
function statusName(status: string): string {
  return STATUS_NAMES[status.toLowerCase()] ?? status;
}
