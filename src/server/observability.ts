// Access logs (one JSON line per request at info) and Prometheus metrics in the text exposition format, hand-written:
// request counts and latency by route, GraphQL operation name and status; inventory size; last successful sync per scope.
import type express from 'express';
import type { Logger } from '../log.js';
import { ASSET_TYPE_NAMES, ASSET_TYPES, nounsOf } from '../assets/registry.js';
import { assetTotals } from '../graphql/asset-reader.js';
import { computeCoverage } from '../store/coverage.js';
import type { InventoryStore } from '../store/store.js';
import type { StopReason } from './deadline.js';
import type { PoolStats } from './graphql-pool.js';

/** Latency buckets in seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Operation names are the client's choice: past this many distinct ones, the rest are counted as "(other)". */
const MAX_OPERATION_LABELS = 100;
const KNOWN_ROUTES = ['/graphql', '/healthz', '/readyz', '/metrics'];

interface Series {
  labels: string;
  count: number;
  sum: number;
  buckets: number[];
}

/** Where the GraphQL layer leaves the operation name of a request for the access log and the metrics. */
export const OPERATION_NAME = 'graphqlOperationName';

export class RequestMetrics {
  private readonly series = new Map<string, Series>();
  private readonly operations = new Set<string>();
  private readonly stops: Record<StopReason, number> = { timeout: 0, disconnect: 0 };

  /** A /graphql request stopped at its deadline or because its client left. */
  stopped(reason: StopReason): void {
    this.stops[reason] += 1;
  }

  observe(route: string, operation: string, status: number, seconds: number): void {
    if (operation && !this.operations.has(operation)) {
      if (this.operations.size >= MAX_OPERATION_LABELS) operation = '(other)';
      else this.operations.add(operation);
    }
    const labels = `route="${escapeLabel(route)}",operation="${escapeLabel(operation)}",status="${status}"`;
    let series = this.series.get(labels);
    if (!series) this.series.set(labels, (series = { labels, count: 0, sum: 0, buckets: BUCKETS.map(() => 0) }));
    series.count += 1;
    series.sum += seconds;
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) series.buckets[i]! += 1;
    });
  }

  exposition(): string[] {
    const lines = [
      '# HELP inventory_http_requests_total HTTP requests answered, by route, GraphQL operation name and status.',
      '# TYPE inventory_http_requests_total counter',
    ];
    const all = [...this.series.values()].sort((a, b) => a.labels.localeCompare(b.labels));
    for (const s of all) lines.push(`inventory_http_requests_total{${s.labels}} ${s.count}`);
    lines.push(
      '# HELP inventory_http_request_duration_seconds Time to answer an HTTP request, by route, GraphQL operation name and status.',
      '# TYPE inventory_http_request_duration_seconds histogram',
    );
    for (const s of all) {
      BUCKETS.forEach((bound, i) => lines.push(`inventory_http_request_duration_seconds_bucket{${s.labels},le="${bound}"} ${s.buckets[i]}`));
      lines.push(`inventory_http_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      lines.push(`inventory_http_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
      lines.push(`inventory_http_request_duration_seconds_count{${s.labels}} ${s.count}`);
    }
    lines.push(
      '# HELP inventory_graphql_requests_stopped_total GraphQL requests stopped: past --request-timeout (answered 504), or their client gone.',
      '# TYPE inventory_graphql_requests_stopped_total counter',
      ...Object.entries(this.stops).map(([reason, n]) => `inventory_graphql_requests_stopped_total{reason="${reason}"} ${n}`),
    );
    return lines;
  }
}

/** Logs one JSON line per request when it ends, and counts it in the metrics. */
export function accessLog(log: Logger, metrics: RequestMetrics): express.RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let bytes = 0;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => express.Response;
    const count = (chunk: unknown, encoding?: unknown) => {
      if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      count(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') count(chunk, rest[0]);
      return end(chunk, ...rest);
    }) as typeof res.end;
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const path = req.originalUrl.split('?')[0] ?? '/';
      const operation = typeof res.locals[OPERATION_NAME] === 'string' ? (res.locals[OPERATION_NAME] as string) : '';
      const status = res.writableFinished ? res.statusCode : 499;
      const route = KNOWN_ROUTES.includes(path) ? path : 'other';
      metrics.observe(route, operation, status, seconds);
      log.info(
        {
          method: req.method,
          path,
          status,
          durationMs: Math.round(seconds * 1e5) / 100,
          operation: operation || null,
          bytes,
          ...(res.locals['auth'] ? { tokenId: (res.locals['auth'] as { tokenId: number }).tokenId } : {}),
        },
        'request',
      );
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}

/** The whole /metrics page: request metrics, then the inventory's figures read from the store now. */
export async function metricsPage(store: InventoryStore, metrics: RequestMetrics, workers?: PoolStats): Promise<string> {
  const lines = metrics.exposition();
  if (workers) {
    lines.push(
      '# HELP inventory_graphql_workers GraphQL worker threads, and those running a request now.',
      '# TYPE inventory_graphql_workers gauge',
      `inventory_graphql_workers{state="all"} ${workers.workers}`,
      `inventory_graphql_workers{state="busy"} ${workers.busy}`,
      '# HELP inventory_graphql_queued_requests GraphQL requests waiting for a worker, by lane.',
      '# TYPE inventory_graphql_queued_requests gauge',
      ...Object.entries(workers.queued).map(([lane, n]) => `inventory_graphql_queued_requests{lane="${lane}"} ${n}`),
      '# HELP inventory_graphql_requests_cut_short_total GraphQL requests whose work a worker stopped because they were stopped.',
      '# TYPE inventory_graphql_requests_cut_short_total counter',
      `inventory_graphql_requests_cut_short_total ${workers.stoppedRequests}`,
      '# HELP inventory_sql_statements_interrupted_total SQL statements a worker stopped at a row because their request was stopped.',
      '# TYPE inventory_sql_statements_interrupted_total counter',
      `inventory_sql_statements_interrupted_total ${workers.interruptedStatements}`,
    );
  }
  // One gauge per asset type, named after its plural (inventory_trails, inventory_kms_keys).
  const totals = await assetTotals(store);
  for (const type of ASSET_TYPES) {
    const metric = assetGaugeName(type.plural);
    const many = nounsOf(type).many;
    const { live, deleted } = totals[type.name] ?? { live: 0, deleted: 0 };
    lines.push(
      `# HELP ${metric} ${many.charAt(0).toUpperCase()}${many.slice(1)} in the inventory: live, and marked deleted by a successful sync that no longer saw them.`,
      `# TYPE ${metric} gauge`,
      `${metric}{state="live"} ${live}`,
      `${metric}{state="deleted"} ${deleted}`,
    );
  }
  lines.push(
    '# HELP inventory_last_successful_sync_timestamp_seconds When each account and region of an asset type last synced successfully (Unix time).',
    '# TYPE inventory_last_successful_sync_timestamp_seconds gauge',
  );
  for (const assetType of ASSET_TYPE_NAMES) {
    for (const entry of await computeCoverage(store, assetType)) {
      if (!entry.lastSuccessAt) continue;
      const labels = `asset_type="${escapeLabel(assetType)}",account="${escapeLabel(entry.accountId)}",region="${escapeLabel(entry.region)}"`;
      lines.push(`inventory_last_successful_sync_timestamp_seconds{${labels}} ${Date.parse(entry.lastSuccessAt) / 1000}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The gauge of one asset type's totals: `inventory_` and its plural in snake case (inventory_kms_keys). */
export const assetGaugeName = (plural: string): string => `inventory_${plural.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}`;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
