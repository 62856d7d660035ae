// Renders verdicts as OCSF Compliance Finding events (class 2003), the form AWS Security Lake and SIEMs ingest:
// one finding per failing asset of a FAIL, one per control for a PASS or an ERROR, as a JSON array; an asset an active
// exception covers has its own finding, compliance Fail and status Suppressed.
import type { ControlVerdict, ExceptedAsset, FailingAsset } from './evaluate.js';
import type { ControlInfo, Severity } from './report.js';

export const OCSF_SCHEMA_VERSION = '1.3.0';

/**
 * The attributes OCSF marks required for a Compliance Finding with the Cloud profile applied, as dotted paths, with
 * the JSON type each must have. Source: the OCSF schema (github.com/ocsf/ocsf-schema, as of 1.3.0), where
 * "requirement": "required" is set on: events/base_event.json (activity_id, category_uid, class_uid, metadata,
 * severity_id, time, type_uid); events/findings/finding.json (finding_info); events/findings/compliance_finding.json
 * (compliance); profiles/cloud.json (cloud); objects/metadata.json (product, version); objects/product.json
 * (vendor_name in 1.3.0; name in later versions: both are given); objects/finding_info.json (uid);
 * objects/compliance.json (standards); objects/cloud.json (provider); objects/_resource (uid or name: uid is given).
 */
export const OCSF_REQUIRED_FIELDS: readonly (readonly [path: string, type: 'integer' | 'string' | 'object' | 'string[]'])[] = [
  ['activity_id', 'integer'],
  ['category_uid', 'integer'],
  ['class_uid', 'integer'],
  ['type_uid', 'integer'],
  ['severity_id', 'integer'],
  ['time', 'integer'],
  ['metadata', 'object'],
  ['metadata.version', 'string'],
  ['metadata.product', 'object'],
  ['metadata.product.name', 'string'],
  ['metadata.product.vendor_name', 'string'],
  ['finding_info', 'object'],
  ['finding_info.uid', 'string'],
  ['compliance', 'object'],
  ['compliance.standards', 'string[]'],
  ['cloud', 'object'],
  ['cloud.provider', 'string'],
];

/** OCSF severity_id (base event): 0 Unknown, 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal, 99 Other. */
export const OCSF_SEVERITY_IDS: Record<Severity, { id: number; caption: string }> = {
  low: { id: 2, caption: 'Low' },
  medium: { id: 3, caption: 'Medium' },
  high: { id: 4, caption: 'High' },
  critical: { id: 5, caption: 'Critical' },
};

/** OCSF compliance.status_id: 1 Pass, 2 Warning (no result for want of information), 3 Fail. */
export const OCSF_COMPLIANCE_STATUS = {
  PASS: { id: 1, caption: 'Pass' },
  ERROR: { id: 2, caption: 'Warning' },
  FAIL: { id: 3, caption: 'Fail' },
} as const;

/**
 * Finding status_id 1 New: each run reports afresh; what the check found is in compliance.status_id. An asset an active
 * exception covers still fails the check, so its compliance status stays Fail (a Pass would say the trail is
 * encrypted when it is not); the finding's own status is 3 Suppressed, the OCSF finding state for an accepted risk (as
 * Security Hub's workflow status SUPPRESSED), and the exception itself, which OCSF has no object for, is under
 * unmapped.exception.
 */
const FINDING_STATUS = { id: 1, caption: 'New' } as const;
export const OCSF_SUPPRESSED_STATUS = { id: 3, caption: 'Suppressed' } as const;

export interface OcsfProduct {
  name: string;
  vendor_name: string;
  version: string;
}

export interface OcsfOptions {
  product: OcsfProduct;
}

export function verdictsAsOcsf(verdicts: ControlVerdict[], controls: readonly ControlInfo[], options: OcsfOptions): string {
  return `${JSON.stringify(ocsfFindings(verdicts, controls, options), null, 2)}\n`;
}

export function ocsfFindings(verdicts: ControlVerdict[], controls: readonly ControlInfo[], options: OcsfOptions): Record<string, unknown>[] {
  const byId = new Map(controls.map((c) => [c.id, c]));
  const findings: Record<string, unknown>[] = [];
  for (const verdict of verdicts) {
    const control = byId.get(verdict.controlId);
    if (!control) throw new Error(`no control "${verdict.controlId}" to describe its verdict`);
    const excepted = verdict.verdict === 'ERROR' ? [] : (verdict.exceptedAssets ?? []);
    if (verdict.verdict === 'FAIL' && verdict.failingAssets.length > 0) {
      for (const asset of verdict.failingAssets) findings.push(finding(verdict, control, options, [asset], `${verdict.controlId}:${asset.id}`));
    } else if (excepted.length === 0) {
      findings.push(finding(verdict, control, options, verdict.failingAssets, verdict.controlId));
    }
    // An excepted asset: the check still fails on it, and the finding is suppressed until the exception expires.
    for (const asset of excepted) findings.push(finding(verdict, control, options, [asset], `${verdict.controlId}:${asset.id}`, asset));
  }
  return findings;
}

function finding(
  verdict: ControlVerdict,
  control: ControlInfo,
  options: OcsfOptions,
  assets: FailingAsset[],
  uid: string,
  excepted?: ExceptedAsset,
): Record<string, unknown> {
  const severity = OCSF_SEVERITY_IDS[control.severity];
  const status = excepted ? OCSF_COMPLIANCE_STATUS.FAIL : OCSF_COMPLIANCE_STATUS[verdict.verdict];
  const findingStatus = excepted ? OCSF_SUPPRESSED_STATUS : FINDING_STATUS;
  const e = excepted?.exception;
  const detail = e ? `excepted until ${e.expires} (owner ${e.owner}, approved by ${e.approver}): ${e.reason}` : verdict.reason;
  const time = Date.parse(verdict.evaluatedAt);
  const cis = control.references.cis;
  const one = <T>(values: T[]): T | undefined => (new Set(values).size === 1 ? values[0] : undefined);
  const accountId = one(assets.map((a) => a.accountId).filter(Boolean));
  const region = one(assets.map((a) => a.region).filter(Boolean));
  return {
    activity_id: 1,
    activity_name: 'Create',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2003,
    class_name: 'Compliance Finding',
    type_uid: 200301,
    type_name: 'Compliance Finding: Create',
    severity_id: severity.id,
    severity: severity.caption,
    status_id: findingStatus.id,
    status: findingStatus.caption,
    time,
    message: e ? `FAIL, excepted: ${detail}` : `${verdict.verdict}: ${verdict.reason}`,
    metadata: { version: OCSF_SCHEMA_VERSION, product: { ...options.product }, profiles: ['cloud'] },
    finding_info: {
      uid: `${options.product.name}:${uid}`,
      title: verdict.title,
      desc: control.description.trim(),
      created_time: time,
      types: ['Compliance'],
    },
    compliance: {
      standards: [...new Set(cis.map((ref) => `${ref.benchmark} v${ref.version}`))],
      requirements: [...cis.map((ref) => `${ref.benchmark} v${ref.version} ${ref.id}`), ...control.references.cce],
      control: verdict.controlId,
      status_id: status.id,
      status: status.caption,
      status_detail: detail,
    },
    resources: assets.map((asset) => ({
      uid: asset.id,
      ...(asset.name ? { name: asset.name } : {}),
      // Why this asset fails, as the control's query named it (e.g. the reasons its trail's key cannot be used).
      ...(asset.detail ? { data: { detail: asset.detail } } : {}),
      type: asset.assetType || control.assetTypes.join(', '),
      ...(asset.region ? { region: asset.region } : {}),
    })),
    cloud: {
      provider: 'AWS',
      ...(accountId ? { account: { uid: accountId, type: 'AWS Account', type_id: 10 } } : {}),
      ...(region ? { region } : {}),
    },
    remediation: { desc: control.remediation.console.trim(), references: control.references.links },
    // Gaps in the inventory the verdict rests on (a FAIL on known failing assets may have them): OCSF has no field for them.
    // Rules not evaluated (Cyscale's layout): the reason the status is Warning, which OCSF has no field for either.
    ...(e || verdict.gaps?.length || verdict.notEvaluated?.length || verdict.undecidedAssets?.length
      ? {
          unmapped: {
            ...(verdict.undecidedAssets?.length ? { undecided_assets: verdict.undecidedAssets } : {}),
            ...(e ? { exception: { ...e, expires_time: Date.parse(`${e.expires}T00:00:00Z`) + 86_400_000 } } : {}),
            ...(verdict.gaps?.length ? { inventory_gaps: verdict.gaps } : {}),
            ...(verdict.notEvaluated?.length ? { not_evaluated_rules: verdict.notEvaluated } : {}),
          },
        }
      : {}),
  };
}
