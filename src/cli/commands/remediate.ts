// inventory remediate <control-id>: evaluate one control and print, for each failing asset, its remediation plan with
// everything the inventory knows filled in. It never calls AWS and changes nothing.
import { Command, Option } from 'commander';
import { loadCatalog } from '../../controls/catalog.js';
import { DEFAULT_MAX_AGE_HOURS, evaluateControl } from '../../controls/evaluate.js';
import { KEY_USABLE_CONTROL, keyFixes, keyFixesAsJson, keyFixesAsText, usableKeyFor, type StoredKey } from '../../controls/key-remediation.js';
import { buildRemediationPlan, plansAsJson, plansAsText } from '../../controls/remediate.js';
import { KMS_KEY } from '../../assets/kms-key.js';
import type { VerdictTrail } from '../../model/trail-key-verdict.js';
import { createInventoryApi } from '../../graphql/execute.js';
import { CONTROLS_DIR } from '../../paths.js';
import { withStore } from '../../store/open.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { dbOption, parsePositiveInt } from '../options.js';
import { printErr, printOut, terminalValue as shown } from '../../terminal-text.js';
import { applicableExceptions, exceptionsFileOption, maxExceptionDaysOption, readExceptions } from './exceptions.js';

/** The control whose plans are proposed a usable key (controls/aws/cloudtrail-kms-encryption.yaml's <kms_key_arn>). */
const ENCRYPTION_CONTROL = 'cloudtrail-kms-encryption';

interface RemediateFlags {
  db: string;
  format: 'text' | 'json';
  controls: string;
  maxAge: number;
  exceptions?: string;
  maxExceptionDays: number;
}

export function remediateCommand(outcome: CommandOutcome): Command {
  return new Command('remediate')
    .description(
      'Print a remediation plan for each asset failing a control (CLI commands, key policy, Terraform), filled from the inventory. ' +
        'Calls no AWS API. Exit 1 when there are plans, 0 when the control passes, 3 when it cannot be decided.',
    )
    .argument('<control-id>', 'the control, e.g. cloudtrail-kms-encryption')
    .addOption(dbOption())
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--controls <dir>', 'the control catalog folder').env('INVENTORY_CONTROLS').default(CONTROLS_DIR))
    .addOption(
      new Option('--max-age <hours>', 'a region not synced successfully for longer is stale, and no plan is given on it')
        .env('INVENTORY_MAX_AGE_HOURS')
        .default(DEFAULT_MAX_AGE_HOURS)
        .argParser(parsePositiveInt),
    )
    .addOption(exceptionsFileOption())
    .addOption(maxExceptionDaysOption())
    .action(async (controlId: string, flags: RemediateFlags) => {
      const api = createInventoryApi();
      const controls = loadCatalog(api, flags.controls);
      const control = controls.find((c) => c.id === controlId);
      if (!control) {
        printErr(`inventory: unknown control "${shown(controlId)}" (known: ${shown(controls.map((c) => c.id).join(', '))})\n`);
        outcome.exitCode = EXIT.badInput;
        return;
      }
      // Assets an active exception (of the file, or stored in the inventory) covers are not failing, so they get no plan.
      const exceptions = readExceptions(
        flags,
        controls.map((c) => c.id),
        outcome,
      );
      if (exceptions === undefined) return;
      await withStore(flags.db, 'read', async (store) => {
        const verdict = await evaluateControl(api, store, control, { maxAgeHours: flags.maxAge, exceptions: await applicableExceptions(store, exceptions) });
        if (verdict.verdict === 'ERROR') {
          // Never a plan on an inventory that cannot be trusted: it could be missing assets, or list ones already fixed.
          printErr(`inventory: ${shown(control.id)} cannot be decided, so no remediation plan is given: ${shown(verdict.reason)}\n`);
          outcome.exitCode = EXIT.operational;
          return;
        }
        if (verdict.gaps?.length) {
          // A FAIL made certain by known failing assets on an incomplete inventory: an asset read where it is stale may be fixed since.
          printErr(`inventory: ${shown(control.id)} fails, but no remediation plan is given on an incomplete or stale inventory: ${shown(verdict.reason)}\n`);
          outcome.exitCode = EXIT.operational;
          return;
        }
        if (verdict.verdict === 'PASS' || verdict.failingAssets.length === 0) {
          printOut(
            flags.format === 'json'
              ? plansAsJson([])
              : verdict.verdict === 'PASS'
                ? `PASS   ${shown(control.id)}  ${shown(control.title)}\n       ${shown(verdict.reason)}; nothing needs remediation.\n`
                : `FAIL   ${shown(control.id)}  ${shown(control.title)}\n       ${shown(verdict.reason)}; the control names no failing asset, so there is no per-asset plan.\n`,
          );
          outcome.exitCode = verdict.verdict === 'PASS' ? EXIT.ok : EXIT.controlFailed;
          return;
        }
        // The stored assets, for attributes the plans may use (e.g. the trail's S3 bucket).
        const stored = await store.findAssets({ id_IN: verdict.failingAssets.map((asset) => asset.id) });
        const byId = new Map(stored.map((asset) => [asset.id, asset as unknown as Record<string, unknown>]));
        const keyAware = control.id === KEY_USABLE_CONTROL || control.id === ENCRYPTION_CONTROL;
        const keys = keyAware ? ((await store.findAssetsOfType(KMS_KEY.name, {})) as unknown as StoredKey[]) : [];
        if (control.id === KEY_USABLE_CONTROL) {
          // Per key, not per trail: one policy to put for all the trails that name a key.
          const trails = verdict.failingAssets.map((asset) => byId.get(asset.id) as unknown as VerdictTrail).filter((trail) => trail !== undefined);
          const fixes = keyFixes(trails, new Map(keys.map((key) => [key.arn, key])), keys);
          printOut(flags.format === 'json' ? keyFixesAsJson(control, fixes) : keyFixesAsText(control, verdict.reason, fixes));
          outcome.exitCode = EXIT.controlFailed;
          return;
        }
        const plans = verdict.failingAssets.map((asset) => {
          const attributes = byId.get(asset.id);
          // An unencrypted trail is proposed a key of its region the inventory finds usable for it, when it knows one.
          const usable =
            control.id === ENCRYPTION_CONTROL && attributes
              ? usableKeyFor({ arn: asset.id, homeRegion: String(attributes.homeRegion ?? asset.region), kmsKeyID: '' }, keys)
              : undefined;
          return buildRemediationPlan(control, asset, usable ? { ...attributes, kmsKeyArn: usable.arn } : attributes);
        });
        printOut(flags.format === 'json' ? plansAsJson(plans) : plansAsText(control, verdict.reason, plans));
        outcome.exitCode = EXIT.controlFailed;
      });
    });
}
