// The report formats and filters: JUnit XML read back by a JUnit parser, OCSF findings checked against the attributes
// the schema requires, and the narrowing by control, severity and account.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as parseJunit, type TestCase, type TestSuite, type TestSuites } from 'junit2json';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import type { ControlVerdict, FailingAsset } from '../../src/controls/evaluate.js';
import { failureMessage, JUNIT_SUITE_NAME, verdictsAsJunit } from '../../src/controls/junit.js';
import { OCSF_COMPLIANCE_STATUS, OCSF_REQUIRED_FIELDS, OCSF_SCHEMA_VERSION, ocsfFindings } from '../../src/controls/ocsf.js';
import { selectControls, UnknownControlError, verdictForAccount, verdictsAsText, type ControlInfo } from '../../src/controls/report.js';
import { createInventoryApi } from '../../src/graphql/execute.js';

const kms = loadCatalog(createInventoryApi()).find((c) => c.id === 'cloudtrail-kms-encryption')!;
const A = '111122223333';
const B = '444455556666';
const PRODUCT = { name: 'cloud-inventory', vendor_name: 'cloud-inventory', version: '0.1.0' };

const asset = (account: string, region: string, name: string): FailingAsset => ({
  id: `arn:aws:cloudtrail:${region}:${account}:trail/${name}`,
  name,
  assetType: 'Trail',
  accountId: account,
  region,
});

/** A control like the shipped one, under another id, title and severity. */
function control(id: string, severity: ControlInfo['severity'], title = `${id} title`): ControlInfo {
  return { ...kms!, id, title, severity };
}

function verdict(c: ControlInfo, v: ControlVerdict['verdict'], reason: string, failingAssets: FailingAsset[] = []): ControlVerdict {
  return { controlId: c.id, title: c.title, severity: c.severity, verdict: v, reason, failingAssets, evaluatedAt: '2025-03-04T05:06:07.890Z' };
}

// Titles and reasons with every character XML must escape, a newline and a tab, a control character, and "]]>".
const nasty = control('nasty-chars', 'high', 'Quotes "double" & \'single\' <tags> ]]> a\ttab');
const failing = control('trail-encryption', 'medium');
const undecided = control('undecided', 'critical');
const clean = control('clean', 'low');
const FAILING_ASSETS = [asset(A, 'us-east-1', 'one'), asset(B, 'eu-west-1', 'two&<three>')];
const CONTROLS = [nasty, failing, undecided, clean];
const VERDICTS = [
  verdict(nasty, 'FAIL', 'line one\nline two "quoted" & <b> \u0007 bell', [asset(A, 'us-east-2', 'x"y')]),
  verdict(failing, 'FAIL', '2 assets fail; expected "eq []"', FAILING_ASSETS),
  verdict(undecided, 'ERROR', 'the Trail inventory is incomplete or stale: sync run 3 failed', [asset(B, 'eu-west-1', 'partial')]),
  verdict(clean, 'PASS', 'the query result meets "eq []"'),
];

describe('JUnit XML', () => {
  const xml = verdictsAsJunit(VERDICTS, CONTROLS);

  it('is well-formed XML by a strict validator', () => {
    expect(XMLValidator.validate(xml, { allowBooleanAttributes: false })).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    expect(doc.testsuites.testsuite.name).toBe(JUNIT_SUITE_NAME);
  });

  it('reads back through a JUnit parser with the same counts, test cases and failure messages', async () => {
    const report = (await parseJunit(xml)) as TestSuites;
    expect(report).toMatchObject({ name: JUNIT_SUITE_NAME, tests: 4, failures: 2, errors: 1 });
    expect(report.testsuite).toHaveLength(1);
    const suite = report.testsuite![0] as TestSuite;
    expect(suite).toMatchObject({ name: JUNIT_SUITE_NAME, tests: 4, failures: 2, errors: 1, skipped: 0 });
    const cases = suite.testcase as TestCase[];
    expect(cases.map((c) => [c.classname, c.name])).toEqual(CONTROLS.map((c) => [`aws.${c.id}`, c.title]));
    // What the suite counts is what its test cases hold.
    expect(cases.filter((c) => c.failure).length).toBe(suite.failures);
    expect(cases.filter((c) => c.error).length).toBe(suite.errors);

    expect(cases[0]!.failure![0]!.message).toBe(`${VERDICTS[0]!.reason.replace('\u0007', '\uFFFD')}; failing: arn:aws:cloudtrail:us-east-2:${A}:trail/x"y`);
    expect(cases[1]!.failure![0]!.message).toBe(failureMessage(VERDICTS[1]!));
    for (const a of FAILING_ASSETS) expect(cases[1]!.failure![0]!.message).toContain(a.id);
    expect(cases[1]!.failure![0]!.inner).toContain(`${FAILING_ASSETS[1]!.id} (account ${B}, eu-west-1)`);
    expect(cases[2]!.error![0]!.message).toBe(VERDICTS[2]!.reason);
    expect(cases[2]!.failure).toBeUndefined();
    expect(cases[3]!.failure).toBeUndefined();
    expect(cases[3]!.error).toBeUndefined();
  });

  it('is an empty suite, still valid, when no control is shown', async () => {
    const xml = verdictsAsJunit([], []);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(await parseJunit(xml)).toMatchObject({ tests: 0, failures: 0, errors: 0 });
  });
});

/** The value at a dotted path. */
const at = (value: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], value);

function hasType(value: unknown, type: (typeof OCSF_REQUIRED_FIELDS)[number][1]): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'string':
      return typeof value === 'string' && value.length > 0;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'string[]':
      return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.length > 0);
  }
}

describe('OCSF Compliance Findings', () => {
  const findings = ocsfFindings(VERDICTS, CONTROLS, { product: PRODUCT });

  it('gives one finding per failing asset of a FAIL, and one per control for an ERROR or a PASS', () => {
    expect(findings).toHaveLength(1 + 2 + 1 + 1);
    expect(findings.map((f) => at(f, 'compliance.control'))).toEqual([nasty.id, failing.id, failing.id, undecided.id, clean.id]);
    expect(findings.map((f) => at(f, 'compliance.status_id'))).toEqual([3, 3, 3, 2, 1]);
    expect(findings.map((f) => (f.resources as { uid: string }[]).map((r) => r.uid))).toEqual([
      [VERDICTS[0]!.failingAssets[0]!.id],
      [FAILING_ASSETS[0]!.id],
      [FAILING_ASSETS[1]!.id],
      [VERDICTS[2]!.failingAssets[0]!.id],
      [],
    ]);
    expect(new Set(findings.map((f) => at(f, 'finding_info.uid'))).size).toBe(findings.length);
  });

  it('has every attribute the schema requires, each of the right type', () => {
    expect(OCSF_REQUIRED_FIELDS.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        'activity_id',
        'category_uid',
        'class_uid',
        'type_uid',
        'severity_id',
        'time',
        'metadata.version',
        'metadata.product',
        'finding_info.uid',
        'compliance.standards',
        'cloud.provider',
      ]),
    );
    for (const finding of findings) {
      for (const [path, type] of OCSF_REQUIRED_FIELDS) expect(hasType(at(finding, path), type), `${path} (${type}) in ${JSON.stringify(finding)}`).toBe(true);
    }
  });

  it('classifies itself as a Compliance Finding being created, with valid enum values', () => {
    const SEVERITY_IDS = [0, 1, 2, 3, 4, 5, 6, 99];
    const FINDING_STATUS_IDS = [0, 1, 2, 3, 4, 5, 6, 99];
    const COMPLIANCE_STATUS_IDS = [0, 1, 2, 3, 99];
    for (const f of findings) {
      expect(f).toMatchObject({ activity_id: 1, category_uid: 2, class_uid: 2003, type_uid: 200301, time: Date.parse('2025-03-04T05:06:07.890Z') });
      expect(f.type_uid).toBe((f.class_uid as number) * 100 + (f.activity_id as number));
      expect(SEVERITY_IDS).toContain(f.severity_id);
      expect(FINDING_STATUS_IDS).toContain(f.status_id);
      expect(COMPLIANCE_STATUS_IDS).toContain(at(f, 'compliance.status_id'));
      expect(at(f, 'compliance.status')).toBe(Object.values(OCSF_COMPLIANCE_STATUS).find((s) => s.id === at(f, 'compliance.status_id'))!.caption);
      expect(at(f, 'metadata.version')).toBe(OCSF_SCHEMA_VERSION);
      expect(at(f, 'metadata.product')).toEqual(PRODUCT);
      expect(at(f, 'cloud.provider')).toBe('AWS');
    }
    expect(findings.map((f) => [f.severity_id, f.severity])).toEqual([
      [4, 'High'],
      [3, 'Medium'],
      [3, 'Medium'],
      [5, 'Critical'],
      [2, 'Low'],
    ]);
  });

  it('names the CIS benchmarks as standards, each CIS id and CCE as a requirement, and the asset account and region as its cloud', () => {
    const [, first, second] = findings;
    expect(at(first, 'compliance.standards')).toContain('CIS Amazon Web Services Foundations Benchmark v1.4.0');
    expect(at(first, 'compliance.requirements')).toEqual(expect.arrayContaining(['CIS Amazon Web Services Foundations Benchmark v1.4.0 3.7', 'CCE-78919-8']));
    expect(at(first, 'cloud')).toEqual({ provider: 'AWS', account: { uid: A, type: 'AWS Account', type_id: 10 }, region: 'us-east-1' });
    expect(at(second, 'cloud.account.uid')).toBe(B);
    expect(at(first, 'resources')).toEqual([{ uid: FAILING_ASSETS[0]!.id, name: 'one', type: 'Trail', region: 'us-east-1' }]);
    expect(at(first, 'finding_info')).toMatchObject({ title: failing.title, desc: kms!.description.trim() });
  });
});

describe('narrowing a run', () => {
  it('selects controls by id and by severity and above, and names the known ids for an unknown one', () => {
    expect(selectControls(CONTROLS).map((c) => c.id)).toEqual(CONTROLS.map((c) => c.id));
    expect(selectControls(CONTROLS, ['clean', 'undecided']).map((c) => c.id)).toEqual(['undecided', 'clean']);
    expect(selectControls(CONTROLS, [], 'high').map((c) => c.id)).toEqual(['nasty-chars', 'undecided']);
    expect(selectControls(CONTROLS, ['clean', 'nasty-chars'], 'medium').map((c) => c.id)).toEqual(['nasty-chars']);
    expect(() => selectControls(CONTROLS, ['clean', 'nope'])).toThrow(UnknownControlError);
    expect(() => selectControls(CONTROLS, ['nope'])).toThrow('unknown control id "nope" (known: clean, nasty-chars, trail-encryption, undecided)');
  });

  it("gives a verdict per account: FAIL on its own failing assets, PASS when only others fail, else the control's own", () => {
    const [, fail, error, pass] = VERDICTS;
    expect(verdictForAccount(fail!, A)).toMatchObject({ verdict: 'FAIL', failingAssets: [FAILING_ASSETS[0]] });
    expect(verdictForAccount(fail!, A).reason).toMatch(new RegExp(`^filtered to account ${A}: 1 of the 2 failing assets are in it`));
    expect(verdictForAccount(fail!, '999999999999')).toMatchObject({ verdict: 'PASS', failingAssets: [] });
    expect(verdictForAccount(fail!, '999999999999').reason).toMatch(/^filtered to account 999999999999: none of the 2 failing assets are in it/);
    // An ERROR's assets were returned from the synced part of the inventory: those of the account fail it.
    expect(verdictForAccount(error!, B)).toMatchObject({ verdict: 'FAIL' });
    expect(verdictForAccount(error!, A)).toMatchObject({ verdict: 'ERROR', reason: `filtered to account ${A}: ${error!.reason}` });
    expect(verdictForAccount(pass!, A)).toMatchObject({ verdict: 'PASS', reason: `filtered to account ${A}: ${pass!.reason}` });
    // A FAIL that names no asset (count > 0) is the whole inventory's: no account is cleared of it.
    const countFail = verdict(failing, 'FAIL', 'the query returned 0 assets; expected "count > 0"');
    expect(verdictForAccount(countFail, A)).toMatchObject({ verdict: 'FAIL', reason: `filtered to account ${A}: ${countFail.reason}` });
  });

  it('gives ERROR for an account the evaluation covers nowhere, once it has per-account verdicts', () => {
    const [, fail] = VERDICTS;
    const accounts = [
      { accountId: A, verdict: 'FAIL' as const, evaluated: 1, failing: 1, excepted: 0, gaps: [] },
      { accountId: B, verdict: 'FAIL' as const, evaluated: 1, failing: 1, excepted: 0, gaps: [] },
    ];
    const unseen = verdictForAccount({ ...fail!, evaluatedCount: 2, accounts }, '999999999999');
    expect(unseen).toMatchObject({ verdict: 'ERROR', failingAssets: [], evaluatedCount: 0, accounts: [] });
    expect(unseen.reason).toBe(
      `filtered to account 999999999999: account 999999999999 was never synced: the inventory holds nothing of it (it covers 2 accounts: ${A}, ${B}); check the id, or sync the account`,
    );
    expect(verdictForAccount({ ...fail!, evaluatedCount: 0, accounts: [] }, A).reason).toContain('(it covers no account yet)');
  });

  it('says that the per-account counts count accounts, and a control that evaluates accounts counts no assets', () => {
    const tally = (accountId: string, v: ControlVerdict['verdict'], evaluated: number, failing: number, excepted = 0) => ({
      accountId,
      verdict: v,
      evaluated,
      failing,
      excepted,
      gaps: [],
    });
    const [, fail] = VERDICTS;
    const overAssets = {
      ...fail!,
      evaluatedCount: 5,
      evaluatedUnit: 'asset' as const,
      accounts: [tally(A, 'FAIL', 3, 1, 1), tally(B, 'FAIL', 1, 1), tally('777788889999', 'PASS', 1, 0)],
    };
    expect(verdictsAsText([overAssets])).toContain(
      `       evaluated 5 assets in 3 accounts; accounts by verdict: 1 PASS, 2 FAIL, 0 ERROR\n` +
        `         ${A}  FAIL   1 of 3 assets failing, 1 excepted\n         ${B}  FAIL   1 of 1 asset failing\n`,
    );
    const overAccounts = {
      ...fail!,
      evaluatedCount: 3,
      evaluatedUnit: 'account' as const,
      accounts: [tally(A, 'FAIL', 1, 1), tally(B, 'ERROR', 1, 0), tally('777788889999', 'PASS', 1, 0)],
    };
    const text = verdictsAsText([overAccounts]);
    expect(text).toContain(
      `       evaluated 3 accounts; accounts by verdict: 1 PASS, 1 FAIL, 1 ERROR\n         ${A}  FAIL   the account fails\n         ${B}  ERROR  no failure known\n`,
    );
    expect(text).not.toMatch(/assets? in \d+ accounts?|asset failing|assets failing/);
  });

  it('keeps the table as it was', () => {
    expect(verdictsAsText([VERDICTS[3]!])).toBe(`PASS   clean  clean title (low)\n       the query result meets "eq []"\n\n1 control: 1 pass, 0 fail, 0 error\n`);
  });
});
