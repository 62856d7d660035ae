// Every asset type the inventory knows (docs/architecture.md, "The registry"). Adding a type is adding its definition
// here; the registry test proves every place that must serve it does.
import { BUCKET } from './bucket.js';
import { CONFIGURATION_RECORDER } from './configuration-recorder.js';
import type { AssetTypeDefinition } from './definition.js';
import { KMS_KEY } from './kms-key.js';
import { METRIC_ALARM } from './metric-alarm.js';
import { METRIC_FILTER } from './metric-filter.js';
import { SNS_TOPIC } from './sns-topic.js';
import { TRAIL } from './trail.js';
import { VPC } from './vpc.js';

export const ASSET_TYPES: readonly AssetTypeDefinition[] = [
  TRAIL,
  KMS_KEY as unknown as AssetTypeDefinition,
  BUCKET as unknown as AssetTypeDefinition,
  VPC as unknown as AssetTypeDefinition,
  CONFIGURATION_RECORDER as unknown as AssetTypeDefinition,
  METRIC_FILTER as unknown as AssetTypeDefinition,
  METRIC_ALARM as unknown as AssetTypeDefinition,
  SNS_TOPIC as unknown as AssetTypeDefinition,
];

const BY_NAME = new Map(ASSET_TYPES.map((type) => [type.name, type]));

/** The definition of a type by its name (`Trail`); undefined for a name the inventory does not know. */
export const assetType = (name: string): AssetTypeDefinition | undefined => BY_NAME.get(name);

/** The type names, in registry order. */
export const ASSET_TYPE_NAMES: readonly string[] = ASSET_TYPES.map((type) => type.name);

/** How the API's descriptions and the metrics' help name a type's assets: 'trail' and 'trails'. */
export function nounsOf(type: AssetTypeDefinition): { one: string; many: string } {
  const words = (camel: string) => camel.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return type.nouns ?? { one: words(type.name), many: words(type.plural) };
}

/** The collector that gathers each type: coverage and verdicts are per collector. */
export const COLLECTOR_BY_ASSET_TYPE: Readonly<Record<string, string>> = Object.fromEntries(ASSET_TYPES.map((type) => [type.name, type.collector]));

/** A list held in an asset's row (definition.rowLists), with the type that declares it. */
export interface RowListBound {
  coordinate: string;
  most: number;
  why: string;
  /** The declaring type: errors name its assets and its service ("more than CloudTrail allows per trail"). */
  type: AssetTypeDefinition;
}

/**
 * Every row list the types declare, by SDL coordinate. Two types may share an object type (its lists then hold the
 * same quota in both), never give one coordinate two quotas.
 */
export function rowListBounds(types: readonly AssetTypeDefinition[] = ASSET_TYPES): ReadonlyMap<string, RowListBound> {
  const bounds = new Map<string, RowListBound>();
  for (const type of types) {
    for (const [coordinate, { most, why }] of Object.entries(type.rowLists?.quotas ?? {})) {
      const known = bounds.get(coordinate);
      if (known && known.most !== most) {
        throw new Error(`registry: ${coordinate} is bounded by ${known.most} in ${known.type.name} and by ${most} in ${type.name}`);
      }
      if (!Number.isInteger(most) || most < 0) throw new Error(`registry: ${type.name} bounds ${coordinate} by ${most}, not a whole number`);
      if (!known) bounds.set(coordinate, { coordinate, most, why, type });
    }
  }
  return bounds;
}
