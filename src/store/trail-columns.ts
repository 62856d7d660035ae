// The trails table, field by field: which column feeds each API field, and how its values are typed.
// The where compiler, the row mapper and the writer all read this one list.
import { TRAIL } from '../assets/trail.js';
import { assetColumns, isComputed, isConstant, isWrittenFromRecord, type AssetColumn } from './asset-columns.js';
import { SQLITE_DIALECT, type Dialect } from './dialect.js';

export type TrailColumn = AssetColumn;
export { isComputed, isConstant };

/** The trails table's fields, in the SQL of one dialect: read from the Trail definition. */
export function trailColumns(d: Dialect): readonly TrailColumn[] {
  return assetColumns(TRAIL, d);
}

/** The catalog as a dialect's store uses it: the columns, by field, those a sync writes, and the full select list. */
export interface TrailCatalog {
  columns: readonly TrailColumn[];
  byField: ReadonlyMap<string, TrailColumn>;
  content: readonly TrailColumn[];
  allValues: string;
}

export function trailCatalog(d: Dialect): TrailCatalog {
  const columns = trailColumns(d);
  return {
    columns,
    byField: new Map(columns.map((c) => [c.field, c])),
    // The columns a sync writes from a TrailRecord (everything but the constants, the id alias and bookkeeping).
    content: columns.filter(isWrittenFromRecord),
    // Every value a trail row maps from: all stored columns, and the computed ones under their aliases.
    allValues: ['trails.*', ...columns.filter(isComputed).map((c) => `${c.sql} AS ${c.name}`)].join(', '),
  };
}

const SQLITE_CATALOG = trailCatalog(SQLITE_DIALECT);

export const TRAIL_COLUMNS: readonly TrailColumn[] = SQLITE_CATALOG.columns;

export const TRAIL_COLUMNS_BY_FIELD: ReadonlyMap<string, TrailColumn> = SQLITE_CATALOG.byField;

/** The columns a sync writes from a TrailRecord (everything but the constants, the id alias and bookkeeping). */
export const TRAIL_CONTENT_COLUMNS: readonly TrailColumn[] = SQLITE_CATALOG.content;

/** Every value a trail row maps from: all stored columns, and the computed ones under their aliases. */
export const ALL_TRAIL_VALUES = SQLITE_CATALOG.allValues;
