// Recorded responses of the monitoring services (CloudWatch Logs, CloudWatch, SNS): one answers every request of its
// account, region and operation, as recorded.
import type { RecordedResponse } from './scenario.js';

export function findRecording(
  recorded: readonly RecordedResponse[] | undefined,
  service: 'logs' | 'cloudwatch' | 'sns',
  accountId: string,
  region: string,
  operation: string,
): RecordedResponse | undefined {
  return (recorded ?? []).find(
    (recording) => recording.service === service && recording.accountId === accountId && recording.region === region && recording.operation === operation,
  );
}
