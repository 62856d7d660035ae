// Every IAM action a sync needs, denied one at a time on a small simulated organization synced by the real collectors:
// `inventory permissions` prints it, the sync records the denial (a failed scope, or a collectionErrors entry naming
// the call on each asset it concerns, with the fields that call feeds null), and no control over the affected type
// (ours in controls/aws/, and Cyscale's library in test/fixtures/cyscale) says PASS where its queries read what the
// denial left unknown. The actions come from the registry, so a new type is held to this without touching the test.
import { join } from 'node:path';
import { Kind, print } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AssetTypeDefinition } from '../../src/assets/definition.js';
import { ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION } from '../../collectors/aws/s3/buckets.js';
import { ASSET_TYPES } from '../../src/assets/registry.js';
import type { Control } from '../../src/controls/catalog.js';
import { evaluateControls, type ControlVerdict } from '../../src/controls/evaluate.js';
import { readControlCatalog } from '../../src/controls/load.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { organizationScenario, startSimulator, type FaultService, type Simulator } from '../../src/simulator/index.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { type SyncSummary, syncInventory } from '../../src/sync/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import { stubAwsEnv } from '../support/aws.js';
import { runInProcess } from '../support/cli.js';
import { openTempStore, type TempStore } from '../support/store.js';

const api = createInventoryApi();

/**
 * The IAM actions whose API operation has another name (Service Authorization Reference, Amazon S3): the call the
 * simulator's fault must deny. Every other action `<service>:<Operation>` is the operation of the same name.
 */
const OPERATION_OF: Readonly<Record<string, DeniedCall>> = {
  's3:ListAllMyBuckets': { service: 's3', operation: 'ListBuckets' },
  's3:GetEncryptionConfiguration': { service: 's3', operation: 'GetBucketEncryption' },
  's3:GetBucketPublicAccessBlock': { service: 's3', operation: 'GetPublicAccessBlock' },
  // A bucket's collectionErrors tell it from the bucket's own GetPublicAccessBlock.
  's3:GetAccountPublicAccessBlock': { service: 's3control', operation: 'GetPublicAccessBlock', recordedAs: ACCOUNT_PUBLIC_ACCESS_BLOCK_OPERATION },
};

/** The call a denied action refuses, and how an asset's collectionErrors name it (its operation, unless said). */
interface DeniedCall {
  service: FaultService;
  operation: string;
  recordedAs?: string;
}

function deniedCall(action: string): DeniedCall {
  const [service, operation] = action.split(':') as [FaultService, string];
  return OPERATION_OF[action] ?? { service, operation };
}

/** How each service refuses a call IAM does not allow: EC2 and SNS have codes of their own. */
const DENIED = /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError|AuthorizationErrorException)$/;

/** One stored asset: its table row's columns (JSON columns parsed), with its collection errors. */
type Row = Record<string, unknown> & { id: string; collectionErrors: { operation: string; code: string }[] };

const parsed = (value: unknown): unknown => (typeof value === 'string' && /^[[{]/.test(value) ? JSON.parse(value) : value);

async function assetsOf(temp: TempStore, type: AssetTypeDefinition): Promise<Row[]> {
  const rows = await temp.sql(`SELECT * FROM ${type.table} WHERE deleted_at IS NULL ORDER BY arn`);
  return rows.map((row) => ({ ...row, id: String(row.arn), collectionErrors: parsed(row.collection_errors) as Row['collectionErrors'] }));
}

/** The GraphQL fields of the type (and `tags`) whose stored value is null in `row` but was not in `before`. */
function nulledFields(type: AssetTypeDefinition, before: Row, row: Row): string[] {
  const fields = type.fields.filter((field) => !field.computed && before[field.column] !== null && row[field.column] === null).map((field) => field.field);
  const tagsKnown = (r: Row) => Boolean(Number(r.tags_known));
  return tagsKnown(before) && !tagsKnown(row) ? [...fields, 'tags'] : fields;
}

/** The stored values of the type's fields and tags, without the sync's bookkeeping: what a denial may not change silently. */
const valuesOf = (type: AssetTypeDefinition, row: Row): unknown[] => [
  ...type.fields.filter((f) => !f.computed).map((f) => parsed(row[f.column])),
  Boolean(Number(row.tags_known)),
];

/**
 * What a control reads: the operations it runs (query, denominator, undecided) as text, without the stored fragments
 * they spread (AssetFragment selects every asset's name and tags to show them, not to judge by them).
 */
const documentsOf = (control: Control): string =>
  control.rules
    .flatMap((rule) => [rule.document, rule.evaluatesDocument, ...(rule.undecidedDocument ? [rule.undecidedDocument] : [])])
    .flatMap((document) => document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).map((d) => print(d)))
    .join('\n');
const typesOf = (control: Control): string[] => [...new Set(control.rules.flatMap((rule) => rule.assetTypes))];

describe('a sync with one IAM action denied', () => {
  let sim: Simulator;
  const org = organizationScenario({
    accounts: 2,
    latencyMs: 0,
    transientErrorRate: 0,
    unassumableRole: false,
    deniedRegion: false,
    suspendedAccounts: 0,
    seed: 16,
  });
  delete org.scenario.rateLimit;
  // One trail with insight selectors, so that GetInsightSelectors is called at all (only for a trail that has them).
  org.scenario.accounts[0]!.Trails[0]!.InsightSelectors = [{ InsightType: 'ApiCallRateInsight' }];
  const ours = readControlCatalog(api).controls;
  const cyscale = readControlCatalog(api, join(import.meta.dirname, '..', 'fixtures', 'cyscale')).controls;

  const sync = async (temp: TempStore): Promise<SyncSummary> => {
    const config = parseAccountsConfig(`organization:\n  member_role_name: ${org.memberRoleName}\n`, 'accounts.yaml');
    return syncInventory(temp.store, {
      accounts: () => resolveAccountTargets(config, { region: 'us-east-1', maxAttempts: 3, log: silentLogger }),
      log: silentLogger,
    });
  };

  /** Each type's assets after a sync with nothing denied: what a denial must null, and on which assets. */
  const baseline = new Map<string, Map<string, Row>>();
  /** Each control's verdict without any denial. */
  const baselineVerdicts = new Map<string, string>();
  /** The controls a denial turned from PASS: proof that the check below has something to catch. */
  const turnedFromPass = new Set<string>();

  /** The SDK pointed at the simulator as the management account (the test setup undoes env stubs after each test). */
  const asManagement = (): void => {
    stubAwsEnv(sim);
    vi.stubEnv('AWS_ACCESS_KEY_ID', org.management.AccessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', org.management.SecretAccessKey);
  };

  beforeAll(async () => {
    sim = await startSimulator(org.scenario);
    asManagement();
    const temp = await openTempStore();
    try {
      const summary = await sync(temp);
      expect(summary.runs.map((run) => run.status)).toEqual(ASSET_TYPES.map(() => 'succeeded'));
      for (const type of ASSET_TYPES) baseline.set(type.name, new Map((await assetsOf(temp, type)).map((row) => [row.id, row])));
      for (const verdict of await evaluateControls(api, temp.store, [...ours, ...cyscale])) baselineVerdicts.set(verdict.controlId, verdict.verdict);
    } finally {
      await temp.cleanup();
    }
  });
  beforeEach(asManagement);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await sim?.close();
  });

  it('holds a few assets of every type without any denial, so each denial has something to hide', () => {
    for (const type of ASSET_TYPES) expect(baseline.get(type.name)!.size, type.name).toBeGreaterThan(0);
  });

  it('is printed by inventory permissions, every action of every type', async () => {
    const { code, stdout } = await runInProcess(['permissions']);
    expect(code).toBe(0);
    const printed = stdout.split('\n');
    for (const action of ASSET_TYPES.flatMap((type) => type.iamActions)) expect(printed, action).toContain(action);
  });

  for (const type of ASSET_TYPES) {
    for (const action of type.iamActions) {
      it(`${action}: the denial is recorded and no control over ${type.name} that reads what it hides says PASS`, async () => {
        const call = deniedCall(action);
        sim.scenario.faults = [{ kind: 'accessDenied', ...call }];
        sim.resetCalls();
        const temp = await openTempStore();
        try {
          const summary = await sync(temp);
          // The fault matched the call the collector makes for this action: else the map above misses an entry.
          const denied = sim.calls.filter((c) => c.service === call.service && c.operation === call.operation);
          expect(denied.length, `${action} → ${call.service}.${call.operation} was never called`).toBeGreaterThan(0);
          expect(
            denied.map((c) => c.errorCode),
            `${call.service}.${call.operation} denied`,
          ).toEqual(denied.map(() => expect.stringMatching(DENIED)));

          const failedScopes = summary.scopes.filter((scope) => scope.collector === type.collector && scope.status === 'failed');
          const recordedAs = call.recordedAs ?? call.operation;
          const rows = await assetsOf(temp, type);
          const before = baseline.get(type.name)!;
          /** The fields this denial left unknown, over every asset that records the failed call. */
          const hidden = new Set<string>();
          // An asset may name the call with another reason too: an organization trail seen from a member account whose
          // owner's ListTags was refused is stored with the member's NotOwner.
          const marked = rows.filter((row) => row.collectionErrors.some((e) => e.operation === recordedAs));
          if (marked.length > 0)
            expect(
              marked.flatMap((row) => row.collectionErrors.map((e) => e.code)),
              action,
            ).toContainEqual(expect.stringMatching(DENIED));
          for (const row of marked) {
            const nulled = nulledFields(type, before.get(row.id)!, row);
            // A failed call shows as unknown values (README, the empty-string rule), unless another call gave the same
            // answer (ListBuckets' BucketRegion for GetBucketLocation's): then nothing may differ from the full sync.
            if (nulled.length === 0)
              expect(valuesOf(type, row), `${row.id}: ${action} denied, nothing null, yet values changed`).toEqual(valuesOf(type, before.get(row.id)!));
            for (const field of nulled) hidden.add(field);
          }
          // Recorded one way or the other: the scope failed (its run says so), or the assets it concerns name the call.
          if (failedScopes.length > 0) {
            expect(summary.runs.find((run) => run.collector === type.collector)!.status).not.toBe('succeeded');
            for (const scope of failedScopes) expect(scope.error?.code, `${scope.accountId}/${scope.region}`).toMatch(DENIED);
          } else {
            expect(marked.length, `${action}: no asset records the denial, and no scope failed`).toBeGreaterThan(0);
            // Every asset that does not name the failed call holds what the full sync held: nothing was lost silently.
            for (const row of rows.filter((r) => !marked.includes(r))) {
              expect(valuesOf(type, row), `${row.id}: unchanged without a collection error`).toEqual(valuesOf(type, before.get(row.id)!));
            }
          }

          const verdicts: ControlVerdict[] = [];
          for (const catalog of [ours, cyscale]) {
            const affected = catalog.filter((control) => typesOf(control).includes(type.name));
            verdicts.push(...(await evaluateControls(api, temp.store, affected)));
          }
          const reads = (verdict: ControlVerdict): boolean => {
            if (failedScopes.length > 0) return true; // a whole scope unknown: every control over the type depends on it
            const control = [...ours, ...cyscale].find((c) => c.id === verdict.controlId)!;
            const text = documentsOf(control);
            return [...hidden].some((field) => new RegExp(`\\b${field}\\b`).test(text));
          };
          // The controls that passed on the full inventory and read what the denial hid: the ones this test has teeth on.
          for (const verdict of verdicts.filter((v) => baselineVerdicts.get(v.controlId) === 'PASS' && reads(v) && v.verdict !== 'PASS')) {
            turnedFromPass.add(verdict.controlId);
          }
          // Nor may one say FAIL: the full inventory passed it, so no failure is known, only what the denial hid.
          const failing = verdicts.filter((v) => baselineVerdicts.get(v.controlId) === 'PASS' && reads(v) && v.verdict === 'FAIL');
          expect(
            failing.map((v) => `${v.controlId}: ${v.reason}`),
            `${action}: controls that passed on the full inventory FAIL on what the denial hid`,
          ).toEqual([]);
          const passing = verdicts.filter((verdict) => verdict.verdict === 'PASS' && reads(verdict));
          expect(
            passing.map((v) => `${v.controlId}: ${v.reason}`),
            `${action}: controls that PASS though they read ${failedScopes.length > 0 ? 'a failed scope' : [...hidden].join(', ')}`,
          ).toEqual([]);
        } finally {
          sim.scenario.faults = [];
          await temp.cleanup();
        }
      });
    }
  }

  it('turned controls that pass on the full inventory to ERROR or FAIL along the way, so the check above has teeth', () => {
    expect([...baselineVerdicts.values()].filter((verdict) => verdict === 'PASS').length).toBeGreaterThan(0);
    expect([...turnedFromPass].length).toBeGreaterThan(0);
  });
});
