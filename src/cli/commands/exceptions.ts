// inventory exceptions list: every exception, of the exceptions file and stored in the inventory, with its state (active,
// expiring, expired, revoked) and the assets it matches in the inventory today; inventory exceptions revoke <id>. Also
// the --exceptions options that check and remediate take, and the stored exceptions they apply alongside the file's.
import { Command, Option } from 'commander';
import { loadControlCatalog } from '../../controls/load.js';
import { evaluatedAssets, type FailingAsset } from '../../controls/evaluate.js';
import { DEFAULT_MAX_EXCEPTION_DAYS, exceptionCovers, describeState, ExceptionsFileError, loadExceptions, type ControlException } from '../../model/exceptions.js';
import { createInventoryApi } from '../../graphql/execute.js';
import { CONTROLS_DIR } from '../../paths.js';
import { withStore } from '../../store/open.js';
import type { InventoryStore, StoredControlException } from '../../store/store.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { dbOption, parsePositiveInt } from '../options.js';
import { printErr, printOut, terminalValue } from '../../terminal-text.js';

export function exceptionsFileOption(): Option {
  return new Option(
    '--exceptions <file>',
    'a YAML list of exceptions: control, asset (ARN, pattern with *, or account id), owner, reason, approver, expires; applied with those stored in the inventory',
  ).env('INVENTORY_EXCEPTIONS');
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
    printErr(`inventory: ${error.message}\n`);
    outcome.exitCode = EXIT.badInput;
    return undefined;
  }
}

/**
 * The exceptions stored in the inventory (added through the GraphQL API) and not revoked, as the control engine takes
 * them: alongside the file's, an active one moves a failing asset to excepted, an expired one is reported as expired.
 */
async function storedExceptions(store: InventoryStore): Promise<ControlException[]> {
  return (await store.listControlExceptions()).map(asControlException);
}

/**
 * The exceptions a check applies: the file's and those stored in the inventory, alike. `check`, `remediate` and the
 * demo all take them from here, so the same database gives the same verdicts whichever command reads it.
 */
export async function applicableExceptions(store: InventoryStore, fromFile: readonly ControlException[] = []): Promise<ControlException[]> {
  return [...fromFile, ...(await storedExceptions(store))];
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
      const api = createInventoryApi();
      const catalog = loadControlCatalog(api, flags.controls);
      const now = new Date();
      const fromFile = readExceptions(
        flags,
        catalog.map((c) => c.id),
        outcome,
        now,
      );
      if (fromFile === undefined) return;
      // What each control evaluates: the assets its exceptions can cover, matched as check matches failing ones.
      const evaluated = new Map<string, FailingAsset[]>();
      const stored = await withStore(flags.db, 'read', async (store) => {
        const all = await store.listControlExceptions({ includeRevoked: true });
        for (const control of catalog.filter((c) => [...fromFile, ...all].some((e) => e.control === c.id))) {
          evaluated.set(control.id, await evaluatedAssets(api, store, control));
        }
        return all;
      });
      if ((flags.exceptions === undefined || flags.exceptions === '') && stored.length === 0) {
        printErr('inventory: no exception is stored in the inventory; name an exceptions file with --exceptions <file> or INVENTORY_EXCEPTIONS\n');
        outcome.exitCode = EXIT.badInput;
        return;
      }
      const shown = flags.includeRevoked ? stored : stored.filter((e) => e.revokedAt === null);
      const matching = (e: { control: string; asset: string }) =>
        (evaluated.get(e.control) ?? []).filter((asset) => exceptionCovers(e.asset, asset)).map((asset) => asset.id);
      const rows: ListedException[] = [
        ...fromFile.map((e): ListedException => {
          const state = describeState(e, now);
          return { source: 'file', ...e, state: state.state, stateText: state.text, days: state.days, matchingAssets: matching(e) };
        }),
        ...shown.map((e): ListedException => {
          const state = describeState(e, now);
          const revoked = e.revokedAt !== null;
          return {
            source: 'api',
            ...e,
            state: revoked ? 'revoked' : state.state,
            stateText: revoked ? `revoked ${e.revokedAt!.slice(0, 10)} by ${e.revokedBy}` : state.text,
            days: state.days,
            matchingAssets: matching(e),
          };
        }),
      ];
      if (flags.format === 'json') {
        printOut(`${JSON.stringify({ exceptions: rows }, null, 2)}\n`);
        return;
      }
      // What others wrote (owners, reasons, assets, who created it) is shown escaped, each on its own line.
      const lines = rows.map((r) =>
        [
          `${terminalValue(r.control)}  ${terminalValue(r.asset)}`,
          `  source: ${r.source === 'file' ? `file ${terminalValue(flags.exceptions!)}` : `api, id ${r.id}, created ${terminalValue(r.createdAt!)} by ${terminalValue(r.createdBy!)}`}`,
          `  ${terminalValue(r.stateText)} (${terminalValue(r.expires)}); owner ${terminalValue(r.owner)}, approved by ${terminalValue(r.approver)}${r.created ? `, created ${terminalValue(r.created)}` : ''}`,
          `  ${terminalValue(r.reason)}`,
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
      printOut(`${lines.join('\n')}\n`);
    });

  const revoke = new Command('revoke')
    .description('Revoke an exception stored in the inventory, by the id `exceptions list` shows; it is kept, marked revoked, and never applies again.')
    .argument('<id>', "the stored exception's id")
    .addOption(dbOption())
    .action(async (id: string, flags: { db: string }) => {
      if (!/^\d{1,15}$/.test(id)) {
        printErr(`inventory: expected the id of a stored exception (a number, as \`inventory exceptions list\` shows), not "${terminalValue(id)}"\n`);
        outcome.exitCode = EXIT.badInput;
        return;
      }
      await withStore(flags.db, 'write', async (store) => {
        const revoked = await store.revokeControlException(Number(id), 'cli');
        if (!revoked) {
          printErr(`inventory: no stored exception has id ${id} (see \`inventory exceptions list\`)\n`);
          outcome.exitCode = EXIT.badInput;
          return;
        }
        printOut(`Revoked exception ${revoked.id} (${terminalValue(revoked.control)}, ${terminalValue(revoked.asset)}) at ${revoked.revokedAt} by ${terminalValue(revoked.revokedBy ?? '')}
`);
      });
    });

  return new Command('exceptions')
    .description('Exceptions to controls: those of an exceptions file (--exceptions) and those stored in the inventory through the GraphQL API.')
    .addCommand(list.exitOverride())
    .addCommand(revoke.exitOverride());
}
