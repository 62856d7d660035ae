// No text the CLI prints drives the terminal: what others wrote (exception owners and reasons, trail and account
// names, AWS error messages, what was typed) reaches stdout and stderr with its control characters escaped as \uXXXX,
// in the table, the verdicts, the remediation plans, the sync summary, the log lines and usage errors; JSON and JUnit
// XML carry the same values without a raw control character either.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncSummaryText } from '../../src/cli/commands/sync.js';
import { printOut, terminalText, terminalValue } from '../../src/terminal-text.js';
import { createLogger, readableLogLine, type LogOutput } from '../../src/log.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { SyncSummary } from '../../src/sync/sync.js';
import { runCli, runInProcess } from '../support/cli.js';
import { COLLECTOR, trailRecord } from '../support/records.js';
import { removeDir, tempDir } from '../support/store.js';

/** The owner: sets the window title, rings the bell, clears the screen, turns the text red. */
const HOSTILE = 'evil\u001b]0;PWNED\u0007\u001b[2J\u001b[31mred';
const HOSTILE_SHOWN = 'evil\\u001b]0;PWNED\\u0007\\u001b[2J\\u001b[31mred';
/** Everything a terminal acts on but newline and tab: C0, DEL, C1, bidirectional controls, line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** A reason that would forge a verdict line of its own, and hide what follows it (right-to-left override, CSI). */
const FORGING = 'planned\nPASS   cloudtrail-kms-encryption  all good\r\u202e\u009b2J';

const A = '111122223333';
const KMS = 'cloudtrail-kms-encryption';
const arn = (name: string) => `arn:aws:cloudtrail:us-east-1:${A}:trail/${name}`;

describe('terminal text', () => {
  it('shows every control character of a value as \\uXXXX, newline and tab included', () => {
    expect(terminalValue(HOSTILE)).toBe(HOSTILE_SHOWN);
    expect(terminalValue('a\u0000\t\n\r\u007f\u0085\u009b\u061c\u200e\u200f\u2028\u2029\u202a\u202e\u2066\u2069z')).toBe(
      'a\\u0000\\u0009\\u000a\\u000d\\u007f\\u0085\\u009b\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a\\u202e\\u2066\\u2069z',
    );
    expect(terminalValue('plain text, ünïcode, 東京, \\u001b as typed')).toBe('plain text, ünïcode, 東京, \\u001b as typed');
  });

  it('keeps the newlines and tabs of text of many lines, and JSON stays the same JSON', () => {
    expect(terminalText(`one\ttwo\n${HOSTILE}\r\n`)).toBe(`one\ttwo\n${HOSTILE_SHOWN}\\u000d\n`);
    const value = { owner: HOSTILE, reason: FORGING, all: `${Array.from({ length: 0xa0 }, (_, c) => String.fromCharCode(c)).join('')}\u202e\u2066` };
    const json = terminalText(JSON.stringify(value, null, 2));
    expect(json).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('makes a JSON log line safe the same way, and a readable one shows bidirectional controls escaped', () => {
    const written: string[] = [];
    const out: LogOutput = { isTTY: false, write: (text) => written.push(text) };
    createLogger('info', { out }).warn({ owner: `${HOSTILE}\u009b\u202e` }, 'owner');
    expect(written.join('')).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(written.join('')).owner).toBe(`${HOSTILE}\u009b\u202e`);
    expect(readableLogLine(JSON.stringify({ level: 30, msg: 'a\u202eb', [`k\u001b`]: 'x\u2066' }))).toBe('INFO  a\\u202eb k\\u001b="x\\u2066"\n');
  });

  it('shows the names, codes and messages of a sync summary escaped, each on its own line', () => {
    const summary = {
      run: { id: 1, status: 'partial' },
      runs: [{ id: 1, status: 'partial', collector: 'aws.cloudtrail.trails' }],
      totals: { accounts: 2, scopesOk: 0, scopesSkipped: 0, scopesFailed: 1, seen: 0, new: 0, changed: 0, deleted: 0 },
      scopes: [{ accountId: A, region: 'us-east-1', status: 'failed', error: { code: 'AccessDenied', message: FORGING }, seen: 0, new: 0, changed: 0, deleted: 0 }],
      accountFailures: [{ label: HOSTILE, name: HOSTILE, error: { code: 'Code\u001b[2J', message: HOSTILE } }],
      retired: [],
      unknownRegions: [],
      namedAccounts: [{ accountId: A, name: HOSTILE }],
      durationMs: 1000,
    } as unknown as SyncSummary;
    const text = syncSummaryText(summary);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain(`  account names: ${A} ${HOSTILE_SHOWN}\n`);
    expect(text).toContain(`  ${HOSTILE_SHOWN} (${HOSTILE_SHOWN}): Code\\u001b[2J: ${HOSTILE_SHOWN}\n`);
    expect(text).toContain(`  ${A} us-east-1: AccessDenied: ${terminalValue(FORGING)}\n`);
    expect(text.split('\n')).toHaveLength(9);
  });

  it('printOut writes text through the same escaping', async () => {
    const { stdout } = await captured(() => printOut(`${HOSTILE}\n`));
    expect(stdout).toBe(`${HOSTILE_SHOWN}\n`);
  });
});

/** What a synchronous write to stdout gives, without letting it reach the test's own terminal. */
async function captured(write: () => void): Promise<{ stdout: string }> {
  const { vi } = await import('vitest');
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  try {
    write();
  } finally {
    spy.mockRestore();
  }
  return { stdout };
}

describe('commands on an inventory holding hostile values', () => {
  let dir: string;
  let db: string;
  beforeAll(async () => {
    dir = tempDir('terminal-text-');
    db = join(dir, 'inventory.db');
    const store = SqliteStore.open(db);
    try {
      // An account named by a hostile accounts file, a trail with a hostile name, and two exceptions stored through
      // the API (addException takes any text as owner and reason): one covering a trail, one expired.
      const run = await store.startSyncRun({ collector: COLLECTOR, requestedRegions: [] });
      await store.recordAccount(run.id, COLLECTOR, { accountId: A, status: 'ok', enabledRegions: ['us-east-1'], name: HOSTILE });
      await store.writeTrailScope(run.id, COLLECTOR, {
        accountId: A,
        region: 'us-east-1',
        status: 'ok',
        trails: [trailRecord('covered', { account: A }), trailRecord('bad\u001b[8m', { account: A })],
      });
      await store.finishSyncRun(run.id, 'succeeded');
      const exception = { control: KMS, owner: HOSTILE, reason: FORGING, approver: `ciso\u0007`, createdBy: `token\u001b[2J` };
      await store.addControlException({ ...exception, asset: arn('covered'), expires: '2099-12-31' });
      await store.addControlException({ ...exception, asset: arn('bad*'), expires: '2020-01-01' });
    } finally {
      await store.close();
    }
  });
  afterAll(() => removeDir(dir));

  it('check prints the verdicts with every hostile value escaped, in the table and in each machine format', async () => {
    const table = await runInProcess(['check', '--db', db, '--control', KMS, '--no-record']);
    expect(table.code).toBe(1);
    expect(table.stdout + table.stderr).not.toMatch(RAW_CONTROL);
    expect(table.stdout).toContain(
      `         ${arn('covered')}  (account ${A}, us-east-1)  owner ${HOSTILE_SHOWN}, approved by ciso\\u0007, until 2099-12-31: ${terminalValue(FORGING)}\n`,
    );
    expect(table.stdout).toContain(`         ${arn('bad\\u001b[8m')}  (account ${A}, us-east-1)\n`);
    // The reason's newline is shown, not followed: no line of the output is the forged verdict.
    expect(table.stdout).not.toMatch(/^PASS {3}cloudtrail-kms-encryption {2}all good/m);

    const json = await runInProcess(['check', '--db', db, '--control', KMS, '--no-record', '--format', 'json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.stdout).verdicts[0].exceptedAssets[0].exception).toMatchObject({ owner: HOSTILE, reason: FORGING });
    const ocsf = await runInProcess(['check', '--db', db, '--control', KMS, '--no-record', '--format', 'ocsf']);
    expect(ocsf.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.stringify(JSON.parse(ocsf.stdout))).toContain(JSON.stringify(HOSTILE).slice(1, -1));

    // JUnit XML: what XML 1.0 cannot hold is replaced, what a terminal acts on is a character reference.
    const junit = await runInProcess(['check', '--db', db, '--control', KMS, '--no-record', '--format', 'junit']);
    expect(junit.stdout).not.toMatch(RAW_CONTROL);
    expect(junit.stdout).toContain('owner evil\uFFFD]0;PWNED\uFFFD\uFFFD[2J\uFFFD[31mred');
    expect(junit.stdout).toContain('all good&#xd;&#x202e;&#x9b;2J');
  });

  it('exceptions list shows owners, reasons and who created them escaped, each exception on its five lines', async () => {
    const listed = await runInProcess(['exceptions', 'list', '--db', db]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toMatch(RAW_CONTROL);
    expect(listed.stdout).toContain(`; owner ${HOSTILE_SHOWN}, approved by ciso\\u0007\n  ${terminalValue(FORGING)}\n`);
    expect(listed.stdout).toMatch(/^ {2}source: api, id 1, created \S+ by token\\u001b\[2J$/m);
    expect(listed.stdout.split('\n')).toHaveLength(2 * 5 + 2);
    const json = await runInProcess(['exceptions', 'list', '--db', db, '--format', 'json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.stdout).exceptions[0]).toMatchObject({ owner: HOSTILE, reason: FORGING });
  });

  it('remediate shows the failing trail escaped, in the plan and in the commands', async () => {
    const plan = await runInProcess(['remediate', KMS, '--db', db]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).not.toMatch(RAW_CONTROL);
    expect(plan.stdout).toContain(`=== Plan 1 of 1: Trail ${arn('bad\\u001b[8m')}\n    name bad\\u001b[8m, account ${A}, region us-east-1\n`);
  });

  it('usage errors quote what was typed escaped', async () => {
    const typed = await runInProcess(['check', '--db', db, '--format', '\u001b[2J\u0007']);
    expect(typed.code).toBe(2);
    expect(typed.stderr).toContain("argument '\\u001b[2J\\u0007' is invalid");
    const unknown = await runInProcess(['check', '--db', db, '--control', 'x\u001b]0;t\u0007', '--no-record']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown control id "x\\u001b]0;t\\u0007"');
  });

  it('reaches a real terminal without ESC or BEL: exceptions list and check, as a shell runs them', async () => {
    for (const args of [
      ['exceptions', 'list'],
      ['check', '--control', KMS, '--no-record'],
    ]) {
      const { code, stdout, stderr } = await runCli([...args, '--db', db]);
      expect({ args, code }).toEqual({ args, code: args[0] === 'check' ? 1 : 0 });
      expect(stdout + stderr).not.toMatch(/[\u001b\u0007]/);
      expect(stdout).toContain(`owner ${HOSTILE_SHOWN}`);
    }
  });
});
