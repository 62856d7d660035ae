// inventory sync: collect the trails of the account behind the standard AWS credentials into the inventory.
import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger, type LogLevel } from '../../log.js';
import { openStore } from '../../store/open.js';
import { syncTrails, type TrailSyncSummary } from '../../sync/sync.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { dbOption, logLevelOption, parsePositiveInt } from '../main.js';

interface SyncFlags {
  db: string;
  regions?: string[];
  maxAttempts?: number;
  concurrency: number;
  format: 'text' | 'json';
  logLevel: LogLevel;
}

export function syncCommand(outcome: CommandOutcome): Command {
  return new Command('sync')
    .description('Sync CloudTrail trails from AWS (standard SDK credentials, profiles and AWS_ENDPOINT_URL_* variables).')
    .addOption(dbOption())
    .addOption(
      new Option('--regions <list>', 'comma-separated regions; default: every region enabled for the account')
        .env('INVENTORY_REGIONS')
        .argParser(parseRegions),
    )
    .addOption(new Option('--max-attempts <n>', 'attempts per AWS call, retries included (SDK default 3)').env('AWS_MAX_ATTEMPTS').argParser(parsePositiveInt))
    .addOption(new Option('--concurrency <n>', 'AWS calls in flight at once').env('INVENTORY_CONCURRENCY').default(8).argParser(parsePositiveInt))
    .addOption(new Option('--format <format>', 'summary format').choices(['text', 'json']).default('text'))
    .addOption(logLevelOption())
    .action(async (flags: SyncFlags) => {
      const log = createLogger(flags.logLevel);
      const store = await openStore(flags.db);
      try {
        const summary = await syncTrails(store, {
          accounts: [{ label: 'default credentials' }],
          ...(flags.regions ? { regions: flags.regions } : {}),
          ...(flags.maxAttempts ? { maxAttempts: flags.maxAttempts } : {}),
          concurrency: flags.concurrency,
          log,
        });
        process.stdout.write(flags.format === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : syncSummaryText(summary));
        outcome.exitCode = summary.run.status === 'succeeded' ? EXIT.ok : EXIT.operational;
      } finally {
        await store.close();
      }
    });
}

/** AWS region names: us-east-1, ap-southeast-4, us-gov-west-1, eusc-de-east-1, ... */
const REGION_NAME = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

function parseRegions(value: string): string[] {
  const regions = [...new Set(value.split(',').map((r) => r.trim()).filter(Boolean))];
  if (regions.length === 0) throw new InvalidArgumentError('expected a comma-separated list of regions, e.g. us-east-1,eu-west-1');
  const invalid = regions.filter((r) => !REGION_NAME.test(r));
  if (invalid.length > 0) throw new InvalidArgumentError(`not a region name: ${invalid.join(', ')}`);
  return regions;
}

export function syncSummaryText(summary: TrailSyncSummary): string {
  const { run, totals, scopes, accountFailures } = summary;
  const lines = [
    `Sync run ${run.id} ${run.status} in ${(summary.durationMs / 1000).toFixed(1)}s`,
    `  scopes: ${totals.scopesOk} ok, ${totals.scopesSkipped} skipped, ${totals.scopesFailed} failed`,
    `  trails: ${totals.seen} sightings, ${totals.new} new, ${totals.changed} changed, ${totals.deleted} deleted`,
  ];
  const skipped = scopes.filter((s) => s.status === 'skipped');
  if (skipped.length) lines.push(`  skipped (region not enabled): ${skipped.map((s) => `${s.accountId}/${s.region}`).join(', ')}`);
  const failed = scopes.filter((s) => s.status === 'failed');
  if (failed.length || accountFailures.length) {
    lines.push('Failed (previous data for these scopes is kept; controls report ERROR until a sync succeeds):');
    for (const a of accountFailures) lines.push(`  ${a.accountId ?? a.label}: ${a.error.code}: ${a.error.message}`);
    for (const s of failed) lines.push(`  ${s.accountId} ${s.region}: ${s.error?.code}: ${s.error?.message}`);
  }
  for (const u of summary.unknownRegions) lines.push(`Not a region of account ${u.accountId}'s partition (EC2 DescribeRegions): ${u.region}`);
  return `${lines.join('\n')}\n`;
}
