// Remediation of cloudtrail-kms-key-usable (README, KMS keys: "The key behind the trail"): per key, what makes it usable
// for the trails that name it — its real policy with exactly the missing CloudTrail statements merged in, enable-key or
// cancel-key-deletion where the key's state is the fix — and, where the key cannot be fixed in place, another key of
// the trail's region that the inventory knows to be usable. Text for a person to review; nothing here calls AWS.
import { parseArn } from '../model/arn.js';
import { cloudTrailKeyAccess, missingCloudTrailStatements, type KeyPolicyStatementJson } from '../model/key-policy-access.js';
import { trailKeyVerdict, type VerdictKey, type VerdictTrail } from '../model/trail-key-verdict.js';
import { terminalValue as shown } from '../terminal-text.js';
import type { Control } from './catalog.js';

/** The control whose remediation is per key (controls/aws/cloudtrail-kms-key-usable.yaml). */
export const KEY_USABLE_CONTROL = 'cloudtrail-kms-key-usable';

/** What to do for one key and the failing trails that name it. */
export interface KeyFix {
  keyArn: string;
  /** The failing trails that name the key, by ARN. */
  trails: string[];
  /** AWS CLI commands, in order; each says its region. */
  commands: string[];
  /** The key's policy with the missing CloudTrail statements merged in (for put-key-policy); null when it needs none. */
  policy: Record<string, unknown> | null;
  /** What the commands cannot fix, or what to check first, one sentence each. */
  notes: string[];
}

export type StoredKey = VerdictKey & { keyState: string | null };

/** A key another trail could use instead, by the trail's ARN: one the inventory judges USABLE for it, in its region. */
export function usableKeyFor(trail: VerdictTrail, keys: readonly StoredKey[]): StoredKey | undefined {
  return keys.find((key) => trailKeyVerdict({ trail: { ...trail, kmsKeyID: key.arn }, key, keyScopeSynced: true })?.verdict === 'USABLE');
}

/** The fixes for the failing trails, one per key they name, in the order of the keys' ARNs. */
export function keyFixes(trails: readonly VerdictTrail[], keys: ReadonlyMap<string, StoredKey>, allKeys: readonly StoredKey[]): KeyFix[] {
  const byKey = new Map<string, VerdictTrail[]>();
  for (const trail of trails) byKey.set(trail.kmsKeyID, [...(byKey.get(trail.kmsKeyID) ?? []), trail]);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([keyArn, named]) => fixFor(keyArn, named, keys.get(keyArn), allKeys));
}

function fixFor(keyArn: string, trails: readonly VerdictTrail[], key: StoredKey | undefined, allKeys: readonly StoredKey[]): KeyFix {
  const fix: KeyFix = { keyArn, trails: trails.map((t) => t.arn).sort(), commands: [], policy: null, notes: [] };
  const region = safeRegion(keyArn);
  const replace = (why: string) => {
    fix.notes.push(`${why}: point each trail at a usable key of its region instead.`);
    for (const trail of trails) {
      const other = usableKeyFor(
        trail,
        allKeys.filter((k) => k.arn !== keyArn),
      );
      if (other) fix.commands.push(`aws cloudtrail update-trail --name ${trail.arn} --kms-key-id ${other.arn} --region ${trail.homeRegion}`);
      else
        fix.notes.push(
          `The inventory knows no usable key for ${trail.arn} in ${trail.homeRegion}: create one (aws kms create-key), give it CloudTrail's statements, then aws cloudtrail update-trail --kms-key-id.`,
        );
    }
    return fix;
  };
  if (!key) return replace('The key does not exist, or its account is not synced');
  if (key.managementType === 'AWSManaged') return replace('The key is AWS managed, and its policy cannot be changed');
  if (key.keySpec !== null && key.keySpec !== 'SYMMETRIC_DEFAULT') return replace(`The key is ${key.keySpec}, not a symmetric encryption key`);
  if (key.keyState === 'PendingImport' || key.keyState === 'Unavailable') return replace(`The key is ${key.keyState}`);
  const foreignRegion = trails.filter((t) => t.homeRegion !== region);
  if (foreignRegion.length > 0) {
    fix.notes.push(
      `The key is in ${region}; ${foreignRegion.map((t) => t.arn).join(', ')} ${foreignRegion.length === 1 ? 'delivers' : 'deliver'} from another region (the trail's home region stands in for its bucket's).`,
    );
    return replace('A key of another region cannot encrypt these logs');
  }

  // The key's state: cancel a deletion (which leaves it disabled), then enable it.
  if (key.keyState === 'PendingDeletion') fix.commands.push(`aws kms cancel-key-deletion --key-id ${keyArn} --region ${region}`);
  if (key.keyState === 'PendingDeletion' || key.keyState === 'Disabled') fix.commands.push(`aws kms enable-key --key-id ${keyArn} --region ${region}`);

  if (key.policyDocument === null) {
    fix.notes.push('The key policy could not be read: read it (aws kms get-key-policy --policy-name default) and add the statements CloudTrail needs.');
    return fix;
  }
  const missing = trails.flatMap((trail) => missingCloudTrailStatements(key.policyDocument!, sourceOf(trail), keyArn));
  for (const trail of trails) {
    const access = cloudTrailKeyAccess(key.policyDocument, sourceOf(trail), keyArn);
    for (const [what, decision] of Object.entries(access)) {
      if (decision.decision === 'denied')
        fix.notes.push(
          `A Deny statement keeps CloudTrail from the key (${what}) for ${trail.arn}: remove or narrow it; no added statement can outweigh it. ${decision.reasons.join('; ')}`,
        );
      if (decision.decision === 'unknown')
        fix.notes.push(`Whether the policy lets CloudTrail ${what} for ${trail.arn} is unknown: check it by hand. ${decision.reasons.join('; ')}`);
    }
  }
  if (missing.length > 0) {
    fix.policy = mergedPolicy(key.policyDocument, missing);
    fix.commands.push(
      `aws kms put-key-policy --key-id ${keyArn} --policy-name default --policy file://key-policy-${parseArn(keyArn).resource.replace(/^key\//, '')}.json --region ${region}`,
    );
  }
  return fix;
}

const sourceOf = (trail: VerdictTrail) => ({ arn: trail.arn, sourceAccount: parseArn(trail.arn).accountId });

function safeRegion(arn: string): string {
  try {
    return parseArn(arn).region;
  } catch {
    return '';
  }
}

/**
 * The policy with `missing` merged in: statements of the same kind (encrypt, describe) become one whose aws:SourceArn
 * lists every trail and whose encryption-context pattern every account, under a Sid the policy does not use yet; the
 * statements already there are kept as they are, in their order.
 */
export function mergedPolicy(policyText: string, missing: readonly KeyPolicyStatementJson[]): Record<string, unknown> {
  const policy = JSON.parse(policyText) as Record<string, unknown>;
  const existing = policy.Statement === undefined ? [] : Array.isArray(policy.Statement) ? [...policy.Statement] : [policy.Statement];
  const usedSids = new Set(existing.map((s) => (s as { Sid?: unknown }).Sid).filter((sid): sid is string => typeof sid === 'string'));
  const merged = new Map<string, KeyPolicyStatementJson>();
  for (const statement of missing) {
    const known = merged.get(statement.Action);
    if (!known) {
      merged.set(statement.Action, structuredClone(statement));
      continue;
    }
    for (const [operator, keys] of Object.entries(statement.Condition)) {
      for (const [key, values] of Object.entries(keys)) {
        const target = (known.Condition[operator] ??= {});
        target[key] = [...new Set([...[target[key] ?? []].flat(), ...[values].flat()])];
      }
    }
  }
  const added = [...merged.values()].map((statement) => {
    let sid = statement.Sid;
    for (let n = 2; usedSids.has(sid); n += 1) sid = `${statement.Sid} ${n}`;
    usedSids.add(sid);
    return { ...statement, Sid: sid };
  });
  return { ...policy, Statement: [...existing, ...added] };
}

/** The fixes for a terminal: each key, its trails, what to check, the commands, and the policy to put. */
export function keyFixesAsText(control: Pick<Control, 'id' | 'title' | 'severity'>, reason: string, fixes: readonly KeyFix[]): string {
  const lines = [`FAIL   ${shown(control.id)}  ${shown(control.title)} (${control.severity})`, `       ${shown(reason)}`, ''];
  lines.push(`${fixes.length} ${fixes.length === 1 ? 'key' : 'keys'} to fix. Nothing was run: this command never calls AWS. Review each step before running it.`);
  fixes.forEach((fix, index) => {
    lines.push(
      '',
      `=== Key ${index + 1} of ${fixes.length}: ${shown(fix.keyArn)}`,
      `    for ${fix.trails.length === 1 ? 'trail' : 'trails'} ${shown(fix.trails.join(', '))}`,
    );
    for (const note of fix.notes) lines.push(`    NOTE ${shown(note)}`);
    if (fix.commands.length > 0) lines.push('', '--- AWS CLI', ...fix.commands.map((command) => shown(command)));
    if (fix.policy) {
      const file = fix.commands.find((c) => c.includes('put-key-policy'))?.match(/file:\/\/(\S+)/)?.[1];
      lines.push(
        '',
        `--- Key policy: the key's current policy with CloudTrail's statements merged in; save it as ${shown(file ?? 'the policy file')} for put-key-policy`,
      );
      lines.push(JSON.stringify(fix.policy, null, 2));
    }
  });
  return `${lines.join('\n')}\n`;
}

/** The fixes as JSON: one object per key. */
export function keyFixesAsJson(control: Pick<Control, 'id' | 'title' | 'severity'>, fixes: readonly KeyFix[]): string {
  return `${JSON.stringify(
    fixes.map((fix) => ({ control: { id: control.id, title: control.title, severity: control.severity }, ...fix })),
    null,
    2,
  )}\n`;
}
