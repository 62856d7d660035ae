// The asset types the inventory knows, and the collector that gathers each: coverage and verdicts are per collector.

/** The asset types a control may depend on, and the collector whose coverage decides whether their inventory is complete. */
export const COLLECTOR_BY_ASSET_TYPE: Readonly<Record<string, string>> = {
  Trail: 'aws.cloudtrail.trails',
};

export const KNOWN_ASSET_TYPES: readonly string[] = Object.keys(COLLECTOR_BY_ASSET_TYPE);
