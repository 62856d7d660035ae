// What an asset type is, in one declaration (docs/architecture.md, "The registry"): its API type and fields, the table
// and columns they are stored in, its identity, its relations, what its history tracks, the collector that gathers it,
// the IAM actions that collector needs, and whether it is listed per region or once per account. The store, the
// GraphQL schema, the sync, coverage, permissions, metrics, `store copy` and the control engine read these
// declarations; nothing else names an asset type.
import type { CollectedAsset } from '../model/asset.js';

export type { CollectedAsset };

/** How a field's values are typed: what its filters may compare and how its column is written and read. */
export type FieldKind = 'string' | 'enum' | 'boolean' | 'datetime' | 'integer' | 'json';

/** A path into a JSON value: object keys and array indexes, e.g. ['fieldSelectors', 0, 'field']. */
export type JsonPath = readonly (string | number)[];

/** The kinds of value a JSON field may hold at a leaf, for its filters. */
export type JsonScalarKind = 'string' | 'boolean' | 'integer' | 'number';

/**
 * What a JSON field holds, as its filters see it (README, Querying: "Filters into JSON"): a scalar kind, a list of one
 * shape (`['string']`, `[{ effect: 'string' }]`), or an object of named shapes. It mirrors the field's SDL type, which
 * the schema build checks it against; the store compiles filters from it alone.
 */
export type JsonShape = JsonScalarKind | readonly [JsonShape] | JsonObjectShape;

/** An object inside a JSON field: its keys and what each holds. */
export interface JsonObjectShape {
  readonly [key: string]: JsonShape;
}

/**
 * The SQL a computed field may be written with, in the dialect of the store that reads it (SQLite or PostgreSQL): a
 * definition never writes engine-specific SQL itself.
 */
export interface SqlExpressions {
  /** A text constant usable anywhere an expression is, ORDER BY included. */
  textConstant(value: string): string;
  /** A FROM item iterating the elements of a JSON array, each as `${alias}.value`. */
  jsonElements(json: string, alias: string): string;
  /** The empty JSON array, as a value of the JSON columns' type. */
  readonly emptyJsonArray: string;
  /** The JSON value at `path`: a scalar for SQLite (booleans are 0/1), jsonb for PostgreSQL. */
  jsonValue(json: string, path: JsonPath): string;
  /** The string at `path`, as text. */
  jsonText(json: string, path: JsonPath): string;
  /** Whether the value at `path` is JSON true (NULL when absent). */
  jsonIsTrue(json: string, path: JsonPath): string;
  /** The length of the array at `path` (NULL when absent). */
  jsonArrayLength(json: string, path: JsonPath): string;
  /** A JSON array of strings, comparable with jsonValue of an array. */
  jsonStringArray(values: readonly string[]): string;
  /** A FROM item over the elements of the array at `path` in `json` (none when it is not an array), each as `${alias}.value`. */
  jsonArrayElements(json: string, path: JsonPath, alias: string): string;
  /** An element of jsonArrayElements that is a string, as text (NULL for any other element). */
  jsonElementText(alias: string): string;
  /** A JSON object of the named values (each SQL giving text, or JSON from the expressions here). */
  jsonObject(entries: readonly (readonly [key: string, value: string])[]): string;
  /** A JSON true or false from a predicate (false when it is NULL). */
  jsonBoolean(predicate: string): string;
  /** The JSON array of `value` over the rows of `rows` (a FROM ... WHERE ...), in `order`; the empty array when none. */
  jsonArrayOf(value: string, rows: string, order: string): string;
}

/** One field of an asset type beyond those every asset has (src/assets/common.ts). */
export interface AssetField {
  /** The API field, as in the type's SDL (camelCase; Cyscale's name where its control library names the field). */
  field: string;
  /** The column of the type's table; for a computed field, the alias its expression is selected as. */
  column: string;
  kind: FieldKind;
  /** Whether NULL can occur: a value that could not be collected (the empty-string rule: an absent string is ''). */
  nullable: boolean;
  /** Computed on read from the row (written over the type's table name), never stored. */
  computed?: (sql: SqlExpressions) => string;
  /** Whether the change history records this field's changes (computed fields never). */
  history?: boolean;
  /** Changes on its own (a delivery time): not configuration, so a change of it alone is no "changed". */
  volatile?: boolean;
  /**
   * For a 'json' field: what it holds, which makes it filterable inside (`keyPolicy: {statements_SOME: {...}}`,
   * `aliases_INCLUDES: "alias/x"`). Without it, the field is not filterable.
   */
  shape?: JsonShape;
}

/** A link from one asset type to another, followed by a GraphQL field and filterable from both ends. */
export interface AssetRelation {
  /** The field on this type (`kmsKey` on Trail). */
  field: string;
  /** The related type's name (`KmsKey`). */
  target: string;
  /** 'one': at most one related asset; 'many': a list. */
  cardinality: 'one' | 'many';
  /** This type's field whose value is matched (`kmsKeyID`). */
  from: string;
  /** The related type's field it must equal (`arn`). */
  to: string;
  /** The field on the related type that lists the assets pointing at it (`trails` on KmsKey), with its cardinality. */
  inverse?: { field: string; cardinality: 'one' | 'many' };
}

/** The most items one asset holds in a list of its row, and the documented quota that says so. */
export interface RowListQuota {
  /** Per asset, across every item that encloses the list (250 data resources across all of a trail's event selectors). */
  most: number;
  /** The service's documented quota it comes from, or how a documented limit bounds it. */
  why: string;
}

/**
 * The lists of objects held in an asset's own row (JSON columns read with it, like `raw`): they take no page arguments,
 * so each is bounded by a quota of the service per asset, which the request cost counts once per asset
 * (src/server/limits.ts) and the resolvers hold the stored rows to (README "Request limits").
 */
export interface RowLists {
  /** Whose quotas they are, as errors name it: "more than CloudTrail allows per trail". */
  service: string;
  /**
   * By SDL coordinate: the type's own lists (`Trail.eventSelectors`) and those inside their objects
   * (`EventSelector.dataResources`). Every list of objects in the type's SDL that is neither paged (limit and offset)
   * nor a relation must have one: the registry test walks the SDL to prove it.
   */
  quotas: Readonly<Record<string, RowListQuota>>;
}

/** An asset type: one of these per type, listed in src/assets/registry.ts. */
export interface AssetTypeDefinition<TRecord extends CollectedAsset = CollectedAsset> {
  /** The GraphQL type and the `assetType` value (`Trail`, `KmsKey`). */
  name: string;
  /** The root query field (`trails`, `kmsKeys`); also `<plural>Connection`, `<plural>Aggregate` and `Account.<plural>`. */
  plural: string;
  /** The table its assets are stored in. */
  table: string;
  /** One line for the API's descriptions and the README. */
  description: string;
  /**
   * Cyscale's name of the type (`internalAssetType` in the API, schema/asset.graphql IAsset): `Trail`, `KMSKey`, as
   * the subjects of its control library's rules name them.
   */
  internalAssetType: string;
  /**
   * The security domain the type belongs to (`assetCategory` in the API): `Logging` for records of activity, `Encryption`
   * for keys, then `Storage`, `Compute`, `Network`, `Identity`, `Database` as types come (README, Querying: "Cyscale's
   * asset fields"). A coarse grouping for reports and filters, one value per type.
   */
  assetCategory: string;
  /**
   * Its assets can settle a check of another account: the organization trail's monitoring chain (metric filter, alarm,
   * topic) lives in the management account and serves every member. A gap in it then leaves no account-level failure
   * certain (src/controls/evaluate.ts): what is missing elsewhere could complete the account's chain.
   */
  servesOtherAccounts?: boolean;
  /** 'regional': listed in every region of an account; 'account': listed once per account (from one region). */
  scope: 'regional' | 'account';
  /** The collector that gathers it, as recorded in sync runs and coverage (`aws.cloudtrail.trails`). */
  collector: string;
  /** Every IAM action its collector calls: `inventory permissions` prints them, a test holds the collector to them. */
  iamActions: readonly string[];
  /** The fields beyond the common ones, in the order of the type's SDL. */
  fields: readonly AssetField[];
  relations: readonly AssetRelation[];
  /** The lists of objects its row holds, each with its quota per asset; none when it holds none. */
  rowLists?: RowLists;
  /**
   * Names the controls' remediations give its attributes where they differ from the attribute's own, as placeholder
   * names (`log_bucket_name` for a trail's `s3_bucket_name`): `inventory remediate` fills both (src/controls/remediate.ts).
   */
  placeholderAliases?: Readonly<Record<string, string>>;
  /** How the API's generated descriptions name its assets; default from `name` and `plural` ('kms key', 'kms keys'). */
  nouns?: { one: string; many: string };
  /**
   * How the description of `Account.<plural>` goes on after "The live <many> that apply to the account: ": which assets
   * apply, and a filter example (lines may break with \n). Default: "every <one> a sync of the account listed, by ARN."
   */
  accountListNote?: string;
  /**
   * Two views of one asset from two scopes (a member account's view of an organization trail): what the later view
   * could not read keeps the earlier known value. Without it, the later view wins whole.
   */
  mergeViews?(earlier: TRecord, later: TRecord): TRecord;
  /**
   * The record without what changes on its own, so that a changed configuration can be told apart ('changed' in a
   * scope's counts). Without it, the record without its volatile fields.
   */
  configuration?(record: TRecord): object;
}
