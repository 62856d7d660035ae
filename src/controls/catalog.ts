// Loads the control catalog (controls/**/*.yaml) and refuses any control it cannot evaluate, naming the file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import {
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  parse,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type FieldNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { InventoryApi } from '../graphql/execute.js';
import { normalizeFilterDocument } from '../graphql/filter-syntax.js';
import { withStoredFragments } from '../graphql/fragments.js';
import { ASSET_TYPE_NAMES, assetType as registeredType } from '../assets/registry.js';
import { CONTROLS_DIR } from '../paths.js';
import { listsFailures, parseExpectation, type Expectation } from './expect.js';

const text = z.string().trim().min(1);

const ControlFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    title: text,
    severity: z.enum(['low', 'medium', 'high', 'critical']),
    provider: z.enum(['aws']),
    assetTypes: z.array(z.string()).min(1),
    description: text,
    rationale: text,
    impact: text,
    query: text,
    /** The assets the control evaluates, its denominator: one root list field; by default the query's root field unfiltered. */
    evaluates: text.optional(),
    /**
     * The assets the inventory cannot decide (e.g. a trail whose key's account is not synced): one root list field of
     * assets. While any is returned, the control is never PASS (README, Controls: "Undecided assets").
     */
    undecided: text.optional(),
    expect: text,
    remediation: z.object({ console: text, cli: text, keyPolicyStatements: text.optional(), terraform: text.optional() }).strict(),
    references: z
      .object({
        cis: z.array(z.object({ benchmark: text, version: text, id: text }).strict()),
        cce: z.array(z.string().regex(/^CCE-\d+-\d$/, 'a CCE id such as CCE-78919-8')),
        links: z.array(z.url()),
      })
      .strict(),
  })
  .strict();

export type ControlFile = z.infer<typeof ControlFileSchema>;

/** One stored query of a control: the result it must give, and the assets it evaluates (its denominator). */
export interface ControlRule {
  /** How reasons and `controls validate` name it: `query` for a YAML control, `rule 2 (<query slug>)` in Cyscale's layout. */
  label: string;
  /** The inventories its verdict depends on (registry type names). */
  assetTypes: string[];
  expectation: Expectation;
  /** The stored query as a runnable document: `{ <query> }` with the stored fragments it needs. */
  document: DocumentNode;
  /** The one root field whose value the expectation is compared with. */
  rootField: string;
  /** `{ <evaluates> }`, or the query's root field with no arguments, selecting each asset's id and account. */
  evaluatesDocument: DocumentNode;
  /** From each item the query returns to the asset it judges (Cyscale's returnPath, e.g. ['kmsKey']); [] for the item itself. */
  returnPath: readonly string[];
  /** The evaluates query takes `$failedAssetsIdentifiers` (the failing assets' ids) and returns the applicable assets that did not fail. */
  evaluatesTakesFailing: boolean;
  /** `{ <undecided> }` with the engine's identity fields: the assets the inventory cannot decide; absent when the control has none. */
  undecidedDocument?: DocumentNode;
  /** The root field of undecidedDocument. */
  undecidedRootField?: string;
  /**
   * Without an undecided query (Cyscale's layout): the nullable fields the query reads, by type. An evaluated asset with
   * one of them null (a call failed for it) is undecided, so a denied call never leaves the rule passing.
   */
  nullableFieldsRead?: Readonly<Record<string, readonly string[]>>;
}

/** A rule for AWS that the inventory cannot evaluate (yet), and why: the control it belongs to is never PASS. */
export interface NotEvaluatedRule {
  rule: string;
  reason: string;
}

/** What every control has, whichever layout it was read from (ours, or Cyscale's: src/controls/cyscale.ts). */
export interface Control extends Omit<ControlFile, 'query' | 'expect' | 'evaluates' | 'undecided'> {
  /** The file it was loaded from, relative to the catalog folder. */
  file: string;
  /** What it runs: it holds only when every rule holds. A YAML control is one rule. */
  rules: ControlRule[];
  /** Its rules for AWS that cannot be evaluated: while there is one, the control is not PASS. */
  notEvaluated: NotEvaluatedRule[];
  /** Its rules for other clouds, left out (not ours to run), as `controls validate` lists them. */
  otherClouds: string[];
}

/** A control of our YAML layout: one query, its only rule, whose parts are also its own. */
export interface YamlControl extends Control, ControlFile, Omit<ControlRule, 'label' | 'returnPath' | 'evaluatesTakesFailing'> {}

/** A control file that cannot be used: the message names the file and what is wrong. */
export class ControlLoadError extends Error {
  override name = 'ControlLoadError';
}

export function loadCatalog(api: InventoryApi, dir = CONTROLS_DIR): YamlControl[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ControlLoadError(`${dir}: the control catalog folder does not exist`);
  const files = yamlFiles(dir);
  if (files.length === 0) throw new ControlLoadError(`${dir}: the control catalog folder holds no .yaml control files`);
  const controls = files.map((file) => loadControl(api, file, dir));
  const seen = new Map<string, string>();
  for (const control of controls) {
    const other = seen.get(control.id);
    if (other) throw new ControlLoadError(`${control.file}: control id "${control.id}" is also used by ${other}`);
    seen.set(control.id, control.file);
  }
  return controls.sort((a, b) => a.id.localeCompare(b.id));
}

export function loadControl(api: InventoryApi, path: string, root = CONTROLS_DIR): YamlControl {
  const file = relative(root, path) || basename(path);
  const fail = (message: string): never => {
    throw new ControlLoadError(`${file}: ${message}`);
  };

  let content: unknown;
  try {
    content = parseYaml(readFileSync(path, 'utf8'), { prettyErrors: true });
  } catch (error) {
    fail(`not valid YAML: ${(error as Error).message}`);
  }
  const parsed = ControlFileSchema.safeParse(content);
  if (!parsed.success) {
    fail(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; '));
  }
  const control = parsed.data!;
  if (basename(path, '.yaml') !== control.id) fail(`the file must be named after the control id: ${control.id}.yaml`);
  for (const assetType of control.assetTypes) {
    // The registry (src/assets/registry.ts) lists every type a control may name.
    if (!registeredType(assetType)) {
      fail(`assetTypes: unknown asset type "${assetType}" (known: ${ASSET_TYPE_NAMES.join(', ')})`);
    }
  }

  let expectation: Expectation;
  try {
    expectation = parseExpectation(control.expect);
  } catch (error) {
    return fail(`expect: ${(error as Error).message}`);
  }

  let document: DocumentNode;
  try {
    // Stored checks may use either filter syntax (README, Querying): validated and run in the schema's.
    document = normalizeFilterDocument(api.schema, withStoredFragments(parse(`{ ${control.query} }`), api.fragments));
  } catch (error) {
    return fail(`query does not parse: ${(error as Error).message}`);
  }
  const errors = validate(api.schema, document, [...specifiedRules, ...api.validationRules]);
  if (errors.length > 0) fail(`query does not validate against the schema: ${errors.map((e) => e.message).join('; ')}`);
  const vacuous = vacuousParts(document);
  if (vacuous.length > 0) fail(`query can never return an asset, so "${control.expect}" would pass by construction: ${vacuous.join('; ')}`);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const roots = operation.selectionSet.selections;
  if (roots.length !== 1 || roots[0]!.kind !== Kind.FIELD) fail('query must select exactly one root field, e.g. trails(...){...}');
  const rootField = roots[0] as FieldNode;
  // The engine names each failing asset itself: the query need not select id, accountId or region (README, Controls).
  const identified = withIdentityFields(api.schema, document, rootField);
  if (typeof identified === 'string') {
    if (listsFailures(expectation))
      fail(`query: under "${control.expect}" every item it returns is a failing asset, so it must return assets or accounts: ${identified}`);
  } else {
    document = identified;
  }

  const evaluates = control.evaluates ?? `${rootField.name.value} { id accountId }`;
  let evaluatesDocument: DocumentNode;
  try {
    evaluatesDocument = normalizeFilterDocument(api.schema, parse(`{ ${evaluates} }`));
  } catch (error) {
    return fail(`evaluates does not parse: ${(error as Error).message}`);
  }
  const evaluatesErrors = validate(api.schema, evaluatesDocument, [...specifiedRules, ...api.validationRules]);
  if (evaluatesErrors.length > 0) fail(`evaluates does not validate against the schema: ${evaluatesErrors.map((e) => e.message).join('; ')}`);
  const evaluatesVacuous = vacuousParts(evaluatesDocument);
  if (evaluatesVacuous.length > 0) fail(`evaluates would leave assets out of the denominator: ${evaluatesVacuous.join('; ')}`);
  const evaluatesRoots = evaluatesDocument.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!.selectionSet.selections;
  const selects = (name: string) =>
    evaluatesRoots[0]?.kind === Kind.FIELD && evaluatesRoots[0].selectionSet?.selections.some((f) => f.kind === Kind.FIELD && f.name.value === name && !f.alias);
  if (evaluatesRoots.length !== 1 || !selects('id') || !selects('accountId')) {
    fail('evaluates must select exactly one root field, and id and accountId of its items, e.g. trails { id accountId }');
  }

  const undecided = control.undecided === undefined ? {} : undecidedQuery(api, control.undecided, fail);
  const rule = { assetTypes: control.assetTypes, expectation, document, rootField: rootField.alias?.value ?? rootField.name.value, evaluatesDocument, ...undecided };
  return { ...control, ...rule, file, rules: [{ ...rule, label: 'query', returnPath: [], evaluatesTakesFailing: false }], notEvaluated: [], otherClouds: [] };
}

/** The `undecided` query as a runnable document with the engine's identity fields, checked as the query is. */
function undecidedQuery(api: InventoryApi, text: string, fail: (message: string) => never): { undecidedDocument: DocumentNode; undecidedRootField: string } {
  let document: DocumentNode;
  try {
    document = normalizeFilterDocument(api.schema, withStoredFragments(parse(`{ ${text} }`), api.fragments));
  } catch (error) {
    return fail(`undecided does not parse: ${(error as Error).message}`);
  }
  const errors = validate(api.schema, document, [...specifiedRules, ...api.validationRules]);
  if (errors.length > 0) fail(`undecided does not validate against the schema: ${errors.map((e) => e.message).join('; ')}`);
  const vacuous = vacuousParts(document);
  if (vacuous.length > 0) fail(`undecided can never return an asset, so the control could pass on assets it cannot decide: ${vacuous.join('; ')}`);
  const roots = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!.selectionSet.selections;
  if (roots.length !== 1 || roots[0]!.kind !== Kind.FIELD) fail('undecided must select exactly one root field, e.g. trailsByKeyUsability(verdict: UNKNOWN){...}');
  const root = roots[0] as FieldNode;
  const identified = withIdentityFields(api.schema, document, root);
  if (typeof identified === 'string') return fail(`undecided must return assets: ${identified}`);
  return { undecidedDocument: identified, undecidedRootField: root.alias?.value ?? root.name.value };
}

/** Aliases under which the engine selects each returned item's identity, whatever the stored query selects. */
export const IDENTITY_ALIASES = {
  id: '_identityId',
  accountId: '_identityAccountId',
  region: '_identityRegion',
  name: '_identityName',
  assetType: '_identityAssetType',
  __typename: '_identityTypename',
} as const;

/**
 * The document with the identity fields (IDENTITY_ALIASES) added to the selection of the assets it returns (the root
 * field's items, or what `path` leads to from each: Cyscale's returnPath), or why it cannot have them: those are not
 * objects with an id and an accountId.
 */
export function withIdentityFields(schema: GraphQLSchema, document: DocumentNode, root: FieldNode, path: readonly string[] = []): DocumentNode | string {
  const field = schema.getQueryType()?.getFields()[root.name.value];
  if (!field) return `${root.name.value} is not a query field`;
  if (!isListType(getNullableType(field.type)) || !(isObjectType(getNamedType(field.type)) || isInterfaceType(getNamedType(field.type)))) {
    return `${root.name.value} returns ${field.type.toString()}, not a list of assets`;
  }
  // Follow the path through the query's own selections: what it leads to is the asset each item names.
  let target = root;
  let type: GraphQLOutputType = field.type;
  for (const [index, key] of path.entries()) {
    const parent = getNamedType(type);
    const next = target.selectionSet?.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && (s.alias?.value ?? s.name.value) === key);
    const nextField = next && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[next.name.value] : undefined;
    if (!next || !nextField) return `returnPath "${path.join('.')}": the query selects no field "${key}" at ${[root.name.value, ...path.slice(0, index)].join('.')}`;
    target = next;
    type = nextField.type;
  }
  const itemType = getNamedType(type);
  const where = [root.name.value, ...path].join('.');
  if (!(isObjectType(itemType) || isInterfaceType(itemType))) return `${where} returns ${type.toString()}, not assets`;
  const fields = itemType.getFields();
  const missing = ['id', 'accountId'].filter((name) => !(name in fields));
  if (missing.length > 0) return `${where} returns ${itemType.name} items, which have no ${missing.join(' or ')}`;
  const identity: FieldNode[] = Object.entries(IDENTITY_ALIASES)
    .filter(([name]) => name === '__typename' || name in fields)
    .map(([name, alias]) => ({ kind: Kind.FIELD, alias: { kind: Kind.NAME, value: alias }, name: { kind: Kind.NAME, value: name } }));
  return visit(document, {
    Field(node) {
      if (node !== target) return undefined;
      return { ...node, selectionSet: { kind: Kind.SELECTION_SET, selections: [...(node.selectionSet?.selections ?? []), ...identity] } };
    },
  });
}

/** Parts of a stored query that hide assets from the check: a page limit, or filters that match nothing. */
export function vacuousParts(document: DocumentNode): string[] {
  const problems: string[] = [];
  // The page arguments of a root list (accounts(limit: 1)) cut its assets like options.limit does.
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const root of definition.selectionSet.selections) {
      if (root.kind !== Kind.FIELD) continue;
      for (const argument of root.arguments ?? []) {
        const name = argument.name.value;
        if (name === 'limit' || name === 'offset') problems.push(`${root.name.value}(${name}) (a check must see every asset)`);
      }
    }
  }
  visit(document, {
    Argument(node) {
      if (node.name.value !== 'options' || node.value.kind !== Kind.OBJECT) return;
      for (const field of node.value.fields) {
        if (field.name.value === 'limit' || field.name.value === 'offset') problems.push(`options.${field.name.value} (a check must see every asset)`);
      }
    },
    ObjectField(node) {
      const name = node.name.value;
      const emptyList = node.value.kind === Kind.LIST && node.value.values.length === 0;
      if (emptyList && (name === 'OR' || (name.endsWith('_IN') && !name.endsWith('_NOT_IN')))) problems.push(`${name}: [] matches nothing`);
      if (name === 'NOT' && node.value.kind === Kind.OBJECT && node.value.fields.length === 0) problems.push('NOT: {} matches nothing');
    },
  });
  return problems;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      if (entry.endsWith('.yml')) throw new ControlLoadError(`${path}: control files end in .yaml`);
      return entry.endsWith('.yaml') ? [path] : [];
    });
}
