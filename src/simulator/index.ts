// The simulated AWS endpoint (CloudTrail, STS, EC2, Organizations) used by the demo, the tests and the benchmarks.

export { startSimulator, type Simulator, type SimulatorOptions } from './server.js';
export {
  demoScenario,
  demoCredentials,
  DEMO_ACCOUNT_IDS,
  DEMO_CREDENTIALS,
  DEMO_MANAGEMENT_ACCOUNT_ID,
  DEMO_MEMBER_ROLE,
  DEMO_SECURITY_ACCOUNT_ID,
  DEMO_WORKLOADS_ACCOUNT_ID,
  type DemoCredentials,
} from './scenarios/demo.js';
export {
  organizationScenario,
  type OrganizationScenario,
  type OrganizationScenarioOptions,
} from './scenarios/organization.js';
export * from './scenario.js';
export type { SimSession } from './sessions.js';
export { LIST_ACCOUNTS_MAX_RESULTS } from './organizations.js';
export { LIST_TAGS_MAX_RESOURCE_IDS } from './cloudtrail/operations.js';
export { formatJavaDouble } from './json.js';
export { KMS_PAGE_LIMITS } from './kms/operations.js';
export { SIM_SERVICES } from './services.js';
export { S3_IAM_ACTIONS } from './s3/service.js';
export type { SimService } from './service.js';
