// Every asset type the inventory knows (docs/architecture.md, "The registry"). Adding a type is adding its definition
// here; the registry test proves every place that must serve it does.
import type { AssetTypeDefinition } from './definition.js';
import { TRAIL } from './trail.js';

export const ASSET_TYPES: readonly AssetTypeDefinition[] = [TRAIL];

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
