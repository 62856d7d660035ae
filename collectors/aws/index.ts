// Every AWS collector, one per asset type of the registry (src/assets/registry.ts): the sync runs these. Adding an
// asset type is adding its collector here; collectorsOf checks that the two lists agree.
import type { AssetTypeDefinition } from '../../src/assets/definition.js';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import type { Collector } from '../collector.js';
import { METRIC_ALARMS_COLLECTOR } from './cloudwatch/alarms.js';
import { TRAILS } from './cloudtrail/trails.js';
import { CONFIGURATION_RECORDERS_COLLECTOR } from './config/recorders.js';
import { VPCS_COLLECTOR } from './ec2/vpcs.js';
import { KMS_KEYS_COLLECTOR } from './kms/keys.js';
import { METRIC_FILTERS_COLLECTOR } from './logs/metric-filters.js';
import { SNS_TOPICS_COLLECTOR } from './sns/topics.js';
import { S3_BUCKETS_COLLECTOR } from './s3/buckets.js';

export const AWS_COLLECTORS: readonly Collector[] = [
  TRAILS as unknown as Collector,
  KMS_KEYS_COLLECTOR as unknown as Collector,
  S3_BUCKETS_COLLECTOR as unknown as Collector,
  VPCS_COLLECTOR as unknown as Collector,
  CONFIGURATION_RECORDERS_COLLECTOR as unknown as Collector,
  METRIC_FILTERS_COLLECTOR as unknown as Collector,
  METRIC_ALARMS_COLLECTOR as unknown as Collector,
  SNS_TOPICS_COLLECTOR as unknown as Collector,
];

/**
 * The collectors in registry order, after checking that each gathers a registered type (its very definition, not a copy)
 * and that every registered type has exactly one collector. Throws naming what is missing or doubled.
 */
export function collectorsOf(collectors: readonly Collector[], types: readonly AssetTypeDefinition[] = ASSET_TYPES): Collector[] {
  const problems: string[] = [];
  for (const collector of collectors) {
    const name = collector.definition.name;
    if (!types.includes(collector.definition)) problems.push(`the collector ${collector.definition.collector} gathers ${name}, which is not in the registry`);
  }
  const ordered: Collector[] = [];
  for (const type of types) {
    const gathering = collectors.filter((collector) => collector.definition === type);
    if (gathering.length !== 1) problems.push(`${type.name} has ${gathering.length} collectors, not one`);
    else ordered.push(gathering[0]!);
  }
  if (problems.length) throw new Error(`the collectors do not match the asset type registry: ${problems.join('; ')}`);
  return ordered;
}
