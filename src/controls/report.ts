// Renders verdicts for people (a plain table) and for machines (JSON), and narrows a run to the controls, severities
// and account asked for. JUnit XML and OCSF findings live in junit.ts and ocsf.ts.
import type { Control } from './catalog.js';
import { terminalValue as shown } from '../terminal-text.js';
import type { ControlVerdict } from './evaluate.js';

/** What the machine formats need of a control beyond its verdict. */
export type ControlInfo = Pick<Control, 'id' | 'title' | 'severity' | 'provider' | 'assetTypes' | 'description' | 'remediation' | 'references'>;

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The verdict's denominator in words: how many assets in how many accounts (or how many accounts, for a control that
 * evaluates accounts), the verdicts of the accounts, then each account that did not pass with its counts. [] when the
 * control's queries did not run.
 */
export function denominatorLines(v: ControlVerdict): string[] {
  if (v.evaluatedCount === undefined || v.accounts === undefined) return [];
  const count = (verdict: string) => v.accounts!.filter((a) => a.verdict === verdict).length;
  const ofAccounts = v.evaluatedUnit === 'account';
  const evaluated = ofAccounts
    ? plural(v.evaluatedCount, 'account', 'accounts')
    : `${plural(v.evaluatedCount, 'asset', 'assets')} in ${plural(v.accounts.length, 'account', 'accounts')}`;
  // The counts are of accounts, by their verdict: said so, lest they read as counts of assets.
  const lines = [`evaluated ${evaluated}; accounts by verdict: ${count('PASS')} PASS, ${count('FAIL')} FAIL, ${count('ERROR')} ERROR`];
  for (const a of v.accounts.filter((account) => account.verdict !== 'PASS')) {
    const excepted = a.excepted > 0 ? `, ${a.excepted} excepted` : '';
    const counts = ofAccounts
      ? a.failing > 0
        ? 'the account fails'
        : a.excepted > 0
          ? 'the account fails, excepted'
          : a.evaluated === 0
            ? 'not evaluated'
            : 'no failure known'
      : `${a.failing} of ${plural(a.evaluated, 'asset', 'assets')} failing${excepted}${a.undecided ? `, ${a.undecided} undecided` : ''}`;
    lines.push(`  ${shown(a.accountId)}  ${a.verdict.padEnd(5)}  ${counts}`);
  }
  return lines;
}

/** The verdicts as a table for a terminal: what others wrote (titles, owners, reasons, ARNs) shown escaped, one line each. */
export function verdictsAsText(verdicts: ControlVerdict[]): string {
  const lines: string[] = [];
  const where = (asset: { id: string; accountId: string; region: string; detail?: string }) =>
    `${shown(asset.id)}  (account ${shown(asset.accountId)}, ${shown(asset.region)})${asset.detail ? `: ${shown(asset.detail)}` : ''}`;
  for (const v of verdicts) {
    lines.push(`${v.verdict.padEnd(5)}  ${shown(v.controlId)}  ${shown(v.title)} (${v.severity})`);
    lines.push(`       ${shown(v.reason)}`);
    // A control of several rules, or with a rule not evaluated (Cyscale's layout): each rule's own verdict.
    if (v.rules && (v.rules.length > 1 || v.notEvaluated?.length)) {
      for (const rule of v.rules) lines.push(`       ${rule.verdict.padEnd(13)}  ${shown(rule.rule)}: ${shown(rule.reason)}`);
    }
    for (const line of denominatorLines(v)) lines.push(`       ${line}`);
    if (v.failingAssets.length > 0) {
      lines.push(v.verdict === 'FAIL' ? '       failing:' : '       failing in the part of the inventory that was synced:');
      for (const asset of v.failingAssets) lines.push(`         ${where(asset)}`);
    }
    if (v.undecidedAssets?.length) {
      lines.push('       undecided (the inventory cannot tell whether they fail):');
      for (const asset of v.undecidedAssets) lines.push(`         ${where(asset)}`);
    }
    if (v.exceptedAssets?.length) {
      lines.push('       excepted:');
      for (const asset of v.exceptedAssets) {
        const e = asset.exception;
        lines.push(`         ${where(asset)}  owner ${shown(e.owner)}, approved by ${shown(e.approver)}, until ${shown(e.expires)}: ${shown(e.reason)}`);
      }
    }
    if (v.expiredExceptions?.length) {
      lines.push('       expired exceptions (no longer applied):');
      for (const e of v.expiredExceptions)
        lines.push(`         ${shown(e.asset)}  owner ${shown(e.owner)}, approved by ${shown(e.approver)}, expired ${shown(e.expires)}: ${shown(e.reason)}`);
    }
  }
  const count = (verdict: string) => verdicts.filter((v) => v.verdict === verdict).length;
  lines.push('');
  lines.push(`${verdicts.length} ${verdicts.length === 1 ? 'control' : 'controls'}: ${count('PASS')} pass, ${count('FAIL')} fail, ${count('ERROR')} error`);
  return `${lines.join('\n')}\n`;
}

export function verdictsAsJson(verdicts: ControlVerdict[]): string {
  return `${JSON.stringify({ verdicts }, null, 2)}\n`;
}

/** A --control id that names no control in the catalog. */
export class UnknownControlError extends Error {
  override name = 'UnknownControlError';
}

/**
 * The controls to evaluate: those named in `ids` (all when none is), of `minSeverity` or above (all when none is given).
 * An id the catalog does not hold is an error naming the ids it does hold.
 */
export function selectControls<C extends Pick<Control, 'id' | 'severity'>>(controls: C[], ids: readonly string[] = [], minSeverity?: Severity): C[] {
  const known = new Set(controls.map((c) => c.id));
  const unknown = [...new Set(ids)].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UnknownControlError(
      `unknown control ${unknown.length === 1 ? 'id' : 'ids'} ${unknown.map((id) => `"${id}"`).join(', ')} (known: ${[...known].sort().join(', ')})`,
    );
  }
  const wanted = new Set(ids);
  const floor = minSeverity === undefined ? 0 : SEVERITIES.indexOf(minSeverity);
  return controls.filter((c) => (wanted.size === 0 || wanted.has(c.id)) && SEVERITIES.indexOf(c.severity) >= floor);
}

/**
 * The verdict for one account. Where the evaluation gave one per account (v.accounts), it is that account's: ERROR
 * only when the account's inventory (or the whole inventory) has a gap. Otherwise only its failing assets count: FAIL
 * when it has any; PASS when the control failed only on assets of other accounts; else the control's own verdict (as
 * under `count > 0`, which no account can be cleared of). The reason says that it is filtered.
 */
export function verdictForAccount(whole: ControlVerdict, accountId: string): ControlVerdict {
  // Assets excepted in other accounts are not this account's to show.
  const ownOnly = <A extends { accountId: string }>(list: A[] | undefined) => list?.filter((asset) => asset.accountId === accountId);
  const verdict = {
    ...whole,
    ...(whole.exceptedAssets === undefined ? {} : { exceptedAssets: ownOnly(whole.exceptedAssets) }),
    ...(whole.undecidedAssets === undefined ? {} : { undecidedAssets: ownOnly(whole.undecidedAssets) }),
  };
  const all = verdict.failingAssets;
  const mine = all.filter((asset) => asset.accountId === accountId);
  const scope = `filtered to account ${accountId}`;
  const own = whole.accounts?.find((account) => account.accountId === accountId);
  const accounts = whole.accounts === undefined ? {} : { accounts: own ? [own] : [], evaluatedCount: own?.evaluated ?? 0 };
  // An account the evaluation covers nowhere (a typo, an account never synced) has nothing to pass on: no verdict.
  if (whole.accounts !== undefined && !own) {
    const known = whole.accounts.map((account) => account.accountId);
    const listed =
      known.length === 0
        ? 'it covers no account yet'
        : `it covers ${plural(known.length, 'account', 'accounts')}: ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', ...' : ''}`;
    return {
      ...verdict,
      ...accounts,
      verdict: 'ERROR',
      reason: `${scope}: account ${accountId} was never synced: the inventory holds nothing of it (${listed}); check the id, or sync the account`,
      failingAssets: [],
      exceptedAssets: [],
    };
  }
  if (own?.verdict === 'ERROR') {
    // An account is ERROR for a gap in its inventory, or because a rule of the control could not be evaluated at all.
    const why = [
      ...(own.gaps.length > 0 ? [`its inventory is incomplete or stale: ${own.gaps.join('; ')}`] : []),
      ...(whole.notEvaluated?.length ? [`not every rule could be evaluated: ${whole.notEvaluated.map((r) => `${r.rule}: ${r.reason}`).join('; ')}`] : []),
      ...(own.undecided
        ? [
            `the inventory cannot decide ${plural(own.undecided, 'of its assets', 'of its assets')}: ${verdict.undecidedAssets!.map((a) => (a.detail ? `${a.id}: ${a.detail}` : a.id)).join('; ')}`,
          ]
        : []),
    ];
    return { ...verdict, ...accounts, verdict: 'ERROR', reason: `${scope}: ${why.join('; ') || verdict.reason}`, failingAssets: mine };
  }
  if (mine.length > 0) {
    // FAIL although the account's inventory has a gap: its failing assets are certain; the gap is said too.
    const alsoGaps = own?.gaps.length ? `; its inventory is also incomplete or stale, so more may fail: ${own.gaps.join('; ')}` : '';
    return {
      ...verdict,
      ...accounts,
      verdict: 'FAIL',
      reason: `${scope}: ${mine.length} of the ${all.length} failing ${all.length === 1 ? 'asset is' : 'assets are'} in it${alsoGaps} (whole inventory: ${verdict.verdict}, ${verdict.reason})`,
      failingAssets: mine,
    };
  }
  if (own?.verdict === 'PASS' && verdict.verdict !== 'PASS') {
    return {
      ...verdict,
      ...accounts,
      verdict: 'PASS',
      reason: `${scope}: none of its ${plural(own.evaluated, 'evaluated asset', 'evaluated assets')} fails, and its inventory is complete (whole inventory: ${verdict.verdict}, ${verdict.reason})`,
      failingAssets: [],
    };
  }
  if (verdict.verdict === 'FAIL' && all.length > 0) {
    return {
      ...verdict,
      ...accounts,
      verdict: 'PASS',
      reason: `${scope}: none of the ${all.length} failing ${all.length === 1 ? 'asset is' : 'assets are'} in it (whole inventory: FAIL, ${verdict.reason})`,
      failingAssets: [],
    };
  }
  return { ...verdict, ...accounts, reason: `${scope}: ${verdict.reason}`, failingAssets: [] };
}
