// What every asset has in common (README, Querying): the GraphQL interface Asset mirrors it.

export interface Tag {
  key: string;
  value: string;
}

/** A call that failed while collecting one asset: the attribute it feeds is unknown, and this says why. */
export interface CollectionError {
  operation: string;
  code: string;
  message: string;
}

export type Provider = 'aws';

/**
 * What a collector hands the sync for one asset (src/assets/definition.ts). Strings AWS leaves out are ''; `null` means
 * the call that feeds the attribute failed, and collectionErrors says why. The type's fields are the record's keys of
 * the same names.
 */
export interface CollectedAsset {
  arn: string;
  name: string;
  accountId: string;
  region: string;
  /** null when the tags could not be read. */
  tags: Tag[] | null;
  collectionErrors: CollectionError[];
  /** The API responses the record was built from, keyed by operation. */
  raw: Record<string, unknown>;
}
