// Cyscale's control library (test/fixtures/cyscale, copied unchanged) run as written on a simulated organization synced
// by the real collectors: every AWS rule the inventory can evaluate gives the failing set worked out from the scenario's
// own data (not from the inventory), in process, through `inventory check --controls`, and sent verbatim over HTTP,
// where each query translated wholly into either filter syntax gives the same assets. Every other rule is reported
// not evaluated, and its control is never PASS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print, visit, type ObjectFieldNode, type ObjectValueNode, type ValueNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evaluateControls, type ControlVerdict } from '../../src/controls/evaluate.js';
import { readControlCatalog } from '../../src/controls/load.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { normalizeFilterDocument } from '../../src/graphql/filter-syntax.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { organizationScenario, startSimulator, type Scenario, type SimAccount, type SimKmsKey, type Simulator, type SimTrail } from '../../src/simulator/index.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { syncInventory } from '../../src/sync/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import { stubAwsEnv } from '../support/aws.js';
import { runInProcess } from '../support/cli.js';
import { openTempStore, type TempStore } from '../support/store.js';

const LIBRARY = join(import.meta.dirname, '..', 'fixtures', 'cyscale');
const NOW = new Date();
const hoursAgo = (hours: number): string => new Date(NOW.getTime() - hours * 3_600_000).toISOString();
const DAY_MS = 86_400_000;
const daysFromNow = (days: number): string => new Date(NOW.getTime() + days * DAY_MS).toISOString();
const api = createInventoryApi();

// ---- What each rule the inventory evaluates must find, worked out from the scenario as AWS holds it ----

type Policy = { Statement: { Effect: string; Principal?: unknown; Condition?: unknown }[] };
const policyOf = (key: SimKmsKey): Policy => JSON.parse(key.Policy!) as Policy;
const customerManaged = (key: SimKmsKey): boolean => (key.KeyManager ?? 'CUSTOMER') === 'CUSTOMER';
/** A statement any AWS principal may use: Principal "*" or {"AWS": "*"} (or a list holding "*"). */
const anyone = (principal: unknown): boolean => principal === '*' || [(principal as { AWS?: unknown } | undefined)?.AWS].flat().includes('*');
const allowsAnyoneUnconditionally = (key: SimKmsKey): boolean =>
  policyOf(key).Statement.some((s) => s.Effect === 'Allow' && anyone(s.Principal) && (s.Condition === undefined || Object.keys(s.Condition as object).length === 0));
/** KMS rotates a key's material only for a customer managed symmetric key it generated, and not while pending deletion. */
const rotates = (key: SimKmsKey): boolean =>
  !customerManaged(key) ||
  (key.RotationEnabled === true &&
    (key.KeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' &&
    (key.Origin ?? 'AWS_KMS') === 'AWS_KMS' &&
    key.KeyState !== 'PendingDeletion');

/** Since when the key's current material is in use: its newest rotation, else its creation. */
const materialSince = (key: SimKmsKey): number => Math.max(Date.parse(key.CreationDate), ...(key.Rotations ?? []).map((r) => Date.parse(r.RotationDate)));
/** Keys with no material in use: pending deletion, or of imported material that holds none. */
const holdsMaterial = (key: SimKmsKey): boolean => !['PendingDeletion', 'PendingReplicaDeletion', 'PendingImport'].includes(key.KeyState ?? 'Enabled');
/** Imported material that expires (ValidTo, with no ExpirationModel saying otherwise), while the key holds it. */
const expiresBy = (key: SimKmsKey, time: number): boolean =>
  key.Origin === 'EXTERNAL' &&
  key.KeyState !== 'PendingImport' &&
  key.ValidTo !== undefined &&
  key.ExpirationModel !== 'KEY_MATERIAL_DOES_NOT_EXPIRE' &&
  Date.parse(key.ValidTo) <= time;

const KEY_RULES: Record<string, (key: SimKmsKey) => boolean> = {
  'aws-logging-8': (key) => customerManaged(key) && !rotates(key),
  'publicly-accessible-encryption-keys': allowsAnyoneUnconditionally,
  'kms-keys-with-permissive-access-policy': (key) =>
    (customerManaged(key) && /arn:aws:iam::[0-9*]+:root/.test(JSON.stringify(policyOf(key)))) || allowsAnyoneUnconditionally(key),
  // Customer managed keys holding material older than 90 days, of whatever kind (AWS rotates its own keys yearly).
  'kms-keys-have-not-been-rotated': (key) => customerManaged(key) && holdsMaterial(key) && materialSince(key) < NOW.getTime() - 90 * DAY_MS,
  'kms-keys-expiring-within-the-next-14-days': (key) => expiresBy(key, NOW.getTime() + 14 * DAY_MS),
};

const TRAIL_RULES: Record<string, (trail: SimTrail) => boolean> = {
  'aws-logging-2': (trail) => trail.LogFileValidationEnabled !== true,
  'aws-logging-7': (trail) => trail.KmsKeyId === undefined,
  // Integrated with CloudWatch Logs, and delivered there within the last day.
  'aws-logging-4': (trail) => {
    const delivered = trail.Status?.LatestCloudWatchLogsDeliveryTime;
    return !trail.CloudWatchLogsLogGroupArn || delivered === undefined || Date.parse(delivered) < NOW.getTime() - 86_400_000;
  },
};

/** aws-logging-1: the accounts with no multi-region, logging trail recording every management event (their own, or the organization's). */
function accountsWithoutMultiRegionTrail(scenario: Scenario): string[] {
  const organizationTrails = scenario.accounts.flatMap((account) => account.Trails.filter((trail) => trail.IsOrganizationTrail));
  const qualifies = (trail: SimTrail) => trail.IsMultiRegionTrail && trail.IsLogging && (trail.EventSelectors ?? []).length === 0;
  return scenario.accounts
    .filter((account) => ![...account.Trails, ...organizationTrails].some(qualifies))
    .map((account) => account.Id)
    .sort();
}

// ---- The scenario: a generated organization, with keys and trails of every kind the rules tell apart ----

const PRETTY = (policy: object): string => JSON.stringify(policy, null, 2).replace(/": /g, '" : '); // as KMS prints one
const rootPolicy = (accountId: string): string =>
  PRETTY({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  });
const rolePolicy = (accountId: string): string =>
  PRETTY({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:role/KeyAdmin` }, Action: 'kms:*', Resource: '*' }] });
const publicPolicy = PRETTY({ Statement: [{ Sid: 'Anyone', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] });
const guardedAnyonePolicy = (accountId: string): string =>
  PRETTY({
    Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': accountId } } }],
  });

function scenarioOfEveryKind(): { scenario: Scenario; management: SimAccount; memberRoleName: string } {
  const org = organizationScenario({ accounts: 8, latencyMs: 0, transientErrorRate: 0, unassumableRole: false, deniedRegion: false, suspendedAccounts: 0, seed: 7 });
  delete org.scenario.rateLimit;
  const accounts = org.scenario.accounts;
  // The organization trail stopped: aws-logging-1 then fails the accounts without a qualifying trail of their own.
  for (const trail of accounts.flatMap((account) => account.Trails)) {
    if (trail.IsOrganizationTrail) trail.IsLogging = false;
  }
  // Some trails deliver to CloudWatch Logs, recently or not for two days; the others not at all.
  accounts
    .flatMap((account) => account.Trails)
    .forEach((trail, i) => {
      if (i % 3 === 2) return;
      trail.CloudWatchLogsLogGroupArn = `arn:aws:logs:${trail.HomeRegion}:111122223333:log-group:trail-${i}:*`;
      trail.Status = { ...trail.Status, LatestCloudWatchLogsDeliveryTime: i % 3 === 0 ? hoursAgo(2) : hoursAgo(50) };
    });
  // Every key gets a policy: the default one (root), a role's, one anyone may use, or anyone's within the account.
  const region = accounts.flatMap((account) => account.KmsKeys ?? [])[0]!.Region;
  accounts.forEach((account, a) => {
    const extra: SimKmsKey[] = [
      { KeyId: `a0000000-0000-4000-8000-0000000000${String(a).padStart(2, '0')}`, Region: region, CreationDate: '2024-05-06T07:08:09Z', KeyManager: 'AWS' },
      {
        KeyId: `b0000000-0000-4000-8000-0000000000${String(a).padStart(2, '0')}`,
        Region: region,
        CreationDate: '2024-05-06T07:08:09Z',
        KeySpec: 'RSA_2048',
        KeyUsage: 'SIGN_VERIFY',
      },
      {
        KeyId: `c0000000-0000-4000-8000-0000000000${String(a).padStart(2, '0')}`,
        Region: region,
        CreationDate: '2024-05-06T07:08:09Z',
        RotationEnabled: true,
        KeyState: 'PendingDeletion',
        DeletionDate: '2030-01-01T00:00:00Z',
      },
      // Imported material: expiring within the fortnight (every other account), or in two months, and one that never
      // expires, rotated on demand a fortnight ago.
      {
        KeyId: `d0000000-0000-4000-8000-0000000000${String(a).padStart(2, '0')}`,
        Region: region,
        CreationDate: daysFromNow(-30),
        Origin: 'EXTERNAL',
        ValidTo: daysFromNow(a % 2 === 0 ? 7 : 60),
      },
      {
        KeyId: `e0000000-0000-4000-8000-0000000000${String(a).padStart(2, '0')}`,
        Region: region,
        CreationDate: '2024-05-06T07:08:09Z',
        Origin: 'EXTERNAL',
        Rotations: [{ RotationDate: daysFromNow(-14), RotationType: 'ON_DEMAND' }],
      },
    ];
    account.KmsKeys = [...(account.KmsKeys ?? []), ...extra];
    // Keys KMS rotates have been, yearly since creation (AWS managed keys too); one in three of the keys whose material
    // can rotate was also rotated on demand three weeks ago.
    account.KmsKeys.forEach((key, k) => {
      const rotatable = (key.KeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' && ['AWS_KMS', 'EXTERNAL'].includes(key.Origin ?? 'AWS_KMS');
      if (!rotatable) return;
      const yearly = key.KeyManager === 'AWS' || (key.RotationEnabled === true && key.KeyState !== 'PendingDeletion');
      const rotations = [...(key.Rotations ?? [])];
      for (let at = Date.parse(key.CreationDate) + 365 * DAY_MS; yearly && at < NOW.getTime(); at += 365 * DAY_MS) {
        rotations.push({ RotationDate: new Date(at).toISOString(), RotationType: 'AUTOMATIC' });
      }
      if ((a + k) % 3 === 0) rotations.push({ RotationDate: daysFromNow(-21), RotationType: 'ON_DEMAND' });
      key.Rotations = rotations;
    });
    account.KmsKeys.forEach((key, k) => {
      const choice = (a + k) % 4;
      key.Policy = choice === 0 ? rootPolicy(account.Id) : choice === 1 ? rolePolicy(account.Id) : choice === 2 ? publicPolicy : guardedAnyonePolicy(account.Id);
    });
  });
  return { scenario: org.scenario, management: org.management, memberRoleName: org.memberRoleName };
}

// ---- Translating a stored query wholly into one syntax ----

const SUFFIXES: readonly [string, (value: ValueNode) => [string, ValueNode]][] = [
  ['NOT_IN', (v) => ['NOT', object([['in', v]])]],
  ['NOT_CONTAINS', (v) => ['NOT', object([['contains', v]])]],
  ['NOT_INCLUDES', (v) => ['NOT', object([['includes', v]])]],
  ['NOT', (v) => ['NOT', object([['eq', v]])]],
  ...(['IN', 'CONTAINS', 'STARTS_WITH', 'ENDS_WITH', 'LT', 'LTE', 'GT', 'GTE', 'MATCHES', 'INCLUDES', 'SOME', 'NONE', 'ALL', 'SINGLE'] as const).map(
    (suffix): [string, (value: ValueNode) => [string, ValueNode]] => [suffix, (v) => [suffix.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase()), v]],
  ),
];
const OPERATOR_NAMES = new Set(['eq', 'in', 'contains', 'startsWith', 'endsWith', 'lt', 'lte', 'gt', 'gte', 'matches', 'includes', 'some', 'none', 'all', 'single']);
const field = (name: string, value: ValueNode): ObjectFieldNode => ({ kind: Kind.OBJECT_FIELD, name: { kind: Kind.NAME, value: name }, value });
const object = (entries: [string, ValueNode][]): ObjectValueNode => ({ kind: Kind.OBJECT, fields: entries.map(([k, v]) => field(k, v)) });

/** Every filter of a `where` as an operator object: `kmsKeyID: ""` as `kmsKeyID: {eq: ""}`, `trails_SOME: {}` as `trails: {some: {}}`. */
function whereAsOperators(value: ValueNode): ValueNode {
  if (value.kind === Kind.LIST) return { ...value, values: value.values.map(whereAsOperators) };
  if (value.kind !== Kind.OBJECT) return value;
  const byField = new Map<string, [string, ValueNode][]>();
  const kept: ObjectFieldNode[] = [];
  for (const entry of value.fields) {
    const key = entry.name.value;
    if (['AND', 'OR', 'NOT'].includes(key)) {
      kept.push(field(key, whereAsOperators(entry.value)));
      continue;
    }
    const underscore = key.indexOf('_');
    const base = underscore === -1 ? key : key.slice(0, underscore);
    let operator: [string, ValueNode];
    if (underscore === -1) {
      // An operator object already is one; an object or a relation filter keeps its filter; a value is compared with.
      if (entry.value.kind === Kind.OBJECT && entry.value.fields.length > 0 && entry.value.fields.every((f) => OPERATOR_NAMES.has(f.name.value))) {
        const quantified = (name: string, v: ValueNode): ValueNode => (['some', 'none', 'all', 'single'].includes(name) ? whereAsOperators(v) : v);
        byField.set(base, [...(byField.get(base) ?? []), ...entry.value.fields.map((f): [string, ValueNode] => [f.name.value, quantified(f.name.value, f.value)])]);
        continue;
      }
      if (entry.value.kind === Kind.OBJECT) {
        kept.push(field(key, whereAsOperators(entry.value)));
        continue;
      }
      operator = ['eq', entry.value];
    } else {
      const [, make] = SUFFIXES.find(([suffix]) => suffix === key.slice(underscore + 1))!;
      operator = make(['SOME', 'NONE', 'ALL', 'SINGLE'].includes(key.slice(underscore + 1)) ? whereAsOperators(entry.value) : entry.value);
    }
    byField.set(base, [...(byField.get(base) ?? []), operator]);
  }
  for (const [base, operators] of byField) {
    const nots = operators
      .filter(([name]) => name === 'NOT')
      .flatMap(([, v]) => (v as ObjectValueNode).fields.map((f) => [f.name.value, f.value] as [string, ValueNode]));
    const plain = operators.filter(([name]) => name !== 'NOT');
    kept.push(field(base, object([...plain, ...(nots.length > 0 ? [['NOT', object(nots)] as [string, ValueNode]] : [])])));
  }
  return { ...value, fields: kept };
}

const asOperators = (query: string): string =>
  print(
    visit(parse(query), {
      Argument: (node) => (node.name.value === 'where' ? { ...node, value: whereAsOperators(node.value) } : undefined),
    }),
  );
const asSuffixes = (query: string): string => print(normalizeFilterDocument(api.schema, parse(query)));

// ---- The test ----

describe("Cyscale's library on a simulated organization", () => {
  let sim: Simulator;
  let temp: TempStore;
  let server: RunningServer;
  let scenario: Scenario;

  beforeAll(async () => {
    const built = scenarioOfEveryKind();
    scenario = built.scenario;
    sim = await startSimulator(scenario);
    stubAwsEnv(sim);
    vi.stubEnv('AWS_ACCESS_KEY_ID', built.management.AccessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', built.management.SecretAccessKey);
    temp = await openTempStore();
    const config = parseAccountsConfig(`organization:\n  member_role_name: ${built.memberRoleName}\n`, 'accounts.yaml');
    const summary = await syncInventory(temp.store, {
      accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 3, log: silentLogger }),
      log: silentLogger,
    });
    expect(summary.runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    server = await startServer({ store: temp.store, api, host: '127.0.0.1', port: 0, log: silentLogger });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await server?.close();
    await sim?.close();
    await temp?.cleanup();
  });

  /** The failing ids each evaluated rule must find, from the scenario alone. */
  function expectedFailures(): Map<string, string[]> {
    const expected = new Map<string, string[]>();
    for (const [slug, fails] of Object.entries(TRAIL_RULES)) {
      expected.set(slug, scenario.accounts.flatMap((a) => a.Trails.filter(fails).map((t) => `arn:aws:cloudtrail:${t.HomeRegion}:${a.Id}:trail/${t.Name}`)).sort());
    }
    for (const [slug, fails] of Object.entries(KEY_RULES)) {
      expected.set(slug, scenario.accounts.flatMap((a) => (a.KmsKeys ?? []).filter(fails).map((k) => `arn:aws:kms:${k.Region}:${a.Id}:key/${k.KeyId}`)).sort());
    }
    expected.set('aws-logging-1', accountsWithoutMultiRegionTrail(scenario));
    return expected;
  }

  it('evaluates the rules on collected types, each failing set as the scenario says, in process and through the CLI', async () => {
    const expected = expectedFailures();
    // Each rule has both kinds here, so neither a blanket PASS nor a blanket FAIL could pass.
    const trails = scenario.accounts.flatMap((a) => a.Trails).length;
    const keys = scenario.accounts.flatMap((a) => a.KmsKeys ?? []).length;
    for (const [slug, failing] of expected) {
      const all = slug.startsWith('aws-logging-1') ? scenario.accounts.length : slug in TRAIL_RULES ? trails : keys;
      expect(failing.length, slug).toBeGreaterThan(0);
      expect(failing.length, slug).toBeLessThan(all);
    }

    const catalog = readControlCatalog(api, LIBRARY);
    expect(catalog.layout).toBe('cyscale');
    const verdicts = await evaluateControls(api, temp.store, catalog.controls, { now: NOW });
    const evaluated = verdicts.filter((v) => expected.has(v.controlId));
    expect(evaluated.map((v) => v.controlId).sort()).toEqual([...expected.keys()].sort());
    for (const verdict of evaluated) {
      expect(verdict.failingAssets.map((asset) => asset.id).sort(), verdict.controlId).toEqual(expected.get(verdict.controlId));
      expect(verdict.verdict, verdict.controlId).toBe('FAIL');
    }
    // Every other control waits for something the inventory does not have: ERROR, never PASS.
    const others = verdicts.filter((v) => !expected.has(v.controlId));
    expect(others.length).toBe(catalog.controls.length - expected.size);
    for (const verdict of others) expect(verdict.verdict, verdict.controlId).toBe('ERROR');

    const cli = await runInProcess(['check', '--db', temp.path, '--controls', LIBRARY, '--format', 'json']);
    expect(cli.stderr).toBe('');
    const fromCli = (JSON.parse(cli.stdout) as { verdicts: ControlVerdict[] }).verdicts;
    for (const [slug, failing] of expected) {
      const verdict = fromCli.find((v) => v.controlId === slug)!;
      expect(verdict.verdict, slug).toBe('FAIL');
      expect(verdict.failingAssets.map((asset) => asset.id).sort(), slug).toEqual(failing);
    }
    expect(fromCli.filter((v) => v.verdict === 'PASS')).toEqual([]);
  });

  it('answers each of those queries sent verbatim over HTTP, and each translated into either syntax, with the same assets', async () => {
    const expected = expectedFailures();
    const post = async (query: string): Promise<string[]> => {
      const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      const body = (await response.json()) as { data?: Record<string, { id: string }[]>; errors?: unknown[] };
      expect(body.errors, query).toBeUndefined();
      return Object.values(body.data!)[0]!
        .map((item) => item.id)
        .sort();
    };
    for (const slug of expected.keys()) {
      const control = JSON.parse(readFileSync(join(LIBRARY, 'controls', `${slug}.json`), 'utf8')) as { rules: { cloudProviders: string[]; query: string }[] };
      const rule = control.rules.find((r) => r.cloudProviders.includes('aws'))!;
      const text = (JSON.parse(readFileSync(join(LIBRARY, 'queries', `${rule.query}.json`), 'utf8')) as { query: string }).query;
      // As their runner sends it: a bare selection in braces; the server appends AssetFragment.
      const query = text.trim().startsWith('{') ? text : `{ ${text} }`;
      const verbatim = await post(query);
      expect(verbatim, slug).toEqual(expected.get(slug));
      const operators = asOperators(query);
      const suffixes = asSuffixes(query);
      if (/where/.test(query)) {
        // Wholly one syntax each: no suffix left in the first, no operator object in the second.
        expect(operators, slug).not.toMatch(/\b[a-zA-Z]+_(NOT|IN|CONTAINS|STARTS_WITH|ENDS_WITH|LTE?|GTE?|MATCHES|INCLUDES|SOME|NONE|ALL|SINGLE)\b/);
        expect(suffixes, slug).not.toMatch(/\{\s*(eq|in|contains|matches|some|none|all|single|includes):/);
      }
      expect(await post(operators), `${slug} in operator objects:\n${operators}`).toEqual(verbatim);
      expect(await post(suffixes), `${slug} in suffixes:\n${suffixes}`).toEqual(verbatim);
    }
  });
});
