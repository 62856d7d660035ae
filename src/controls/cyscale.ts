// Reads a catalog in Cyscale's layout (controls/*.json and queries/*.json, its public control library) as controls of
// this inventory (README, Controls: "Cyscale's layout"). Each rule for AWS becomes a rule of its control, checked as our
// stored queries are; a rule the inventory cannot evaluate yet is kept with the reason, so its control is never PASS.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  getNamedType,
  Kind,
  Lexer,
  parse,
  Source,
  specifiedRules,
  TokenKind,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLType,
  type OperationDefinitionNode,
} from 'graphql';
import { z } from 'zod';
import { ASSET_TYPE_NAMES, ASSET_TYPES, assetType as registeredType } from '../assets/registry.js';
import type { InventoryApi } from '../graphql/execute.js';
import { normalizeFilterSyntax } from '../graphql/filter-syntax.js';
import { withStoredFragments } from '../graphql/fragments.js';
import { ControlLoadError, vacuousParts, withIdentityFields, type Control, type ControlRule, type NotEvaluatedRule } from './catalog.js';
import { listsFailures, parseExpectation } from './expect.js';

/** Cyscale's severities: 1 low … 4 critical. */
const SEVERITIES = { 1: 'low', 2: 'medium', 3: 'high', 4: 'critical' } as const;

/**
 * Cyscale's asset type names (each type's `internalAssetType`: KMSKey, VPC) to the registry's (KmsKey, Vpc); a name
 * not listed here is looked up as it is.
 */
const SUBJECT_TYPES: Readonly<Record<string, string>> = Object.fromEntries(ASSET_TYPES.map((type) => [type.internalAssetType, type.name]));

/** Cyscale's subject for the cloud account itself: the rule is an account-level check. */
const ACCOUNT_SUBJECT = 'Connector';

/** The variable an applicableAssetsQuery receives: the identifiers (for us, the ids) of the assets the rule's query failed. */
const FAILED_VARIABLE = 'failedAssetsIdentifiers';

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const text = z.string().trim().min(1);

const RuleSchema = z.object({
  cloudProviders: z.array(text).min(1),
  comparator: z.enum(['eq', 'neq']),
  expectedResult: z.enum(['[]', 'true', 'false']),
  subjects: z.array(text).min(1),
  query: text,
  applicableAssetsQuery: z.string().nullish(),
  returnPath: z.string().nullish(),
  isManual: z.boolean().nullish(),
});

const ControlSchema = z.object({
  name: text,
  slug: z.string().regex(SLUG, 'lower-case letters, digits and dashes'),
  body: z.string(),
  description: z.string(),
  severity: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  remediationDescription: z.string(),
  rules: z.array(RuleSchema).min(1),
  isEnabled: z.boolean().nullish(),
});

const QuerySchema = z.object({ name: z.string(), slug: z.string().regex(SLUG, 'lower-case letters, digits and dashes'), query: text });

type CyscaleRule = z.infer<typeof RuleSchema>;

/** A stored query of the library: its file (relative to the catalog folder) and its text. */
interface StoredQuery {
  file: string;
  text: string;
}

/** A catalog read from Cyscale's layout: its controls, and what was left out of it and why. */
export interface CyscaleCatalog {
  controls: Control[];
  /** Controls left out whole: no rule for AWS, or disabled in the library. */
  leftOut: string[];
}

/** Whether a folder holds Cyscale's layout: controls/ and queries/, each with .json files. */
export function isCyscaleLayout(dir: string): boolean {
  const hasJson = (sub: string) => {
    const path = join(dir, sub);
    return existsSync(path) && statSync(path).isDirectory() && readdirSync(path).some((entry) => entry.endsWith('.json'));
  };
  return hasJson('controls') && hasJson('queries');
}

export function loadCyscaleCatalog(api: InventoryApi, dir: string): CyscaleCatalog {
  const queries = readQueries(dir);
  const controls: Control[] = [];
  const leftOut: string[] = [];
  const files = readdirSync(join(dir, 'controls'))
    .filter((entry) => entry.endsWith('.json'))
    .sort();
  for (const entry of files) {
    const loaded = loadCyscaleControl(api, `controls/${entry}`, dir, queries);
    if (typeof loaded === 'string') leftOut.push(loaded);
    else controls.push(loaded);
  }
  return { controls: controls.sort((a, b) => a.id.localeCompare(b.id)), leftOut };
}

function readQueries(dir: string): Map<string, StoredQuery> {
  const queries = new Map<string, StoredQuery>();
  for (const entry of readdirSync(join(dir, 'queries')).sort()) {
    if (!entry.endsWith('.json')) continue;
    const file = `queries/${entry}`;
    const parsed = QuerySchema.safeParse(readJson(dir, file));
    if (!parsed.success) throw new ControlLoadError(`${file}: ${issues(parsed.error)}`);
    const query = parsed.data;
    if (entry !== `${query.slug}.json`) throw new ControlLoadError(`${file}: the file must be named after the query slug: ${query.slug}.json`);
    queries.set(query.slug, { file, text: query.query });
  }
  return queries;
}

/** A control, or why it is left out of the catalog whole. */
function loadCyscaleControl(api: InventoryApi, file: string, dir: string, queries: Map<string, StoredQuery>): Control | string {
  const parsed = ControlSchema.safeParse(readJson(dir, file));
  if (!parsed.success) throw new ControlLoadError(`${file}: ${issues(parsed.error)}`);
  const control = parsed.data;
  if (file !== `controls/${control.slug}.json`) throw new ControlLoadError(`${file}: the file must be named after the control slug: ${control.slug}.json`);

  const rules: ControlRule[] = [];
  const notEvaluated: NotEvaluatedRule[] = [];
  const otherClouds: string[] = [];
  for (const [index, rule] of control.rules.entries()) {
    const label = `rule ${index + 1} (${rule.query})`;
    if (!rule.cloudProviders.includes('aws')) {
      otherClouds.push(`${label}: for ${rule.cloudProviders.join(', ')}`);
      continue;
    }
    const where = `${file}: rules[${index}]`;
    const query = queries.get(rule.query);
    if (!query) throw new ControlLoadError(`${where}.query: no query "${rule.query}" in queries/ (expected queries/${rule.query}.json)`);
    const applicable = applicableText(rule, where, queries);
    const compiled = compileRule(api, rule, label, query, applicable);
    if (typeof compiled === 'string') notEvaluated.push({ rule: label, reason: compiled });
    else rules.push(compiled);
  }
  if (rules.length === 0 && notEvaluated.length === 0) return `${file}: left out: no rule for aws (${otherClouds.join('; ')})`;
  if (control.isEnabled === false) return `${file}: left out: disabled in the library (isEnabled: false)`;

  const cce = [...new Set(`${control.body}\n${control.remediationDescription}`.match(/CCE-\d+-\d/g) ?? [])];
  return {
    id: control.slug,
    title: control.name,
    severity: SEVERITIES[control.severity],
    provider: 'aws',
    assetTypes: [...new Set(rules.flatMap((rule) => rule.assetTypes))],
    description: control.body.trim() || control.description,
    rationale: control.description,
    impact: '',
    // Cyscale's remediation is one markdown text: the console steps, with the commands inside it.
    remediation: { console: control.remediationDescription, cli: '' },
    references: { cis: [], cce, links: [] },
    file,
    rules,
    notEvaluated,
    otherClouds,
  };
}

/** The applicableAssetsQuery's text: a slug names a query of queries/, anything else is the query itself. */
function applicableText(rule: CyscaleRule, where: string, queries: Map<string, StoredQuery>): StoredQuery | undefined {
  const value = rule.applicableAssetsQuery?.trim();
  if (!value) return undefined;
  if (!SLUG.test(value)) return { file: `${where}.applicableAssetsQuery`, text: value };
  const query = queries.get(value);
  if (!query) throw new ControlLoadError(`${where}.applicableAssetsQuery: no query "${value}" in queries/ (expected queries/${value}.json)`);
  return query;
}

/** The rule ready to run, or why the inventory cannot evaluate it (a reason, never a PASS). */
function compileRule(api: InventoryApi, rule: CyscaleRule, label: string, query: StoredQuery, applicable: StoredQuery | undefined): ControlRule | string {
  if (rule.isManual) return 'a manual rule: a person decides it, no query does';
  const accountLevel = rule.subjects.includes(ACCOUNT_SUBJECT);
  const subjectTypes = rule.subjects.filter((subject) => subject !== ACCOUNT_SUBJECT).map((subject) => SUBJECT_TYPES[subject] ?? subject);
  const waiting = subjectTypes.filter((type) => !registeredType(type));
  if (waiting.length > 0)
    return `waits for asset ${waiting.length === 1 ? 'type' : 'types'} ${waiting.join(', ')} (the inventory collects ${ASSET_TYPE_NAMES.join(', ')})`;

  const expectation = parseExpectation(`${rule.comparator} ${rule.expectedResult}`);
  const checked = checkedQuery(api, query, 'query');
  if (typeof checked === 'string') return checked;
  let { document } = checked;
  const { root } = checked;
  const vacuous = vacuousParts(document);
  if (vacuous.length > 0) return `query can never return an asset, so "${expectation.source}" would pass by construction: ${vacuous.join('; ')}`;
  const returnPath = (rule.returnPath ?? '').split('.').filter(Boolean);
  const identified = withIdentityFields(api.schema, document, root, returnPath);
  if (typeof identified === 'string') {
    if (listsFailures(expectation)) return `under "${expectation.source}" what the query returns are failing assets, but ${identified}`;
  } else {
    document = identified;
  }

  let evaluatesDocument: DocumentNode;
  let evaluatesTakesFailing = false;
  if (applicable) {
    const denominator = checkedQuery(api, applicable, 'applicableAssetsQuery');
    if (typeof denominator === 'string') return denominator;
    const vacuousDenominator = vacuousParts(denominator.document);
    if (vacuousDenominator.length > 0) return `applicableAssetsQuery would leave assets out of the denominator: ${vacuousDenominator.join('; ')}`;
    const named = withIdentityFields(api.schema, denominator.document, denominator.root);
    if (typeof named === 'string') return `applicableAssetsQuery must return assets: ${named}`;
    evaluatesDocument = named;
    evaluatesTakesFailing = operationOf(named).variableDefinitions?.some((v) => v.variable.name.value === FAILED_VARIABLE) ?? false;
  } else {
    // By default a rule evaluates every asset of its subjects: every account whose latest sync reached it, for Connector.
    const lists = [...new Set(subjectTypes.map((type) => `${registeredType(type)!.plural} { id accountId }`))];
    if (accountLevel) lists.push('accounts(where:{status:OK}) { id accountId }');
    evaluatesDocument = parse(`{ ${lists.join(' ')} }`);
  }

  // The inventories the verdict rests on: its subjects' and every type the query reads; all of them for an account-level
  // rule that names none (a named check reads what it reads), since a gap in any could hide a failing account.
  const read = typesRead(api, document);
  const assetTypes = [...new Set([...subjectTypes, ...read])];
  const unknowable = nullableFieldsRead(api, document);
  return {
    label,
    ...(Object.keys(unknowable).length > 0 ? { nullableFieldsRead: unknowable } : {}),
    assetTypes: assetTypes.length > 0 ? assetTypes : [...ASSET_TYPE_NAMES],
    expectation,
    document,
    rootField: root.alias?.value ?? root.name.value,
    evaluatesDocument,
    returnPath,
    evaluatesTakesFailing,
  };
}

/**
 * A stored query parsed, made runnable and checked against the schema as our stored queries are: a bare selection
 * wrapped in braces, filters in the operator syntax rewritten to suffixes (src/graphql/filter-syntax.ts), the stored
 * fragments it spreads (AssetFragment) appended. Text that is not GraphQL at all is a broken file; a query our schema
 * refuses is a reason the rule is not evaluated.
 */
function checkedQuery(api: InventoryApi, query: StoredQuery, what: string): { document: DocumentNode; root: FieldNode } | string {
  let parsed: DocumentNode;
  try {
    parsed = parse(asDocument(query.text));
  } catch (error) {
    throw new ControlLoadError(`${query.file}: ${what} does not parse: ${(error as Error).message}`);
  }
  const operations = parsed.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0]!.operation !== 'query') return `${what} must be one query operation (${query.file})`;
  const roots = operations[0]!.selectionSet.selections;
  const first = roots[0];
  if (roots.length !== 1 || first?.kind !== Kind.FIELD) return `${what} must select exactly one root field (${query.file})`;
  const rootName = first.name.value;
  if (!api.schema.getQueryType()?.getFields()[rootName]) return `${what} uses root field ${rootName}, which the inventory does not have (${query.file})`;
  const document = withStoredFragments(normalizeFilterSyntax(api.schema, failedAlwaysGiven(parsed)).document, api.fragments);
  const errors = validate(api.schema, document, [...specifiedRules, ...api.validationRules]);
  if (errors.length > 0) return `${what} does not validate: ${errors.map((e) => e.message).join('; ')} (${query.file})`;
  return { document, root: operationOf(document).selectionSet.selections[0] as FieldNode };
}

/**
 * The text as a GraphQL document: one that starts as a document does (`{`, `query`, `fragment`) is one; a bare
 * selection is wrapped in braces, declaring `$failedAssetsIdentifiers` when it uses it.
 */
function asDocument(text: string): string {
  let first;
  try {
    first = new Lexer(new Source(text)).advance();
  } catch {
    return text;
  }
  const isDocument = first.kind === TokenKind.BRACE_L || (first.kind === TokenKind.NAME && ['query', 'fragment'].includes(first.value ?? ''));
  if (isDocument) return text;
  return text.includes(`$${FAILED_VARIABLE}`) ? `query ($${FAILED_VARIABLE}: [ID!]!) { ${text} }` : `{ ${text} }`;
}

/**
 * `$failedAssetsIdentifiers` declared non-null: the engine always gives it (an empty list when nothing failed), and a
 * filter variable that may be left out is refused (src/graphql/filters.ts, noNullInFilters), as it would drop the filter.
 */
function failedAlwaysGiven(document: DocumentNode): DocumentNode {
  return visit(document, {
    VariableDefinition(node) {
      if (node.variable.name.value !== FAILED_VARIABLE || node.type.kind === Kind.NON_NULL_TYPE) return undefined;
      return { ...node, type: { kind: Kind.NON_NULL_TYPE, type: node.type } };
    },
  });
}

/** The registry types a document reads: as the items of a field, or through a relation filter (`kmsKey: KmsKeyWhere`). */
function typesRead(api: InventoryApi, document: DocumentNode): string[] {
  const byName = new Map(ASSET_TYPES.flatMap((type) => [[type.name, type.name] as const, [`${type.name}Where`, type.name] as const]));
  const found = new Set<string>();
  const typeInfo = new TypeInfo(api.schema);
  const note = (type: GraphQLType | null | undefined): undefined => {
    const name = type ? byName.get(getNamedType(type).name) : undefined;
    if (name) found.add(name);
    return undefined;
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: () => note(typeInfo.getType()),
      ObjectField: () => note(typeInfo.getInputType()),
      Argument: () => note(typeInfo.getInputType()),
    }),
  );
  return [...found];
}

/**
 * The fields the query reads (filters on or selects) that may be null because a call failed for the asset (the
 * empty-string rule; `tags` too), by type. Cyscale's files cannot say which assets are undecided, so the engine takes
 * an evaluated asset with one of these null as undecided (README, Controls: "Undecided assets").
 */
function nullableFieldsRead(api: InventoryApi, document: DocumentNode): Record<string, string[]> {
  const nullable = new Map(ASSET_TYPES.map((type) => [type.name, [...type.fields.filter((f) => f.nullable && !f.computed).map((f) => f.field), 'tags']]));
  const owner = new Map(ASSET_TYPES.flatMap((type) => [[type.name, type.name] as const, [`${type.name}Where`, type.name] as const]));
  const found = new Map<string, Set<string>>();
  const note = (parent: GraphQLType | null | undefined, name: string): undefined => {
    const type = parent ? owner.get(getNamedType(parent).name) : undefined;
    // A filter names the field with an operator suffix (`encrypted_NOT`, `hasBucketACLGrant_SOME`).
    const field = type ? nullable.get(type)!.find((f) => name === f || name.startsWith(`${f}_`)) : undefined;
    if (type && field) found.set(type, (found.get(type) ?? new Set()).add(field));
    return undefined;
  };
  const typeInfo = new TypeInfo(api.schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: (node) => note(typeInfo.getParentType(), node.name.value),
      ObjectField: (node) => note(typeInfo.getParentInputType(), node.name.value),
    }),
  );
  return Object.fromEntries([...found].map(([type, fields]) => [type, [...fields].sort()]));
}

function operationOf(document: DocumentNode): OperationDefinitionNode {
  return document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
}

function readJson(dir: string, file: string): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, file), 'utf8'));
  } catch (error) {
    throw new ControlLoadError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
}

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ');
}
