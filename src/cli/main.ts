// The `inventory` command. Each flag has an environment twin; a flag wins over its variable.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ControlLoadError } from '../controls/catalog.js';
import { ListenError, UnprotectedListenError } from '../server/server.js';
import { AccountsConfigError } from '../sync/accounts-config.js';
import { MigrationError } from '../store/migrations.js';
import { CopyRefusedError } from '../store/copy.js';
import { StoreConfigError } from '../store/open.js';
import { checkCommand } from './commands/check.js';
import { controlsCommand } from './commands/controls.js';
import { demoCommand } from './commands/demo.js';
import { exceptionsCommand } from './commands/exceptions.js';
import { migrateCommand } from './commands/migrate.js';
import { permissionsCommand } from './commands/permissions.js';
import { remediateCommand } from './commands/remediate.js';
import { serveCommand } from './commands/serve.js';
import { storeCommand } from './commands/store.js';
import { syncCommand } from './commands/sync.js';
import { tokenCommand } from './commands/token.js';
import { EXIT, type CommandOutcome } from './exit-codes.js';
import { DEFAULT_DB } from '../store/open.js';

export function dbOption(): Option {
  return new Option('--db <path>', 'the inventory database: a SQLite file path').env('INVENTORY_DB').default(DEFAULT_DB);
}

export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'log detail on stderr (JSON lines)')
    .choices(['debug', 'info', 'warn', 'error', 'silent'])
    .env('LOG_LEVEL')
    .default('warn');
}

export function portOption(defaultPort: number): Option {
  return new Option('--port <n>', 'TCP port to listen on (0 picks a free one)').env('PORT').default(defaultPort).argParser(parsePort);
}

export function hostOption(): Option {
  return new Option('--host <address>', 'address to listen on').env('HOST').default('127.0.0.1');
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

export function buildProgram(outcome: CommandOutcome): Command {
  const program = new Command('inventory')
    .description('cloud-inventory: sync AWS CloudTrail trails into an inventory, query it with GraphQL, and evaluate controls.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const commands = [syncCommand, serveCommand, checkCommand, remediateCommand, controlsCommand, exceptionsCommand, demoCommand, migrateCommand, storeCommand, permissionsCommand, tokenCommand].map((make) => make(outcome));
  for (const command of commands) {
    program.addCommand(command.exitOverride());
  }
  return program;
}

/** Runs the CLI and returns the exit code; nothing below this calls process.exit. */
export async function main(argv: string[]): Promise<number> {
  try {
    const outcome: CommandOutcome = { exitCode: EXIT.ok };
    const program = buildProgram(outcome);
    if (argv.length === 0) {
      // No command is a usage error: show what there is to run.
      process.stderr.write(program.helpInformation());
      return EXIT.badInput;
    }
    await program.parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    return reportError(error);
  }
}

/** Errors whose message is meant for the user as it stands, with the exit code each warrants. */
const USER_ERRORS: readonly [abstract new (...args: never[]) => Error, number][] = [
  [ControlLoadError, EXIT.badInput],
  [AccountsConfigError, EXIT.badInput],
  [StoreConfigError, EXIT.badInput],
  [MigrationError, EXIT.badInput],
  // store copy into a target that is not empty, or whose schema differs: nothing was written.
  [CopyRefusedError, EXIT.badInput],
  // Listening beyond loopback with no API token is refused as bad usage, before any other listen error.
  [UnprotectedListenError, EXIT.badInput],
  [ListenError, EXIT.operational],
];

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version output are not errors; commander has already printed usage problems.
    return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? EXIT.ok : EXIT.badInput;
  }
  const known = USER_ERRORS.find(([type]) => error instanceof type);
  if (known) {
    process.stderr.write(`inventory: ${(error as Error).message}\n`);
    return known[1];
  }
  process.stderr.write(`inventory: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT.operational;
}
