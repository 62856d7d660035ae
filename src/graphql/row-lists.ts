// The lists held in an asset's row (AssetTypeDefinition.rowLists), checked against the quotas the request cost counted
// them by (README "Request limits"): over HTTP, a stored row holding more than its service allows per asset is an
// error, never an answer larger than the cost's bound. Generated for every type from its SDL and its declared quotas.
import { GraphQLError, Kind, parse, type TypeNode } from 'graphql';
import type { AssetTypeDefinition } from '../assets/definition.js';
import { nounsOf } from '../assets/registry.js';
import type { AssetRow } from './asset-reader.js';
import type { GraphQLContext } from './context.js';

/** A field of an object type as the SDL declares it: its named type and whether it is a list. */
interface SdlField {
  name: string;
  type: string;
  list: boolean;
}

const namedType = (type: TypeNode): string => (type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type));
const isList = (type: TypeNode): boolean => type.kind === Kind.LIST_TYPE || (type.kind === Kind.NON_NULL_TYPE && isList(type.type));

/** The fields of every object type in the SDL, extensions included. */
function sdlObjectFields(typeDefs: readonly string[]): Map<string, SdlField[]> {
  const types = new Map<string, SdlField[]>();
  for (const definition of typeDefs.flatMap((sdl) => parse(sdl).definitions)) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const fields = types.get(definition.name.value) ?? [];
    for (const field of definition.fields ?? []) fields.push({ name: field.name.value, type: namedType(field.type), list: isList(field.type) });
    types.set(definition.name.value, fields);
  }
  return types;
}

/** A field to walk when counting: a row list (its coordinate set), or a field whose objects hold row lists. */
interface CountStep {
  field: string;
  coordinate?: string;
  type: string;
}

/**
 * For each object type that holds row lists (itself or inside its fields' objects), the fields to walk. Asset types
 * are not entered from another type: their row lists are counted per asset, by their own resolvers.
 */
function countPlans(types: Map<string, SdlField[]>, quotas: ReadonlySet<string>, assetTypes: ReadonlySet<string>) {
  const plans = new Map<string, CountStep[]>();
  const visiting = new Set<string>();
  const holdsRowLists = (typeName: string): boolean => {
    if (plans.has(typeName)) return plans.get(typeName)!.length > 0;
    if (visiting.has(typeName) || !types.has(typeName)) return false;
    visiting.add(typeName);
    const walk = types.get(typeName)!.flatMap((field): CountStep[] => {
      const coordinate = `${typeName}.${field.name}`;
      if (quotas.has(coordinate)) return [{ field: field.name, coordinate, type: field.type }];
      if (assetTypes.has(field.type) || !holdsRowLists(field.type)) return [];
      return [{ field: field.name, type: field.type }];
    });
    visiting.delete(typeName);
    plans.set(typeName, walk);
    return walk.length > 0;
  };
  for (const typeName of types.keys()) holdsRowLists(typeName);
  return plans;
}

/**
 * Resolvers for the fields of an asset type that hold row lists (`Trail.eventSelectors`, or `KmsKey.keyPolicy` whose
 * statements are one): each returns its value from the row as the default resolver would, after counting the items
 * of every row list inside it, per asset, against its quota (the innermost first). In-process, nothing is counted.
 */
export function rowListResolvers(
  assetTypes: readonly AssetTypeDefinition[],
  quotas: Readonly<Record<string, number>>,
  typeDefs: readonly string[],
): Record<string, Record<string, RowResolver>> {
  const plans = countPlans(sdlObjectFields(typeDefs), new Set(Object.keys(quotas)), new Set(assetTypes.map((type) => type.name)));
  return Object.fromEntries(assetTypes.map((type) => [type.name, resolversOf(type, quotas, plans)]));
}

type RowResolver = (asset: AssetRow, args: unknown, context: GraphQLContext) => unknown;

function resolversOf(type: AssetTypeDefinition, quotas: Readonly<Record<string, number>>, plans: ReadonlyMap<string, readonly CountStep[]>) {
  const { one } = nounsOf(type);
  const service = type.rowLists?.service ?? 'AWS';
  const resolvers: Record<string, RowResolver> = {};
  for (const step of plans.get(type.name) ?? []) {
    resolvers[step.field] = (asset, _args, context) => {
      const value = (asset as unknown as Record<string, unknown>)[step.field];
      if (!context.boundedLists || value === null || value === undefined) return value;
      const counts = new Map<string, number>();
      countItems(value, step.coordinate, plans.get(step.type), plans, counts);
      for (const [coordinate, items] of counts) {
        const quota = quotas[coordinate]!;
        if (items > quota) {
          throw new GraphQLError(
            `${one} ${asset.arn} holds ${items} items in ${coordinate}, more than ${service} allows per ${one} (${quota}), which the query's cost counted on`,
          );
        }
      }
      return value;
    };
  }
  return resolvers;
}

/** Adds the items of `value` (a row list when `coordinate` is set) and of the row lists inside it to `counts`. */
function countItems(
  value: unknown,
  coordinate: string | undefined,
  plan: readonly CountStep[] | undefined,
  plans: ReadonlyMap<string, readonly CountStep[]>,
  counts: Map<string, number>,
): void {
  const items = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
  for (const item of plan && plan.length > 0 ? items : []) {
    if (item === null || typeof item !== 'object') continue;
    for (const step of plan!) countItems((item as Record<string, unknown>)[step.field], step.coordinate, plans.get(step.type), plans, counts);
  }
  // After the lists inside it, so that the innermost quota is the one named when several are exceeded.
  if (coordinate !== undefined) counts.set(coordinate, (counts.get(coordinate) ?? 0) + items.length);
}
