// CloudWatch Logs over AWS JSON 1.1 (`X-Amz-Target: Logs_20140328.<Operation>`, signing name `logs`): the shared JSON
// request flow (json-service.ts), answering DescribeMetricFilters from the scenario's metric filters.

import { AwsError } from '../errors.js';
import { jsonService, type JsonCall } from '../json-service.js';
import { findRecording } from '../monitoring-recordings.js';
import type { SimMetricFilter } from '../monitoring-shapes.js';
import { decodePageToken, encodePageToken } from '../page-tokens.js';
import type { SimService } from '../service.js';

export const LOGS_TARGET_PREFIX = 'Logs_20140328.';
export const LOGS_SIGNING_NAME = 'logs';

/** DescribeMetricFilters' limit: 1 to 50, default 50 (API reference). */
export const DESCRIBE_METRIC_FILTERS_MAX_LIMIT = 50;

export const LOGS_SERVICE: SimService = jsonService({
  name: 'logs',
  targetPrefixes: [LOGS_TARGET_PREFIX],
  signingName: LOGS_SIGNING_NAME,
  internalError: () => new AwsError('ServiceUnavailableException', 'The service cannot complete the request.', 500),
  operations: { DescribeMetricFilters: describeMetricFilters },
  injectsFaults: true,
  unknownOperations: 'refusedFirst',
  findRecording: (recorded, { caller, region, operation }) => findRecording(recorded, 'logs', caller.Id, region, operation),
});

const invalid = (message: string) => new AwsError('InvalidParameterException', message);

function optionalString(input: Record<string, unknown>, member: string, min: number, max: number): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('SerializationException', `Expected string for member ${member}.`);
  if (value.length < min || value.length > max) {
    throw invalid(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have length between ${min} and ${max}`);
  }
  return value;
}

/**
 * Every metric filter of the caller's region, or of one log group (logGroupName, with filterNamePrefix), or of one
 * metric (metricName with metricNamespace), in log group and filter name order; `limit` 1..50, an opaque nextToken.
 */
function describeMetricFilters({ caller, region }: JsonCall, input: Record<string, unknown>): unknown {
  const logGroupName = optionalString(input, 'logGroupName', 1, 512);
  const filterNamePrefix = optionalString(input, 'filterNamePrefix', 1, 512);
  const metricName = optionalString(input, 'metricName', 0, 255);
  const metricNamespace = optionalString(input, 'metricNamespace', 0, 255);
  if (filterNamePrefix !== undefined && logGroupName === undefined) throw invalid('If you specify filterNamePrefix, you must also specify logGroupName.');
  if ((metricName === undefined) !== (metricNamespace === undefined)) throw invalid('If you specify metricName or metricNamespace, you must specify both.');
  const limit = input.limit ?? DESCRIBE_METRIC_FILTERS_MAX_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit)) throw new AwsError('SerializationException', 'Expected integer for member limit.');
  if (limit < 1 || limit > DESCRIBE_METRIC_FILTERS_MAX_LIMIT) {
    throw invalid(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : `less than or equal to ${DESCRIBE_METRIC_FILTERS_MAX_LIMIT}`}`,
    );
  }
  const inRegion = (caller.MetricFilters ?? []).filter((filter) => filter.Region === region);
  if (logGroupName !== undefined && !inRegion.some((filter) => filter.LogGroupName === logGroupName)) {
    throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
  }
  const filters = inRegion
    .filter((filter) => logGroupName === undefined || filter.LogGroupName === logGroupName)
    .filter((filter) => filterNamePrefix === undefined || filter.FilterName.startsWith(filterNamePrefix))
    .filter((filter) => metricName === undefined || filter.MetricTransformations.some((t) => t.MetricName === metricName && t.MetricNamespace === metricNamespace))
    .sort((a, b) => compare(a.LogGroupName, b.LogGroupName) || compare(a.FilterName, b.FilterName));
  const scope = `DescribeMetricFilters:${caller.Id}:${region}:${logGroupName ?? ''}:${filterNamePrefix ?? ''}:${metricName ?? ''}:${metricNamespace ?? ''}`;
  const start =
    input.nextToken === undefined || input.nextToken === null
      ? 0
      : decodePageToken(input.nextToken, scope, filters.length, () => invalid('The specified nextToken is invalid.'));
  const end = Math.min(filters.length, start + limit);
  return { metricFilters: filters.slice(start, end).map(wireFilter), nextToken: end < filters.length ? encodePageToken(scope, end) : undefined };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function wireFilter(filter: SimMetricFilter): unknown {
  return {
    filterName: filter.FilterName,
    filterPattern: filter.FilterPattern,
    metricTransformations: filter.MetricTransformations.map((t) => ({
      metricName: t.MetricName,
      metricNamespace: t.MetricNamespace,
      metricValue: t.MetricValue ?? '1',
      defaultValue: t.DefaultValue,
      unit: t.Unit,
    })),
    // Epoch milliseconds, as CloudWatch Logs writes its times.
    creationTime: Date.parse(filter.CreationTime ?? '2024-01-01T00:00:00Z'),
    logGroupName: filter.LogGroupName,
    applyOnTransformedLogs: filter.ApplyOnTransformedLogs ?? false,
  };
}
