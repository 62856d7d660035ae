// inventory exceptions list: every exception of the exceptions file with its state (active, expiring, expired) and
// whether it matches any asset in the inventory today. Also the --exceptions options that check and remediate take.
import { Command, Option } from 'commander';
import { loadCatalog } from '../../controls/catalog.js';
import { assetMatches, DEFAULT_MAX_EXCEPTION_DAYS, describeState, ExceptionsFileError, loadExceptions, type ControlException } from '../../controls/exceptions.js';
import { createInventoryApi } from '../../graphql/execute.js';
import { CONTROLS_DIR } from '../../paths.js';
import { openStore } from '../../store/open.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { dbOption, parsePositiveInt } from '../main.js';

export function exceptionsFileOption(): Option {
  return new Option('--exceptions <file>', 'a YAML list of exceptions: control, asset (ARN or pattern with *), owner, reason, approver, expires').env('INVENTORY_EXCEPTIONS');
}

export function maxExceptionDaysOption(): Option {
  return new Option('--max-exception-days <n>', 'an exception expiring further ahead than this many days is refused')
    .env('INVENTORY_MAX_EXCEPTION_DAYS')
    .default(DEFAULT_MAX_EXCEPTION_DAYS)
    .argParser(parsePositiveInt);
}

/**
 * The exceptions of the file named, or [] when none is; a broken file is said on stderr with exit code 2, and gives
 * undefined so that the command stops.
 */
export function readExceptions(
  flags: { exceptions?: string; maxExceptionDays: number },
  controlIds: readonly string[],
  outcome: CommandOutcome,
  now = new Date(),
): ControlException[] | undefined {
  if (flags.exceptions === undefined || flags.exceptions === '') return [];
  try {
    return loadExceptions(flags.exceptions, { controlIds, maxDays: flags.maxExceptionDays, now });
  } catch (error) {
    if (!(error instanceof ExceptionsFileError)) throw error;
    process.stderr.write(`inventory: ${error.message}\n`);
    outcome.exitCode = EXIT.badInput;
    return undefined;
  }
}

interface ListFlags {
  db: string;
  exceptions?: string;
  maxExceptionDays: number;
  controls: string;
  format: 'text' | 'json';
}

export function exceptionsCommand(outcome: CommandOutcome): Command {
  const list = new Command('list')
    .description('List every exception with its state (active, expires in N days, expired N days ago) and whether it matches an asset in the inventory.')
    .addOption(dbOption())
    .addOption(exceptionsFileOption())
    .addOption(maxExceptionDaysOption())
    .addOption(new Option('--controls <dir>', 'the control catalog folder').env('INVENTORY_CONTROLS').default(CONTROLS_DIR))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: ListFlags) => {
      if (flags.exceptions === undefined || flags.exceptions === '') {
        process.stderr.write('inventory: name the exceptions file with --exceptions <file> or INVENTORY_EXCEPTIONS\n');
        outcome.exitCode = EXIT.badInput;
        return;
      }
      const catalog = loadCatalog(createInventoryApi(), flags.controls);
      const now = new Date();
      const exceptions = readExceptions(flags, catalog.map((c) => c.id), outcome, now);
      if (exceptions === undefined) return;
      const store = await openStore(flags.db);
      let arns: string[];
      try {
        arns = (await store.findAssets({})).map((asset) => asset.id);
      } finally {
        await store.close();
      }
      const rows = exceptions.map((e) => {
        const state = describeState(e, now);
        const matches = arns.filter((arn) => assetMatches(e.asset, arn));
        return { ...e, state: state.state, stateText: state.text, days: state.days, matchingAssets: matches };
      });
      if (flags.format === 'json') {
        process.stdout.write(`${JSON.stringify({ exceptions: rows }, null, 2)}\n`);
        return;
      }
      const lines = rows.map((r) =>
        [
          `${r.control}  ${r.asset}`,
          `  ${r.stateText} (${r.expires}); owner ${r.owner}, approved by ${r.approver}${r.created ? `, created ${r.created}` : ''}`,
          `  ${r.reason}`,
          `  ${r.matchingAssets.length === 0 ? 'matches no asset in the inventory' : `matches ${r.matchingAssets.length} ${r.matchingAssets.length === 1 ? 'asset' : 'assets'} in the inventory`}`,
        ].join('\n'),
      );
      const expired = rows.filter((r) => r.state === 'expired').length;
      lines.push(`${rows.length} ${rows.length === 1 ? 'exception' : 'exceptions'}: ${rows.length - expired} active, ${expired} expired`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  return new Command('exceptions').description('Exceptions to controls (a YAML file given with --exceptions).').addCommand(list.exitOverride());
}
