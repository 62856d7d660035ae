// Exceptions: the file and its refusals, the day-after-expiry rule, ARN patterns, and what they do to verdicts.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { loadCatalog } from '../../src/controls/catalog.js';
import { evaluateControl, evaluatedAssets } from '../../src/controls/evaluate.js';
import {
  describeState,
  exceptionCovers,
  ExceptionsFileError,
  isActive,
  loadExceptions,
  parseExceptions,
  validateException,
  type ControlException,
} from '../../src/model/exceptions.js';
import { verdictsAsJunit } from '../../src/controls/junit.js';
import { ocsfFindings } from '../../src/controls/ocsf.js';
import { verdictForAccount, verdictsAsText } from '../../src/controls/report.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, tempDir, type TempStore } from '../support/store.js';

const api = createInventoryApi();
const kmsControl = loadCatalog(api).find((c) => c.id === 'cloudtrail-kms-encryption')!;
const KMS = kmsControl!.id;
const ACCOUNT = '111122223333';
const OTHER = '222222222222';
const NOW = new Date('2025-06-15T12:00:00Z');
const arn = (account: string, name: string, region = 'us-east-1') => `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;

const entry = (over: Record<string, unknown> = {}) => ({
  control: KMS,
  asset: arn(ACCOUNT, 'b'),
  owner: 'platform-team',
  reason: 'logs of this trail hold nothing sensitive; CMK migration planned',
  approver: 'security-lead',
  expires: '2025-07-01',
  ...over,
});
const parse = (entries: unknown, options: { maxDays?: number; now?: Date } = {}) =>
  parseExceptions(toYaml(entries), 'exceptions.yaml', { controlIds: [KMS], now: NOW, ...options });

describe('the exceptions file', () => {
  it('reads a list of exceptions, unquoted dates included', () => {
    const text = `- control: ${KMS}\n  asset: "arn:aws:cloudtrail:*:222222222222:trail/*"\n  owner: o\n  reason: r\n  approver: a\n  expires: 2025-07-01\n  created: 2025-06-01\n`;
    expect(parseExceptions(text, 'exceptions.yaml', { controlIds: [KMS], now: NOW })).toEqual([
      { control: KMS, asset: 'arn:aws:cloudtrail:*:222222222222:trail/*', owner: 'o', reason: 'r', approver: 'a', expires: '2025-07-01', created: '2025-06-01' },
    ]);
    expect(parseExceptions('', 'exceptions.yaml', { controlIds: [KMS], now: NOW })).toEqual([]);
  });

  it.each(['owner', 'reason', 'approver', 'expires'])('refuses an exception without %s, naming the file and the place', (field) => {
    const missing = entry();
    delete (missing as Record<string, unknown>)[field];
    expect(() => parse([entry(), entry(), missing])).toThrow(new RegExp(`^exceptions\\.yaml: \\[2\\]\\.${field}: expected`));
    expect(() => parse([entry({ [field]: '  ' })])).toThrow(ExceptionsFileError);
  });

  it('refuses an expiry that is not a date, and a date that is not on the calendar', () => {
    expect(() => parse([entry({ expires: 'next year' })])).toThrow('exceptions.yaml: [0].expires: expected a date YYYY-MM-DD');
    expect(() => parse([entry({ expires: '2025-02-30' })])).toThrow('exceptions.yaml: [0].expires: not a calendar date');
    expect(() => parse([entry({ expires: '2025-13-40' })])).toThrow('exceptions.yaml: [0].expires: not a calendar date');
    expect(() => parse([entry({ created: '2025-08-01' })])).toThrow('exceptions.yaml: [0].created: created is after expires');
  });

  it('refuses an expiry further ahead than the maximum lifetime (365 days unless told)', () => {
    expect(parse([entry({ expires: '2026-06-15' })])).toHaveLength(1);
    expect(() => parse([entry({ expires: '2026-06-16' })])).toThrow(
      'exceptions.yaml: [0].expires: 2026-06-16 is 366 days ahead, more than the 365 days an exception may last',
    );
    expect(() => parse([entry({ expires: '2025-07-16' })], { maxDays: 30 })).toThrow('more than the 30 days');
  });

  it('refuses an unknown control id, an asset that is not an ARN, unknown keys, and a file that is not a list', () => {
    expect(() => parse([entry({ control: 'no-such-control' })])).toThrow(`exceptions.yaml: [0].control: unknown control "no-such-control" (known: ${KMS})`);
    expect(() => parse([entry({ asset: '*' })])).toThrow('exceptions.yaml: [0].asset: expected an ARN');
    expect(() => parse([entry({ expiry: '2025-07-01' })])).toThrow(/exceptions\.yaml: \[0\]: .*expiry/);
    expect(() => parse({ exceptions: [] })).toThrow('exceptions.yaml: (top level): expected a list of exceptions');
    expect(() => parseExceptions('- [', 'exceptions.yaml', { controlIds: [KMS] })).toThrow(/^exceptions\.yaml: not valid YAML/);
    expect(() => loadExceptions(join(tempDir('exc-'), 'none.yaml'), { controlIds: [KMS] })).toThrow(/none\.yaml: cannot read the exceptions file \(ENOENT\)/);
  });
});

describe('one exception, from the file or from the API', () => {
  const validate = (input: unknown, isNew = false) => validateException(input, { controlIds: [KMS], now: NOW, isNew });

  it('takes an account id as the asset (account-level controls report accounts), but no other bare value', () => {
    expect(validate(entry({ asset: OTHER }))).toEqual({ ok: true, exception: entry({ asset: OTHER }) });
    expect(parse([entry({ asset: OTHER })])).toEqual([entry({ asset: OTHER })]);
    for (const asset of ['22222222222', '2222222222222', '22222222222*', 'account 222222222222']) {
      expect(validate(entry({ asset })), asset).toEqual({
        ok: false,
        problems: [{ path: ['asset'], message: expect.stringMatching(/^expected an ARN .* or a 12-digit account id$/) }],
      });
    }
  });

  it('refuses a new exception whose expiry is past, while a file may keep an expired one to report it', () => {
    expect(validate(entry({ expires: '2025-06-14' }), true)).toEqual({
      ok: false,
      problems: [{ path: ['expires'], message: '2025-06-14 is already past (today is 2025-06-15, UTC); a new exception must expire today or later' }],
    });
    expect(validate(entry({ expires: '2025-06-15' }), true).ok).toBe(true);
    expect(validate(entry({ expires: '2025-06-14' })).ok).toBe(true);
    expect(parse([entry({ expires: '2025-06-14' })])).toHaveLength(1);
  });

  it('says every problem at once, by field, in the order of the fields', () => {
    const { owner: _owner, ...noOwner } = entry({ control: 'nope', expires: '2027-01-01' });
    expect(validate(noOwner, true)).toEqual({
      ok: false,
      problems: [
        { path: ['control'], message: `unknown control "nope" (known: ${KMS})` },
        { path: ['owner'], message: 'expected an owner' },
        { path: ['expires'], message: '2027-01-01 is 565 days ahead, more than the 365 days an exception may last' },
      ],
    });
    expect(() => parse([noOwner])).toThrow(
      `exceptions.yaml: [0].control: unknown control "nope" (known: ${KMS}); [0].owner: expected an owner; [0].expires: 2027-01-01 is 565 days ahead`,
    );
  });
});

describe('an ARN pattern', () => {
  it.each([
    ['arn:*:*:*:*:*', false],
    ['arn:aws:cloudtrail:*:*:trail/*', false],
    ['arn:aws:cloudtrail:us-east-1:*:trail/*', false],
    ['arn:aws:cloudtrail:*:2222222222*:trail/*', false],
    ['arn:aws:cloudtrail:*:22222222222:trail/*', false],
    ['arn:aws:cloudtrail:*:*:trail/org-*', false],
    ['arn:aws:cloudtrail:*:*:*/org-trail', false],
    ['arn:aws:cloudtrail:*:222222222222:trail/*', true],
    ['arn:aws:cloudtrail:*:222222222222:*', true],
    ['arn:*:*:*:222222222222:*', true],
    ['arn:aws:cloudtrail:*:*:trail/org-trail', true],
    ['arn:aws:cloudtrail:us-east-1:222222222222:trail/a', true],
  ])('%s pins the account or the resource: %s', (asset, pins) => {
    const checked = validateException(entry({ asset }), { controlIds: [KMS], now: NOW });
    expect(checked.ok).toBe(pins);
    if (!checked.ok) {
      expect(checked.problems).toEqual([{ path: ['asset'], message: expect.stringMatching(/^a pattern must pin the account \(a literal 12-digit account id/) }]);
      // Should one be in the inventory from before, it covers nothing.
      expect(exceptionCovers(asset, { id: arn(OTHER, 'org-trail'), accountId: OTHER })).toBe(false);
    }
  });

  it('is refused in a file as a bare * is, naming the place', () => {
    expect(() => parse([entry(), entry({ asset: 'arn:*:*:*:*:*' })])).toThrow(ExceptionsFileError);
    expect(() => parse([entry(), entry({ asset: 'arn:*:*:*:*:*' })])).toThrow(/^exceptions\.yaml: \[1\]\.asset: a pattern must pin the account/);
    expect(() => parse([entry({ asset: '*' })])).toThrow(/^exceptions\.yaml: \[0\]\.asset: expected an ARN/);
  });
});

describe('an exception', () => {
  it('applies through the end of its expiry day (UTC) and stops at 00:00 the day after', () => {
    const e = { expires: '2025-07-01' };
    expect(isActive(e, new Date('2025-07-01T23:59:59.999Z'))).toBe(true);
    expect(isActive(e, new Date('2025-07-02T00:00:00Z'))).toBe(false);
    expect(describeState(e, new Date('2025-06-28T08:00:00Z')).text).toBe('active, expires in 3 days');
    expect(describeState(e, new Date('2025-07-01T23:59:00Z')).text).toBe('active, expires today (end of day UTC)');
    expect(describeState(e, new Date('2025-07-03T01:00:00Z')).text).toBe('expired 2 days ago');
  });

  it('matches an ARN exactly, or a pattern where * stands for any run of characters', () => {
    const trail = (account: string, name: string, region = 'us-east-1') => ({ id: arn(account, name, region), accountId: account });
    expect(exceptionCovers(arn(ACCOUNT, 'b'), trail(ACCOUNT, 'b'))).toBe(true);
    expect(exceptionCovers(arn(ACCOUNT, 'b'), trail(ACCOUNT, 'bb'))).toBe(false);
    const pattern = `arn:aws:cloudtrail:*:${OTHER}:trail/*`;
    expect(exceptionCovers(pattern, trail(OTHER, 'x', 'eu-west-1'))).toBe(true);
    expect(exceptionCovers(pattern, trail(ACCOUNT, 'x'))).toBe(false);
    expect(exceptionCovers('arn:aws:cloudtrail:us-east-1:111122223333:trail/a.b', trail(ACCOUNT, 'aXb'))).toBe(false);
    // An account id covers the account itself (an account-level control's failing asset) and every asset it owns; a
    // pattern never matches an account id.
    expect(exceptionCovers(OTHER, { id: OTHER, accountId: OTHER })).toBe(true);
    expect(exceptionCovers(OTHER, trail(OTHER, 'x', 'eu-west-1'))).toBe(true);
    expect(exceptionCovers(OTHER, { id: ACCOUNT, accountId: ACCOUNT })).toBe(false);
    expect(exceptionCovers(OTHER, trail(ACCOUNT, 'x'))).toBe(false);
    // Owned by the account, whatever the ARN says: an organization trail seen from OTHER belongs to its management account.
    expect(exceptionCovers(OTHER, { id: arn(ACCOUNT, 'org'), accountId: ACCOUNT })).toBe(false);
    expect(exceptionCovers(`arn:aws:*`, { id: OTHER, accountId: OTHER })).toBe(false);
  });
});

describe('verdicts with exceptions', () => {
  let temp: TempStore;
  afterEach(async () => temp?.cleanup());
  const today = () => new Date().toISOString().slice(0, 10);
  const exception = (over: Partial<ControlException> = {}): ControlException => ({ ...entry({ expires: today() }), ...over }) as ControlException;
  const evaluate = (exceptions: ControlException[], now = new Date()) => evaluateControl(api, temp.store, kmsControl!, { exceptions, now, maxAgeHours: 1000 });
  const seed = async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      trails: [trailRecord('a', { trail: { KmsKeyId: 'k' } }), trailRecord('b'), trailRecord('c')],
    });
  };

  it('is PASS, saying how many are excepted, when every failing asset is excepted', async () => {
    await seed();
    const verdict = await evaluate([exception({ asset: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/*` })]);
    expect(verdict).toMatchObject({
      verdict: 'PASS',
      reason: '2 assets fail, all excepted by an active exception; expected "eq []"',
      failingAssets: [],
      expiredExceptions: [],
    });
    expect(verdict.exceptedAssets!.map((a) => [a.id, a.exception.owner, a.exception.approver, a.exception.expires])).toEqual([
      [arn(ACCOUNT, 'b'), 'platform-team', 'security-lead', today()],
      [arn(ACCOUNT, 'c'), 'platform-team', 'security-lead', today()],
    ]);
    const junit = verdictsAsJunit([verdict], [kmsControl!]);
    expect(junit).toContain('failures="0" errors="0"');
    expect(junit).toMatch(
      /<testcase [^>]*>\n {6}<system-out>2 assets fail, all excepted[^<]*excepted:\n[^<]*trail\/b \(account 111122223333, us-east-1\): owner platform-team, approved by security-lead/,
    );
    const findings = ocsfFindings([verdict], [kmsControl!], { product: { name: 'cloud-inventory', vendor_name: 'cloud-inventory', version: '0' } }) as Record<
      string,
      any
    >[];
    expect(findings.map((f) => [f.finding_info.uid, f.compliance.status_id, f.status_id, f.status, f.unmapped.exception.owner])).toEqual([
      [`cloud-inventory:${KMS}:${arn(ACCOUNT, 'b')}`, 3, 3, 'Suppressed', 'platform-team'],
      [`cloud-inventory:${KMS}:${arn(ACCOUNT, 'c')}`, 3, 3, 'Suppressed', 'platform-team'],
    ]);
    expect(verdictsAsText([verdict])).toContain(
      `       excepted:\n         ${arn(ACCOUNT, 'b')}  (account ${ACCOUNT}, us-east-1)  owner platform-team, approved by security-lead, until ${today()}`,
    );
    // OTHER was never synced: no verdict for it, and none of ACCOUNT's excepted assets shown under it.
    expect(verdictForAccount(verdict, OTHER)).toMatchObject({ verdict: 'ERROR', exceptedAssets: [] });
  });

  it('is FAIL with the rest when only some failing assets are excepted', async () => {
    await seed();
    const verdict = await evaluate([exception(), exception({ control: 'other-control', asset: arn(ACCOUNT, 'c') })]);
    expect(verdict).toMatchObject({ verdict: 'FAIL', reason: '1 asset fails (and 1 more is excepted); expected "eq []"' });
    expect(verdict.failingAssets.map((a) => a.id)).toEqual([arn(ACCOUNT, 'c')]);
    expect(verdict.exceptedAssets!.map((a) => a.id)).toEqual([arn(ACCOUNT, 'b')]);
  });

  it('applies on the expiry day at 23:59 UTC, and not at 00:00 the day after, when it is reported as expired', async () => {
    await seed();
    const e = exception({ asset: arn(ACCOUNT, 'b') });
    const lastMinute = new Date(`${today()}T23:59:00Z`);
    expect(await evaluate([e], lastMinute)).toMatchObject({ verdict: 'FAIL', failingAssets: [{ id: arn(ACCOUNT, 'c') }], expiredExceptions: [] });
    const dayAfter = new Date(Date.parse(`${today()}T00:00:00Z`) + 86_400_000);
    const expired = await evaluate([e], dayAfter);
    expect(expired).toMatchObject({ verdict: 'FAIL', reason: '2 assets fail; expected "eq []"', exceptedAssets: [] });
    expect(expired.failingAssets.map((a) => a.id)).toEqual([arn(ACCOUNT, 'b'), arn(ACCOUNT, 'c')]);
    expect(expired.expiredExceptions).toEqual([{ asset: e.asset, owner: e.owner, reason: e.reason, approver: e.approver, expires: e.expires }]);
    expect(verdictsAsText([expired])).toContain(
      `expired exceptions (no longer applied):\n         ${e.asset}  owner platform-team, approved by security-lead, expired ${e.expires}`,
    );
    expect(verdictsAsJunit([expired], [kmsControl!])).toContain('<system-out>expired exceptions (no longer applied):');
  });

  it("excepts every asset of an account whose id is the exception's asset, as exceptions list counts them", async () => {
    temp = await openTempStore();
    const logging = loadCatalog(api).find((c) => c.id === 'cloudtrail-logging')!;
    const stopped = { status: { IsLogging: false } };
    await syncScope(temp.store, {
      accountId: OTHER,
      region: 'us-east-1',
      trails: [trailRecord('stopped', { account: OTHER, ...stopped }), trailRecord('running', { account: OTHER })],
    });
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'us-east-1', trails: [trailRecord('stopped', { account: ACCOUNT, ...stopped })] });
    const accountException = exception({ control: logging.id, asset: OTHER });
    const verdict = await evaluateControl(api, temp.store, logging, { exceptions: [accountException], maxAgeHours: 1000 });
    expect(verdict).toMatchObject({ verdict: 'FAIL', reason: '1 asset fails (and 1 more is excepted); expected "eq []"' });
    expect(verdict.exceptedAssets!.map((a) => a.id)).toEqual([arn(OTHER, 'stopped')]);
    expect(verdict.failingAssets.map((a) => a.id)).toEqual([arn(ACCOUNT, 'stopped')]);
    // What `exceptions list` counts: the control's evaluated assets the same rule covers.
    const covered = (await evaluatedAssets(api, temp.store, logging)).filter((asset) => exceptionCovers(accountException.asset, asset)).map((a) => a.id);
    expect(covered.sort()).toEqual([arn(OTHER, 'running'), arn(OTHER, 'stopped')]);
  });

  it('leaves ERROR an ERROR, even when every failing asset is excepted', async () => {
    await seed();
    await syncScope(temp.store, { accountId: ACCOUNT, region: 'eu-west-1', status: 'failed', error: { code: 'AccessDeniedException', message: 'denied' }, trails: [] });
    const verdict = await evaluate([exception({ asset: `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` })]);
    expect(verdict).toMatchObject({ verdict: 'ERROR', failingAssets: [] });
    expect(verdict.exceptedAssets).toHaveLength(2);
  });
});
