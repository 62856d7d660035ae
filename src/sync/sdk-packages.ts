// The SDK package of each client class a collector asks for. A class cannot cross to another thread, so an SDK thread
// (src/sync/sdk-thread.ts) loads its client and command classes by name from the package named here: a collector of a
// new service adds its client's line.
export const SDK_PACKAGES: Readonly<Record<string, string>> = {
  CloudTrailClient: '@aws-sdk/client-cloudtrail',
  ConfigServiceClient: '@aws-sdk/client-config-service',
  CloudWatchClient: '@aws-sdk/client-cloudwatch',
  CloudWatchLogsClient: '@aws-sdk/client-cloudwatch-logs',
  EC2Client: '@aws-sdk/client-ec2',
  KMSClient: '@aws-sdk/client-kms',
  SNSClient: '@aws-sdk/client-sns',
  S3Client: '@aws-sdk/client-s3',
  S3ControlClient: '@aws-sdk/client-s3-control',
  STSClient: '@aws-sdk/client-sts',
};

/** The package of a client class; throws naming the class and this table when it is not listed. */
export function sdkPackageOf(clientName: string): string {
  const sdkPackage = SDK_PACKAGES[clientName];
  if (!sdkPackage) throw new Error(`no SDK package is listed for ${clientName}: add it to SDK_PACKAGES (src/sync/sdk-packages.ts)`);
  return sdkPackage;
}
