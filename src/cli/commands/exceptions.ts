// inventory exceptions list: every exception, of the exceptions file and stored in the inventory, with its state (active,
// expiring, expired, revoked) and the assets it matches in the inventory today; inventory exceptions revoke <id>. Also
// the --exceptions options that check and remediate take, and the stored exceptions they apply alongside the file's.
import { Command, Option } from 'commander';
import { loadCatalog } from '../../controls/catalog.js';
import { assetMatches, DEFAULT_MAX_EXCEPTION_DAYS, describeState, ExceptionsFileError, loadExceptions, type ControlException } from '../../controls/exceptions.js';
import { createInventoryApi } from '../../graphql/execute.js';
import { CONTROLS_DIR } from '../../paths.js';
import { openStore } from '../../store/open.js';
import type { InventoryStore, StoredControlException } from '../../store/store.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { dbOption, parsePositiveInt } from '../main.js';

export function exceptionsFileOption(): Option {
  return new Option('--exceptions <file>', 'a YAML list of exceptions: control, asset (ARN, pattern with *, or account id), owner, reason, approver, expires; applied with those stored in the inventory').env('INVENTORY_EXCEPTIONS');
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

/**
 * The exceptions stored in the inventory (added through the GraphQL API) and not revoked, as the control engine takes
 * them: alongside the file's, an active one moves a failing asset to excepted, an expired one is reported as expired.
 */
export async function storedExceptions(store: InventoryStore): Promise<ControlException[]> {
  return (await store.listControlExceptions()).map(asControlException);
}

function asControlException(e: StoredControlException): ControlException {
  return { control: e.control, asset: e.asset, owner: e.owner, reason: e.reason, approver: e.approver, expires: e.expires, created: e.createdAt.slice(0, 10) };
}

interface ListFlags {
  db: string;
  exceptions?: string;
  maxExceptionDays: number;
  controls: string;
  format: 'text' | 'json';
  includeRevoked?: boolean;
}

/** One exception as listed: where it comes from, its fields, its state and the inventory assets it matches. */
interface ListedException {
  source: 'file' | 'api';
  /** Stored exceptions only: what revokeException and `exceptions revoke` take. */
  id?: number;
  control: string;
  asset: string;
  owner: string;
  reason: string;
  approver: string;
  expires: string;
  created?: string;
  createdAt?: string;
  createdBy?: string;
  revokedAt?: string | null;
  revokedBy?: string | null;
  state: 'active' | 'expired' | 'revoked';
  stateText: string;
  days: number;
  matchingAssets: string[];
}

export function exceptionsCommand(outcome: CommandOutcome): Command {
  const list = new Command('list')
    .description(
      'List every exception, from the exceptions file and stored in the inventory (source file or api), with its state ' +
        '(active, expires in N days, expired N days ago) and the inventory assets it matches.',
    )
    .addOption(dbOption())
    .addOption(exceptionsFileOption())
    .addOption(maxExceptionDaysOption())
    .addOption(new Option('--controls <dir>', 'the control catalog folder').env('INVENTORY_CONTROLS').default(CONTROLS_DIR))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--include-revoked', 'also list stored exceptions that were revoked (they never apply)'))
    .action(async (flags: ListFlags) => {
      const catalog = loadCatalog(createInventoryApi(), flags.controls);
      const now = new Date();
      const fromFile = readExceptions(flags, catalog.map((c) => c.id), outcome, now);
      if (fromFile === undefined) return;
      const store = await openStore(flags.db);
      let stored: StoredControlException[];
      let ids: string[];
      try {
        stored = await store.listControlExceptions({ includeRevoked: true });
        // Asset ids: ARNs, and the account ids that account-level controls report.
        ids = [...(await store.findAssets({})).map((asset) => asset.id), ...(await store.findAccounts({})).map((account) => account.accountId)];
      } finally {
        await store.close();
      }
      if ((flags.exceptions === undefined || flags.exceptions === '') && stored.length === 0) {
        process.stderr.write('inventory: no exception is stored in the inventory; name an exceptions file with --exceptions <file> or INVENTORY_EXCEPTIONS\n');
        outcome.exitCode = EXIT.badInput;
        return;
      }
      const shown = flags.includeRevoked ? stored : stored.filter((e) => e.revokedAt === null);
      const matching = (asset: string) => ids.filter((id) => assetMatches(asset, id));
      const rows: ListedException[] = [
        ...fromFile.map((e): ListedException => {
          const state = describeState(e, now);
          return { source: 'file', ...e, state: state.state, stateText: state.text, days: state.days, matchingAssets: matching(e.asset) };
        }),
        ...shown.map((e): ListedException => {
          const state = describeState(e, now);
          const revoked = e.revokedAt !== null;
          return {
            source: 'api', ...e,
            state: revoked ? 'revoked' : state.state,
            stateText: revoked ? `revoked ${e.revokedAt!.slice(0, 10)} by ${e.revokedBy}` : state.text,
            days: state.days,
            matchingAssets: matching(e.asset),
          };
        }),
      ];
      if (flags.format === 'json') {
        process.stdout.write(`${JSON.stringify({ exceptions: rows }, null, 2)}\n`);
        return;
      }
      const lines = rows.map((r) =>
        [
          `${r.control}  ${r.asset}`,
          `  source: ${r.source === 'file' ? `file ${flags.exceptions}` : `api, id ${r.id}, created ${r.createdAt} by ${r.createdBy}`}`,
          `  ${r.stateText} (${r.expires}); owner ${r.owner}, approved by ${r.approver}${r.created ? `, created ${r.created}` : ''}`,
          `  ${r.reason}`,
          `  ${r.matchingAssets.length === 0 ? 'matches no asset in the inventory' : `matches ${r.matchingAssets.length} ${r.matchingAssets.length === 1 ? 'asset' : 'assets'} in the inventory`}`,
        ].join('\n'),
      );
      const count = (state: ListedException['state']) => rows.filter((r) => r.state === state).length;
      const revokedHidden = stored.length - shown.length;
      lines.push(
        `${rows.length} ${rows.length === 1 ? 'exception' : 'exceptions'}: ${count('active')} active, ${count('expired')} expired` +
          `${flags.includeRevoked ? `, ${count('revoked')} revoked` : ''}` +
          ` (${fromFile.length} from the file, ${shown.length} stored)` +
          `${revokedHidden > 0 ? `; ${revokedHidden} revoked not shown (--include-revoked)` : ''}`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  const revoke = new Command('revoke')
    .description('Revoke an exception stored in the inventory, by the id `exceptions list` shows; it is kept, marked revoked, and never applies again.')
    .argument('<id>', 'the stored exception\'s id')
    .addOption(dbOption())
    .action(async (id: string, flags: { db: string }) => {
      if (!/^\d{1,15}$/.test(id)) {
        process.stderr.write(`inventory: expected the id of a stored exception (a number, as \`inventory exceptions list\` shows), not "${id}"\n`);
        outcome.exitCode = EXIT.badInput;
        return;
      }
      const store = await openStore(flags.db);
      try {
        const revoked = await store.revokeControlException(Number(id), 'cli');
        if (!revoked) {
          process.stderr.write(`inventory: no stored exception has id ${id} (see \`inventory exceptions list\`)\n`);
          outcome.exitCode = EXIT.badInput;
          return;
        }
        process.stdout.write(`Revoked exception ${revoked.id} (${revoked.control}, ${revoked.asset}) at ${revoked.revokedAt} by ${revoked.revokedBy}\n`);
      } finally {
        await store.close();
      }
    });

  return new Command('exceptions')
    .description('Exceptions to controls: those of an exceptions file (--exceptions) and those stored in the inventory through the GraphQL API.')
    .addCommand(list.exitOverride())
    .addCommand(revoke.exitOverride());
}
