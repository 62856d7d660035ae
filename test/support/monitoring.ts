// Scenario builders and SDK clients for the monitoring collectors' tests (metric filters, alarms, SNS topics).
import type { AwsClients } from '../../collectors/collector.js';
import type { SimAccount, SimMetricAlarm, SimMetricFilter, SimSnsTopic } from '../../src/simulator/index.js';

export function metricFilter(name: string, logGroupName: string, pattern: string, metric: string, extra: Partial<SimMetricFilter> = {}): SimMetricFilter {
  return {
    Region: 'us-east-1',
    LogGroupName: logGroupName,
    FilterName: name,
    FilterPattern: pattern,
    MetricTransformations: [{ MetricName: metric, MetricNamespace: 'CISBenchmark', MetricValue: '1' }],
    ...extra,
  };
}

export function metricAlarm(name: string, metric: string, topicArns: string[], extra: Partial<SimMetricAlarm> = {}): SimMetricAlarm {
  return { Region: 'us-east-1', AlarmName: name, MetricName: metric, Namespace: 'CISBenchmark', Statistic: 'Sum', AlarmActions: topicArns, ...extra };
}

export function snsTopic(name: string, extra: Partial<SimSnsTopic> = {}): SimSnsTopic {
  return { Region: 'us-east-1', Name: name, Subscriptions: [{ Protocol: 'email', Endpoint: `${name}@example.com` }], ...extra };
}

/** Clients the way the sync hands them out: one per region and class, the SDK's standard retries, the endpoint from the environment. */
export function clientsFor(account: SimAccount, made: { destroy(): void }[], maxAttempts = 1): AwsClients {
  return {
    client<C>(Client: new (config: { region: string }) => C, region: string): C {
      const config = { region, maxAttempts, credentials: { accessKeyId: account.AccessKeyId, secretAccessKey: account.SecretAccessKey } };
      const client = new (Client as unknown as new (c: typeof config) => C)(config);
      made.push(client as unknown as { destroy(): void });
      return client;
    },
  };
}
