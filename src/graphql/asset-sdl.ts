// The GraphQL of every asset type that is the same for all of them, generated from the registry (docs/architecture.md,
// "The registry"): root fields, connection, aggregate and options types, Account.<plural>, and relation fields in both
// directions. A type's own object type (its fields and their descriptions) stays hand-written in schema/<type>.graphql;
// its Where, Sort and GroupField inputs are generated from that SDL (src/graphql/filters.ts).
import type { AssetRelation, AssetTypeDefinition } from '../assets/definition.js';
import { nounsOf } from '../assets/registry.js';

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** The generated root query fields of a type. */
export function rootFieldsOf(type: AssetTypeDefinition): { list: string; connection: string; aggregate: string; byId: string } {
  return {
    list: type.plural,
    connection: `${type.plural}Connection`,
    aggregate: `${type.plural}Aggregate`,
    byId: type.name.charAt(0).toLowerCase() + type.name.slice(1),
  };
}

/** The generated input and enum types of a type. */
export function inputTypesOf(type: AssetTypeDefinition): { where: string; sort: string; groupField: string; options: string } {
  return { where: `${type.name}Where`, sort: `${type.name}Sort`, groupField: `${type.name}GroupField`, options: `${type.name}Options` };
}

/** A relation field as seen from one end: the type holding it, its field, the other type, and its cardinality. */
export interface RelationEnd {
  /** The type the field is on. */
  holder: string;
  field: string;
  /** The type the field leads to. */
  target: string;
  cardinality: 'one' | 'many';
  /** The definition's relation, declared on `declaredOn`. */
  relation: AssetRelation;
  declaredOn: string;
  inverse: boolean;
}

/** Every relation field of the registered types: each declared relation, and its inverse on the target when named. */
export function relationEnds(types: readonly AssetTypeDefinition[]): RelationEnd[] {
  const names = new Set(types.map((type) => type.name));
  return types.flatMap((type) =>
    type.relations.flatMap((relation): RelationEnd[] => {
      if (!names.has(relation.target)) {
        throw new Error(`schema: ${type.name}.${relation.field} leads to ${relation.target}, which is not a registered asset type`);
      }
      const ends: RelationEnd[] = [
        { holder: type.name, field: relation.field, target: relation.target, cardinality: relation.cardinality, relation, declaredOn: type.name, inverse: false },
      ];
      if (relation.inverse) {
        ends.push({
          holder: relation.target,
          field: relation.inverse.field,
          target: type.name,
          cardinality: relation.inverse.cardinality,
          relation,
          declaredOn: type.name,
          inverse: true,
        });
      }
      return ends;
    }),
  );
}

/** A block-string description, indented for a field. */
const fieldDescription = (text: string): string[] =>
  text.includes('\n') ? ['  """', ...text.split('\n').map((line) => `  ${line}`), '  """'] : [`  ${JSON.stringify(text)}`];

const NESTED_LIST = 'Without `limit`, at most 100 over HTTP (an error if there are more)';

function relationFieldSdl(end: RelationEnd, types: ReadonlyMap<string, AssetTypeDefinition>): string[] {
  const holder = nounsOf(types.get(end.holder)!);
  const target = nounsOf(types.get(end.target)!);
  // The matched fields, read from the holder's side: a declared relation matches its `from` with the target's `to`.
  const [own, theirs] = end.inverse ? [end.relation.to, end.relation.from] : [end.relation.from, end.relation.to];
  if (end.cardinality === 'one') {
    return [
      ...fieldDescription(`The ${target.one} whose ${theirs} is this ${holder.one}'s ${own}, when the inventory holds it; null otherwise.`),
      `  ${end.field}: ${end.target}`,
    ];
  }
  return [
    ...fieldDescription(`The live ${target.many} whose ${theirs} is this ${holder.one}'s ${own}, by id. ${NESTED_LIST}.`),
    `  ${end.field}(limit: Int, offset: Int): [${end.target}!]!`,
  ];
}

/**
 * The SDL generated for each type: its page, aggregate and options types, root fields, Account.<plural> and relations.
 * A relation field the hand-written SDL already declares (`declared`: field names by type, extensions included) keeps
 * its own description and is not generated again.
 */
export function assetTypesSdl(types: readonly AssetTypeDefinition[], declared: ReadonlyMap<string, ReadonlySet<string>> = new Map()): string {
  const byName = new Map(types.map((type) => [type.name, type]));
  const sdl: string[] = [];
  for (const type of types) {
    const { one, many } = nounsOf(type);
    const root = rootFieldsOf(type);
    const inputs = inputTypesOf(type);
    const name = type.name;
    sdl.push(
      `"A page of ${many} (Relay cursor connections)."`,
      `type ${name}Connection {`,
      `  edges: [${name}Edge!]!`,
      '  pageInfo: PageInfo!',
      `  "How many ${many} match \`where\`, on every page together."`,
      '  totalCount: Int!',
      '}',
      '',
      `type ${name}Edge {`,
      `  "Opaque; pass it as \`after\` (with the same sort) for the ${many} after this one."`,
      '  cursor: String!',
      `  node: ${name}!`,
      '}',
      '',
      `"Counts over the ${many} matching a filter, each in one SQL statement."`,
      `type ${name}Aggregate {`,
      '  count: Int!',
      `  "One entry per value of the field, most frequent first (then by value, unknown last). ${NESTED_LIST}."`,
      `  countBy(field: ${inputs.groupField}!, limit: Int, offset: Int): [GroupCount!]!`,
      '}',
      '',
      `input ${inputs.options} {`,
      '  "At most the server\'s maximum page size (10000 unless configured lower). Without it, every match over HTTP up to that size: more is an error."',
      '  limit: Int',
      '  offset: Int',
      '  "Applied in order; ties are broken by id, so the order is stable."',
      `  sort: [${inputs.sort}!]`,
      `  "Also return ${many} a successful sync no longer sees (deletedAt set); default false."`,
      '  includeDeleted: Boolean',
      '}',
      '',
      'extend type Query {',
      `  "${capitalized(many)} matching \`where\`, deleted ${many} excluded. A plain list: stored checks compare it with []."`,
      `  ${root.list}(where: ${inputs.where}, options: ${inputs.options}): [${name}!]!`,
      `  "One ${one} by id (its ARN), deleted or not."`,
      `  ${root.byId}(id: ID!): ${name}`,
      '  """',
      `  ${capitalized(many)} matching \`where\` a page at a time, deleted ${many} excluded, in the order of \`sort\` then id (by id when no`,
      "  sort is given). `first` is 100 unless given, and at most the server's maximum page size. A cursor holds the sort",
      `  values of its ${one}, so pages neither skip nor repeat ${many} when others are added or removed between requests.`,
      '  """',
      `  ${root.connection}(where: ${inputs.where}, first: Int, after: String, sort: [${inputs.sort}!]): ${name}Connection!`,
      `  "Counts over the ${many} matching \`where\`, deleted ${many} excluded."`,
      `  ${root.aggregate}(where: ${inputs.where}): ${name}Aggregate!`,
      '}',
      '',
      'extend type Account {',
      ...fieldDescription(
        `The live ${many} that apply to the account: ${type.accountListNote ?? `every ${one} a sync of the account listed, by ARN.`}\n` +
          `${NESTED_LIST}; \`limit\` is at most the maximum page size.`,
      ),
      `  ${root.list}(limit: Int, offset: Int): [${name}!]!`,
      '}',
      '',
    );
  }
  const ends = relationEnds(types).filter((end) => !declared.get(end.holder)?.has(end.field));
  for (const holder of new Set(ends.map((end) => end.holder))) {
    sdl.push(`extend type ${holder} {`, ...ends.filter((end) => end.holder === holder).flatMap((end) => relationFieldSdl(end, byName)), '}', '');
  }
  return sdl.join('\n');
}
