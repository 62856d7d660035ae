// The one interface every collector implements (docs/architecture.md, "Collectors"): the sync's account × region loop
// does the account-level work (credentials, STS, enabled regions) once per account, then hands each collector its
// regions and a source of AWS clients. Collectors know nothing of the store: they return scope results.
import type { AssetTypeDefinition } from '../src/assets/definition.js';
import type { CollectedAsset } from '../src/model/asset.js';
import type { ScopeResult } from '../src/model/scope.js';

/** An AWS SDK v3 client class: constructed from a client configuration. */
export type AwsClientClass<C> = new (config: { region: string }) => C;

/** Where a collector gets its AWS clients: one per service and region, with the sync's credentials, retries and limits. */
export interface AwsClients {
  client<C>(Client: AwsClientClass<C>, region: string, service: string): C;
}

/** One account's part of a run for one collector. */
export interface CollectorRun {
  accountId: string;
  /**
   * The regions to list: every region to sync for a regional type; for a type listed once per account, the single
   * region to list it from.
   */
  regions: readonly string[];
  clients: AwsClients;
}

export interface Collector<R extends CollectedAsset = CollectedAsset> {
  /** The asset type it gathers; `definition.collector` is its id, `definition.iamActions` the calls it may make. */
  readonly definition: AssetTypeDefinition<R>;
  /** One scope result per region listed (one in all for a type listed once per account); never throws for AWS errors. */
  collect(run: CollectorRun): Promise<ScopeResult<R>[]>;
}
