// inventory check: evaluate the controls against the inventory and print the verdicts as a table, JSON, JUnit XML or
// OCSF Compliance Findings, for all controls or those asked for, over the whole inventory or one account.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Control } from '../../controls/catalog.js';
import { DEFAULT_MAX_AGE_HOURS, evaluateControls, type ControlVerdict } from '../../controls/evaluate.js';
import { verdictsAsJunit } from '../../controls/junit.js';
import { loadControlCatalog } from '../../controls/load.js';
import { verdictsAsOcsf } from '../../controls/ocsf.js';
import { selectControls, SEVERITIES, UnknownControlError, verdictForAccount, verdictsAsJson, verdictsAsText, type Severity } from '../../controls/report.js';
import { createInventoryApi } from '../../graphql/execute.js';
import { CONTROLS_DIR, PACKAGE_ROOT } from '../../paths.js';
import { withStore } from '../../store/open.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { dbOption, parsePositiveInt } from '../options.js';
import { printErr, printOut } from '../../terminal-text.js';
import { applicableExceptions, exceptionsFileOption, maxExceptionDaysOption, readExceptions } from './exceptions.js';

export const CHECK_FORMATS = ['table', 'json', 'junit', 'ocsf'] as const;

interface CheckFlags {
  db: string;
  format: (typeof CHECK_FORMATS)[number];
  controls: string;
  maxAge: number;
  control?: string[];
  severity?: Severity;
  account?: string;
  exceptions?: string;
  maxExceptionDays: number;
  /** False with --no-record. */
  record: boolean;
}

/** --control may be given more than once, each a control id or a comma-separated list of them. */
function collectIds(value: string, previous: string[] = []): string[] {
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError('expected a control id or a comma-separated list of them');
  return [...previous, ...ids];
}

function parseAccountId(value: string): string {
  if (!/^\d{12}$/.test(value)) throw new InvalidArgumentError('expected a 12-digit AWS account id');
  return value;
}

export function checkCommand(outcome: CommandOutcome): Command {
  return new Command('check')
    .description('Evaluate the controls against the inventory. Exit 1 when a control shown fails, 3 when one cannot be decided.')
    .addOption(dbOption())
    .addOption(new Option('--format <format>', 'output format').choices(CHECK_FORMATS).default('table'))
    .addOption(
      new Option('--controls <dir>', "the control catalog folder: ours (YAML files) or Cyscale's layout (controls/*.json, queries/*.json)")
        .env('INVENTORY_CONTROLS')
        .default(CONTROLS_DIR),
    )
    .addOption(
      new Option('--max-age <hours>', 'a region not synced successfully for longer is stale, and controls on it are ERROR')
        .env('INVENTORY_MAX_AGE_HOURS')
        .default(DEFAULT_MAX_AGE_HOURS)
        .argParser(parsePositiveInt),
    )
    .addOption(new Option('--control <id>', 'only this control (repeatable, or a comma-separated list)').argParser(collectIds))
    .addOption(new Option('--severity <level>', 'only controls of this severity and above').choices(SEVERITIES))
    .addOption(new Option('--account <id>', "only this account's failing assets count; each verdict is given for that account").argParser(parseAccountId))
    .addOption(exceptionsFileOption())
    .addOption(maxExceptionDaysOption())
    .addOption(
      new Option(
        '--no-record',
        'do not record the verdicts in the inventory (by default each check is recorded for the controls and controlRuns queries; ' +
          'with --control or --severity only the controls evaluated are recorded, and with --account their whole-inventory verdicts, as evaluated before the account filter)',
      ),
    )
    .action(async (flags: CheckFlags, command: Command) => {
      const api = createInventoryApi();
      const catalog = loadControlCatalog(api, flags.controls);
      const exceptions = readExceptions(
        flags,
        catalog.map((c) => c.id),
        outcome,
      );
      if (exceptions === undefined) return;
      let controls;
      try {
        controls = selectControls(catalog, flags.control ?? [], flags.severity);
      } catch (error) {
        if (error instanceof UnknownControlError) command.error(`error: ${error.message}`, { exitCode: EXIT.badInput, code: 'inventory.unknownControl' });
        throw error;
      }
      // Recording the verdicts writes into the inventory; --no-record only reads it (README, The inventory file).
      await withStore(flags.db, flags.record ? 'write' : 'read', async (store) => {
        // The file's exceptions and those stored in the inventory (not revoked) apply alike.
        const evaluated = await evaluateControls(api, store, controls, { maxAgeHours: flags.maxAge, exceptions: await applicableExceptions(store, exceptions) });
        const verdicts = flags.account === undefined ? evaluated : evaluated.map((v) => verdictForAccount(v, flags.account!));
        printOut(render(flags.format, verdicts, controls));
        // What was evaluated is recorded: the controls selected, over the whole inventory (--account only narrows what is shown).
        // Nothing is written into a database that fails its integrity check: a write could spread the damage.
        const damaged = evaluated.some((v) => v.databaseProblems !== undefined);
        if (flags.record && damaged) printErr('inventory: the verdicts are not recorded: the database fails its integrity check\n');
        if (flags.record && !damaged) await store.recordControlRun(evaluated, 'check', catalog);
        outcome.exitCode = verdictExitCode(verdicts);
      });
    });
}

function render(format: CheckFlags['format'], verdicts: ControlVerdict[], controls: Control[]): string {
  switch (format) {
    case 'json':
      return verdictsAsJson(verdicts);
    case 'junit':
      return verdictsAsJunit(verdicts, controls);
    case 'ocsf':
      return verdictsAsOcsf(verdicts, controls, { product: productInfo() });
    default:
      return verdictsAsText(verdicts);
  }
}

function productInfo(): { name: string; vendor_name: string; version: string } {
  const { name, version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name, vendor_name: name, version };
}

/** Any FAIL gives 1; otherwise any ERROR gives 3, because an undecided control must not look like a pass to CI. */
export function verdictExitCode(verdicts: ControlVerdict[]): number {
  if (verdicts.some((v) => v.verdict === 'FAIL')) return EXIT.controlFailed;
  if (verdicts.some((v) => v.verdict === 'ERROR')) return EXIT.operational;
  return EXIT.ok;
}
