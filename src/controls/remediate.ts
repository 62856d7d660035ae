// Remediation plans: a control's `remediation` (CLI commands, key policy statements, Terraform) with the placeholders
// filled from each failing asset. Nothing here calls AWS or changes anything; the plans are text for a person to run.
//
// Placeholders are `<snake_case_name>` and are filled generically, from the asset, never per control:
//   <account_id>, <region>, <home_region>      the asset's owner account and home region
//   <asset_name>, <asset_arn>, <asset_id>       the asset's name and id (the ARN for AWS assets)
//   <trail_name>, <trail_arn>, <trail_id>       the same, under the asset type's own name (Trail -> trail_)
//   <s3_bucket_name>, <home_region>, ...        any non-empty text attribute of the stored asset, in snake_case
//   <is_multi_region_trail>, ...                any true/false attribute of the stored asset, as true or false
//   <log_bucket_name>                           an alias the catalog uses for an attribute (its definition's placeholderAliases)
// In Terraform, a line whose placeholders are all attributes the inventory knows to be empty ('': AWS has none, e.g.
// no SNS topic) is left out, so the resource keeps the trail as it is instead of setting a value it does not have.
// In the `cli` commands the asset's name placeholder is its ARN: AWS CLI commands accept either, and only the ARN
// reaches a trail seen from a region or account other than its own (a shadow or organization trail).
// A placeholder nothing fills (e.g. <kms_key_arn>, the key the user chooses) stays as it is and is listed in fillIn.
import { assetType } from '../assets/registry.js';
import { terminalValue as shown } from '../terminal-text.js';
import type { Control } from './catalog.js';
import { ControlLoadError } from './catalog.js';
import type { FailingAsset } from './evaluate.js';

export interface RemediationPlan {
  asset: FailingAsset;
  control: { id: string; title: string; severity: string };
  /** The CLI commands, placeholders filled, one string each (continuation lines joined). */
  commands: string[];
  /** The `cli` remediation as written (comments kept), with its commands filled: what a terminal shows. */
  script: string;
  /** The key policy statements, filled and parsed; null when the control has none. */
  keyPolicyStatements: unknown[] | null;
  /** The Terraform snippet, filled; null when the control has none. */
  terraform: string | null;
  /** Placeholders left for the user, because the inventory cannot know them (e.g. "<kms_key_arn>"). */
  fillIn: string[];
}

/** Names the catalog gives to attributes of an asset type, where they differ from the attribute's own (its definition's). */
const attributeAliases = (assetTypeName: string): Readonly<Record<string, string>> => assetType(assetTypeName)?.placeholderAliases ?? {};

const PLACEHOLDER = /<([a-z][a-z0-9_]*)>/g;

export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Placeholder name (without brackets) -> value, for one asset; `attributes` is the stored asset, when known. */
export function placeholderValues(asset: FailingAsset, attributes: Record<string, unknown> = {}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [field, value] of Object.entries(attributes)) {
    if ((typeof value === 'string' && value !== '') || typeof value === 'boolean') values[snakeCase(field)] = String(value);
  }
  for (const [alias, field] of Object.entries(attributeAliases(asset.assetType))) {
    if (values[field] !== undefined) values[alias] = values[field]!;
  }
  const own: Record<string, string> = { account_id: asset.accountId, region: asset.region, home_region: asset.region };
  for (const prefix of ['asset', ...(asset.assetType ? [snakeCase(asset.assetType)] : [])]) {
    own[`${prefix}_name`] = asset.name;
    own[`${prefix}_arn`] = asset.id;
    own[`${prefix}_id`] = asset.id;
  }
  for (const [name, value] of Object.entries(own)) if (value !== '') values[name] = value;
  return values;
}

/** Placeholder names (without brackets) of the text attributes the stored asset knows to be empty. */
export function emptyPlaceholders(asset: FailingAsset, attributes: Record<string, unknown> = {}): Set<string> {
  const filled = placeholderValues(asset, attributes);
  const empty = new Set(
    Object.entries(attributes)
      .filter(([, value]) => value === '')
      .map(([field]) => snakeCase(field)),
  );
  for (const [alias, field] of Object.entries(attributeAliases(asset.assetType))) if (empty.has(field)) empty.add(alias);
  for (const name of Object.keys(filled)) empty.delete(name);
  return empty;
}

/** The text without its lines whose placeholders are all in `empty` (lines without a placeholder stay). */
function withoutEmptyLines(text: string, empty: ReadonlySet<string>): string {
  return text
    .split('\n')
    .filter((line) => {
      const names = [...line.matchAll(PLACEHOLDER)].map((m) => m[1]!);
      return names.length === 0 || !names.every((name) => empty.has(name));
    })
    .join('\n');
}

/** Replaces every placeholder `values` knows, passing each value through `encode` (quoting for the target syntax). */
export function fillPlaceholders(text: string, values: Record<string, string>, encode: (value: string) => string = (v) => v): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? encode(values[name]!) : whole));
}

/** The placeholders left in a text, each once, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[0]))];
}

/** A value as one shell word: as it stands when it is plainly safe (ARNs, names, regions), else single-quoted. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_.:/@=+,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A value inside a JSON string literal. */
function jsonStringContent(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** A value inside a Terraform (HCL) string literal: JSON escaping, plus no template sequences. */
function hclStringContent(value: string): string {
  return jsonStringContent(value).replaceAll('${', '$${').replaceAll('%{', '%%{');
}

export function buildRemediationPlan(control: Control, asset: FailingAsset, attributes: Record<string, unknown> = {}): RemediationPlan {
  const values = placeholderValues(asset, attributes);
  const cliValues = { ...values };
  for (const prefix of ['asset', snakeCase(asset.assetType)]) {
    if (asset.id !== '') cliValues[`${prefix}_name`] = asset.id;
  }

  // Comments stay as written (they speak of the placeholders); only command lines are filled.
  const script = control.remediation.cli
    .trimEnd()
    .split('\n')
    .map((line) => (line.trimStart().startsWith('#') ? line : fillPlaceholders(line, cliValues, shellWord)))
    .join('\n');
  const commands = commandsIn(script);

  let keyPolicyStatements: unknown[] | null = null;
  const statementsText = control.remediation.keyPolicyStatements;
  if (statementsText !== undefined) {
    const filled = fillPlaceholders(statementsText, values, jsonStringContent);
    let parsed: unknown;
    try {
      parsed = JSON.parse(filled);
    } catch (error) {
      throw new ControlLoadError(`${control.file}: remediation.keyPolicyStatements is not valid JSON once filled: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new ControlLoadError(`${control.file}: remediation.keyPolicyStatements must be a JSON array of policy statements`);
    keyPolicyStatements = parsed;
  }
  const terraformText = control.remediation.terraform;
  const terraform =
    terraformText === undefined ? null : fillPlaceholders(withoutEmptyLines(terraformText.trimEnd(), emptyPlaceholders(asset, attributes)), values, hclStringContent);

  const left = [...commands, JSON.stringify(keyPolicyStatements ?? []), terraform ?? ''].flatMap(placeholdersIn);
  return {
    asset,
    control: { id: control.id, title: control.title, severity: control.severity },
    commands,
    script,
    keyPolicyStatements,
    terraform,
    fillIn: [...new Set(left)],
  };
}

/** The commands of a shell script: comment and blank lines dropped, backslash continuations joined into one line. */
export function commandsIn(script: string): string[] {
  const commands: string[] = [];
  let current: string[] = [];
  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (current.length === 0 && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current.push(line.slice(0, -1).trim());
      continue;
    }
    current.push(line);
    commands.push(current.filter((part) => part !== '').join(' '));
    current = [];
  }
  if (current.length > 0) commands.push(current.join(' '));
  return commands;
}

/** The JSON shape: one object per failing asset. */
export function plansAsJson(plans: RemediationPlan[]): string {
  const objects = plans.map((plan) => ({
    asset: plan.asset,
    control: plan.control,
    commands: plan.commands,
    keyPolicyStatements: plan.keyPolicyStatements,
    terraform: plan.terraform,
    fillIn: plan.fillIn,
  }));
  return `${JSON.stringify(objects, null, 2)}\n`;
}

/** The plans for a terminal: names, ids and reasons shown escaped, one line each; the scripts keep their lines. */
export function plansAsText(control: Control, reason: string, plans: RemediationPlan[]): string {
  const lines: string[] = [];
  lines.push(`FAIL   ${shown(control.id)}  ${shown(control.title)} (${control.severity})`);
  lines.push(`       ${shown(reason)}`);
  lines.push('');
  lines.push(`${plans.length} remediation ${plans.length === 1 ? 'plan' : 'plans'}. Nothing was run: this command never calls AWS. Review each step before running it.`);
  plans.forEach((plan, index) => {
    const { asset } = plan;
    lines.push('');
    lines.push(`=== Plan ${index + 1} of ${plans.length}: ${shown(asset.assetType || 'asset')} ${shown(asset.id)}`);
    lines.push(`    name ${shown(asset.name)}, account ${shown(asset.accountId)}, region ${shown(asset.region)}`);
    if (plan.fillIn.length > 0) {
      lines.push(`    FILL IN before running: ${shown(plan.fillIn.join(', '))} (the inventory cannot know ${plan.fillIn.length === 1 ? 'it' : 'them'}: your choice)`);
    }
    lines.push('');
    lines.push('--- AWS CLI');
    lines.push(plan.script);
    if (plan.keyPolicyStatements) {
      lines.push('');
      lines.push('--- KMS key policy statements: append to the key policy\'s "Statement" array, then aws kms put-key-policy');
      lines.push(JSON.stringify(plan.keyPolicyStatements, null, 2));
    }
    if (plan.terraform !== null) {
      lines.push('');
      lines.push('--- Terraform');
      lines.push(plan.terraform);
    }
  });
  return `${lines.join('\n')}\n`;
}
