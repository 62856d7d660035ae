// inventory sync: collect the trails of one account (the standard AWS credentials) or of many (--accounts) into the inventory.
import { Command, Option } from 'commander';
import { ASSET_TYPES, nounsOf } from '../../assets/registry.js';
import { createLogger, type LogLevel, type Logger } from '../../log.js';
import { withStore } from '../../store/open.js';
import type { InventoryStore } from '../../store/store.js';
import { loadAccountsConfig, type AccountsConfig } from '../../sync/accounts-config.js';
import { ProgressDisplay, SyncProgress } from '../../sync/progress.js';
import { defaultRegion, syncInventory, type ScopeOutcome, type SyncSummary } from '../../sync/sync.js';
import { resolveAccountTargets } from '../../sync/targets.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { dbOption, logLevelOption, syncSettingOptions, type SyncSettings } from '../options.js';
import { printOut, terminalValue as shown } from '../../terminal-text.js';

interface SyncFlags extends SyncSettings {
  db: string;
  format: 'text' | 'json';
  logLevel?: LogLevel;
  quiet?: boolean;
  verbose?: boolean;
}

export function syncCommand(outcome: CommandOutcome): Command {
  const command = new Command('sync').description(
    'Sync every asset type of the inventory from AWS: trails, KMS keys, S3 buckets, VPCs, Config recorders, metric filters, alarms, SNS topics (standard SDK credentials, profiles and AWS_ENDPOINT_URL_* variables).',
  );
  command.addOption(dbOption());
  for (const option of syncSettingOptions()) command.addOption(option);
  return command
    .addOption(new Option('--format <format>', 'summary format').choices(['text', 'json']).default('text'))
    .addOption(new Option('-q, --quiet', 'no progress display; only errors on stderr').conflicts('verbose'))
    .addOption(new Option('-v, --verbose', 'debug logs: every scope and call outcome').conflicts('quiet'))
    .addOption(logLevelOption().default(undefined, 'info, or warn under the progress display'))
    .action(async (flags: SyncFlags) => {
      // Load the accounts file before touching the database: a broken file is bad input, not a failed run.
      const config = flags.accounts ? loadAccountsConfig(flags.accounts) : undefined;
      const progress = new SyncProgress();
      const display = process.stderr.isTTY && !flags.quiet && !flags.verbose ? new ProgressDisplay(progress, process.stderr) : undefined;
      const level: LogLevel = flags.quiet ? 'error' : flags.verbose ? 'debug' : (flags.logLevel ?? (display ? 'warn' : 'info'));
      const log = createLogger(level, display ? { beforeWrite: () => display.clear(), afterWrite: () => display.redraw() } : {});

      // Only a sync (with migrate, demo and token create) may create the inventory (README, The inventory file).
      await withStore(flags.db, 'create', async (store) => {
        const abort = new AbortController();
        const onSignal = (): void => {
          if (abort.signal.aborted) process.exit(EXIT.operational); // a second Ctrl-C: stop now; the run is seen as interrupted later
          log.warn('interrupted: finishing the accounts in progress (press Ctrl-C again to stop at once)');
          abort.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        display?.start();
        try {
          const summary = await runSync(store, flags, config, { signal: abort.signal, progress, log });
          display?.stop();
          printOut(flags.format === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : syncSummaryText(summary));
          outcome.exitCode = summary.runs.every((r) => r.status === 'succeeded') ? EXIT.ok : EXIT.operational;
        } finally {
          display?.stop();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });
}

/** One sync with these settings: what `inventory sync` runs, and what serve runs each period (README, "Scheduled syncs"). */
export async function runSync(
  store: InventoryStore,
  settings: SyncSettings,
  config: AccountsConfig | undefined,
  run: { signal: AbortSignal; progress?: SyncProgress; log: Logger },
): Promise<SyncSummary> {
  const { log } = run;
  const region = await defaultRegion();
  return syncInventory(store, {
    accounts: () => resolveAccountTargets(config, { region, maxAttempts: settings.maxAttempts, requestTimeoutMs: settings.requestTimeout, log }),
    ...(settings.regions ? { regions: settings.regions } : {}),
    maxAttempts: settings.maxAttempts,
    limits: { concurrency: settings.concurrency, accountConcurrency: settings.accountConcurrency, callsPerSecond: settings.rateLimit },
    requestTimeoutMs: settings.requestTimeout,
    ...(settings.threads === undefined ? {} : { threads: settings.threads }),
    signal: run.signal,
    ...(run.progress ? { progress: run.progress } : {}),
    log,
  });
}

/** How many items a summary line names before it says "and N more". */
const LISTED = 20;

export function syncSummaryText(summary: SyncSummary): string {
  const { run, runs, totals, scopes, accountFailures } = summary;
  // One run per collector (README, "Sync runs"): a sync of one collector reads as one run.
  const several = runs.length > 1;
  const runsText = several ? `Sync runs ${runs.map((r) => `${r.id} (${shown(r.collector)}) ${r.status}`).join(', ')}` : `Sync run ${run.id} ${run.status}`;
  const lines = [
    `${runsText} in ${(summary.durationMs / 1000).toFixed(1)}s`,
    `  accounts: ${totals.accounts} listed, ${accountFailures.length} failed`,
    // The names of the accounts file (or AWS Organizations), so that a reader knows which account an id is.
    ...(summary.namedAccounts.length ? [`  account names: ${listed(summary.namedAccounts.map((a) => `${a.accountId} ${shown(a.name)}`))}`] : []),
    `  scopes: ${totals.scopesOk} ok, ${totals.scopesSkipped} skipped, ${totals.scopesFailed} failed`,
    // One line per run, named by the assets its collector gathers: `trails: ...`, `kms keys: ...`.
    ...runs.map((r) => {
      const own = several ? scopes.filter((s) => s.collector === r.collector) : undefined;
      const counts = own ? { seen: sum(own, 'seen'), new: sum(own, 'new'), changed: sum(own, 'changed'), deleted: sum(own, 'deleted') } : totals;
      return `  ${assetsGatheredBy(r.collector)}: ${counts.seen} sightings, ${counts.new} new, ${counts.changed} changed, ${counts.deleted} deleted`;
    }),
  ];
  // Stopped runs say what the user must know: what was written stays, and the next sync picks up the rest.
  const interrupted = runs.filter((r) => r.status === 'interrupted');
  if (interrupted.length) {
    lines.push(
      `  interrupted: ${several ? `runs ${interrupted.map((r) => r.id).join(', ')} stopped` : 'stopped'} before every account was synced; what was written is kept, and the next sync completes the rest`,
    );
  }
  const skipped = scopes.filter((s) => s.status === 'skipped');
  if (skipped.length) lines.push(`  skipped (region not enabled): ${listed(skipped.map((s) => `${s.accountId}/${s.region}`))}`);
  const failed = scopes.filter((s) => s.status === 'failed');
  if (failed.length || accountFailures.length) {
    lines.push('Failed (previous data for these scopes is kept; controls report ERROR until a sync succeeds):');
    // Labels, codes and messages come from the accounts file and AWS: shown escaped, one line each.
    for (const a of accountFailures) lines.push(`  ${named(a.accountId ?? a.label, a.name)}: ${shown(a.error.code)}: ${shown(a.error.message)}`);
    for (const s of failed) lines.push(`  ${shown(s.accountId)} ${shown(s.region)}: ${shown(s.error?.code ?? '')}: ${shown(s.error?.message ?? '')}`);
  }
  for (const r of summary.retired) {
    // What left with the account, per asset type in registry order: `2 trails deleted, 1 kms keys deleted`.
    const deleted = ASSET_TYPES.filter((type) => r.assetsDeleted[type.name] !== undefined).map((type) => `${r.assetsDeleted[type.name]} ${nounsOf(type).many} deleted`);
    lines.push(`Retired from the inventory: ${named(r.accountId, r.name)} (${shown(r.reason)}): ${[`${r.regions} regions out of coverage`, ...deleted].join(', ')}`);
  }
  for (const u of summary.unknownRegions) lines.push(`Not a region of account ${u.accountId}'s partition (EC2 DescribeRegions): ${shown(u.region)}`);
  return `${lines.join('\n')}\n`;
}

/** What a collector gathers, as the summary names it ('trails', 'kms keys'); 'assets' for a collector not registered. */
function assetsGatheredBy(collector: string): string {
  const type = ASSET_TYPES.find((t) => t.collector === collector);
  return type ? nounsOf(type).many : 'assets';
}

const sum = (scopes: readonly ScopeOutcome[], count: 'seen' | 'new' | 'changed' | 'deleted'): number => scopes.reduce((n, s) => n + s[count], 0);

/** An account as the summary names it: its id, with its name when it has one. */
function named(account: string, name: string | undefined): string {
  return name ? `${shown(account)} (${shown(name)})` : shown(account);
}

function listed(items: string[]): string {
  return items.length <= LISTED ? items.join(', ') : `${items.slice(0, LISTED).join(', ')} and ${items.length - LISTED} more`;
}
