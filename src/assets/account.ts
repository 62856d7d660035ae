// What an AWS account is as an IAsset (schema/asset.graphql): accounts are not a registered asset type (nothing
// collects them as assets), but the named checks of whole accounts (AWSLogging1) return them, and Cyscale's
// `...AssetFragment` is spread on them. The store's account filter and the GraphQL resolvers read these values.

/**
 * Cyscale's name of a connected cloud account: the subject of its account-level rules (aws-logging-1, whose query is
 * `AWSLogging1`, judges `Connector`).
 */
export const ACCOUNT_INTERNAL_ASSET_TYPE = 'Connector';

/** The account's category beside the registered types' (AssetTypeDefinition.assetCategory). */
export const ACCOUNT_ASSET_CATEGORY = 'Account';

/** An account has no region: '' (the empty-string rule: absent, not unknown). */
export const ACCOUNT_REGION = '';
