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
