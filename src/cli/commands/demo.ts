// inventory demo: a newcomer's first command. It starts a simulated AWS organization on 127.0.0.1, syncs it with
// the real collector and SDK, evaluates the controls, prints the verdicts, and serves GraphQL until stopped.
import { Command, Option } from 'commander';
import { loadCatalog } from '../../controls/catalog.js';
import { evaluateControls } from '../../controls/evaluate.js';
import { verdictsAsText } from '../../controls/report.js';
import { createInventoryApi } from '../../graphql/execute.js';
import { createLogger, type LogLevel } from '../../log.js';
import { demoCredentials, demoScenario, DEMO_MANAGEMENT_ACCOUNT_ID, DEMO_MEMBER_ROLE, startSimulator } from '../../simulator/index.js';
import { openStore } from '../../store/open.js';
import { parseAccountsConfig } from '../../sync/accounts-config.js';
import { syncInventory } from '../../sync/sync.js';
import { resolveAccountTargets } from '../../sync/targets.js';
import type { CommandOutcome } from '../exit-codes.js';
import { hostOption, logLevelOption, portOption } from '../options.js';
import { printOut } from '../../terminal-text.js';
import { applicableExceptions } from './exceptions.js';
import { defaultWorkerCount } from '../../server/graphql-pool.js';
import { DEFAULT_PORT, serveInventory, untilStopped } from './serve.js';
import { syncSummaryText } from './sync.js';

interface DemoFlags {
  db: string;
  port: number;
  host: string;
  logLevel: LogLevel;
}

/** The endpoint variables the SDK reads; the demo points all of them at the simulator, whatever the shell has set. */
const ENDPOINT_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_CLOUDTRAIL',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ENDPOINT_URL_EC2',
  'AWS_ENDPOINT_URL_ORGANIZATIONS',
  'AWS_ENDPOINT_URL_KMS',
];

/** What a user would put in an accounts file for this organization (see `inventory sync --accounts`). */
const DEMO_ACCOUNTS_FILE = `organization:\n  member_role_name: ${DEMO_MEMBER_ROLE}\n`;

export function demoCommand(_outcome: CommandOutcome): Command {
  return (
    new Command('demo')
      .description('Sync a simulated AWS organization (on 127.0.0.1) with the real collector, check it, and serve it.')
      // Its own database, deliberately deaf to INVENTORY_DB: the demo must never write simulated accounts into a real inventory.
      .addOption(new Option('--db <path>', 'the demo database: a SQLite file path').default('./data/demo.db'))
      .addOption(portOption(DEFAULT_PORT))
      .addOption(hostOption())
      .addOption(logLevelOption())
      .action(async (flags: DemoFlags) => {
        const log = createLogger(flags.logLevel);
        const scenario = demoScenario();
        const simulator = await startSimulator(scenario);
        for (const name of ENDPOINT_VARIABLES) process.env[name] = simulator.url;
        delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
        process.env.AWS_REGION = 'us-east-1';
        printOut(`Simulated AWS organization (${scenario.accounts.length} accounts) at ${simulator.url}\n`);

        const store = await openStore(flags.db, 'create');
        try {
          // As a user syncs an organization: the management account's credentials, then the member role in each account.
          const management = demoCredentials(DEMO_MANAGEMENT_ACCOUNT_ID);
          Object.assign(process.env, { AWS_ACCESS_KEY_ID: management.accessKeyId, AWS_SECRET_ACCESS_KEY: management.secretAccessKey });
          for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[name];
          const accounts = parseAccountsConfig(DEMO_ACCOUNTS_FILE, 'demo accounts');
          printOut(
            `Accounts: listed through AWS Organizations from management account ${DEMO_MANAGEMENT_ACCOUNT_ID}, each member read through its ${DEMO_MEMBER_ROLE} role\n`,
          );
          const summary = await syncInventory(store, {
            accounts: () => resolveAccountTargets(accounts, { region: 'us-east-1', maxAttempts: 3, log }),
            log,
          });
          printOut(`\nSynced into ${flags.db}\n${syncSummaryText(summary)}\n`);

          const api = createInventoryApi();
          const catalog = loadCatalog(api);
          // The exceptions stored in the demo database apply, as `inventory check` on it applies them.
          const verdicts = await evaluateControls(api, store, catalog, { exceptions: await applicableExceptions(store) });
          // Recorded as a check records them, so the dashboard queries (controls, controlRuns) have something to show.
          if (!verdicts.some((v) => v.databaseProblems !== undefined)) await store.recordControlRun(verdicts, 'demo', catalog);
          printOut(`Controls\n${verdictsAsText(verdicts)}\n`);

          // Listening for SIGTERM before the ready line is printed: a signal sent as soon as it is read stops the demo cleanly.
          const stopped = untilStopped();
          // Served as `inventory serve` serves by default: GraphQL reads in worker threads.
          const server = await serveInventory(store, { ...flags, workers: defaultWorkerCount() }, log);
          await stopped;
          await server.close();
        } finally {
          await store.close();
          await simulator.close();
        }
      })
  );
}
