// CloudWatch Logs metric filters, per region: DescribeMetricFilters without a log group lists every filter of the
// region, page by page (nextToken). Only that listing is called, so a failure fails the region.
import { CloudWatchLogsClient, paginateDescribeMetricFilters, type MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import { METRIC_FILTER } from '../../../src/assets/metric-filter.js';
import { metricFilterArn, type MetricFilterRecord } from '../../../src/model/metric-filter.js';
import type { ScopeResult } from '../../../src/model/scope.js';
import type { Collector, CollectorRun } from '../../collector.js';
import { describeAwsError } from '../errors.js';

/** The largest page DescribeMetricFilters allows (API reference, limit: 1 to 50). */
export const METRIC_FILTERS_PAGE_LIMIT = 50;

export const METRIC_FILTERS_COLLECTOR: Collector<MetricFilterRecord> = metricFiltersCollector();

/** The collector, with another page size (tests page through a few filters). */
export function metricFiltersCollector(pageSize = METRIC_FILTERS_PAGE_LIMIT): Collector<MetricFilterRecord> {
  return { definition: METRIC_FILTER, collect: (run) => Promise.all(run.regions.map((region) => collectRegion(run, region, pageSize))) };
}

async function collectRegion(run: CollectorRun, region: string, pageSize: number): Promise<ScopeResult<MetricFilterRecord>> {
  const scope = { assetType: METRIC_FILTER.name, accountId: run.accountId, region };
  const logs = run.clients.client(CloudWatchLogsClient, region, 'logs');
  const filters: MetricFilter[] = [];
  try {
    for await (const page of paginateDescribeMetricFilters({ client: logs, pageSize }, {})) filters.push(...(page.metricFilters ?? []));
  } catch (error) {
    return { ...scope, status: 'failed', error: describeAwsError(error), assets: [] };
  }
  return { ...scope, status: 'ok', assets: filters.map((filter) => recordOf(run.accountId, region, filter)) };
}

export function recordOf(accountId: string, region: string, filter: MetricFilter): MetricFilterRecord {
  const filterName = filter.filterName ?? '';
  const logGroupName = filter.logGroupName ?? '';
  return {
    arn: metricFilterArn(region, accountId, logGroupName, filterName),
    name: filterName,
    accountId,
    region,
    // Metric filters take no tags.
    tags: [],
    collectionErrors: [],
    raw: { DescribeMetricFilters: filter },
    filterName,
    logGroupName,
    filterPattern: filter.filterPattern ?? '',
    metricTransformations: (filter.metricTransformations ?? []).map((transformation) => ({
      metricName: transformation.metricName ?? '',
      metricNamespace: transformation.metricNamespace ?? '',
      metricValue: transformation.metricValue ?? '',
      defaultValue: transformation.defaultValue ?? null,
      unit: transformation.unit ?? '',
    })),
    creationTime: filter.creationTime === undefined ? null : new Date(filter.creationTime).toISOString(),
    applyOnTransformedLogs: filter.applyOnTransformedLogs ?? false,
  };
}
