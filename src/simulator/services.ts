// Every AWS service the simulator speaks, in one list: adding a service is adding its module here
// (src/simulator/README.md, "Services"). Order matters only between services that could claim the same request.

import { CLOUDTRAIL_SERVICE } from './cloudtrail/service.js';
import { CLOUDWATCH_SERVICE } from './cloudwatch/service.js';
import { CONFIG_SERVICE } from './config/service.js';
import { EC2_SERVICE } from './ec2/service.js';
import { KMS_SERVICE } from './kms/service.js';
import { LOGS_SERVICE } from './logs/service.js';
import { ORGANIZATIONS_SERVICE } from './organizations.js';
import { S3_SERVICE } from './s3/service.js';
import type { RequestSignature, SimService } from './service.js';
import { SNS_SERVICE } from './sns/service.js';
import { STS_SERVICE } from './sts.js';

export const SIM_SERVICES: readonly SimService[] = [
  CLOUDTRAIL_SERVICE,
  ORGANIZATIONS_SERVICE,
  KMS_SERVICE,
  LOGS_SERVICE,
  CLOUDWATCH_SERVICE,
  EC2_SERVICE,
  SNS_SERVICE,
  STS_SERVICE,
  CONFIG_SERVICE,
  S3_SERVICE,
];

/**
 * The service a request is for: the JSON service whose X-Amz-Target prefix it carries, else the first query service
 * that recognises its form. A request no service claims goes to CloudTrail, which answers it with the error AWS gives
 * a malformed JSON request (UnknownOperationException).
 */
export function serviceFor(signature: RequestSignature, services: readonly SimService[] = SIM_SERVICES): SimService {
  const { target } = signature;
  if (target !== undefined) {
    const claimed = services.find((service) => service.targetPrefixes?.some((prefix) => target.startsWith(prefix)));
    return claimed ?? CLOUDTRAIL_SERVICE;
  }
  return services.find((service) => service.recognises?.(signature)) ?? CLOUDTRAIL_SERVICE;
}
