// The `inventory` command. Each flag has an environment twin; a flag wins over its variable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ASSET_TYPES, nounsOf } from '../assets/registry.js';
import { PACKAGE_ROOT } from '../paths.js';
import { EXIT, type CommandOutcome } from './exit-codes.js';
import { printErr, printOut } from '../terminal-text.js';

type CommandFactory = (outcome: CommandOutcome) => Command;

/**
 * The commands in the order --help lists them, each loaded only when it runs: loading them all cost every command
 * more than a second of CPU before it started.
 */
const COMMANDS: Readonly<Record<string, () => Promise<CommandFactory>>> = {
  sync: async () => (await import('./commands/sync.js')).syncCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  check: async () => (await import('./commands/check.js')).checkCommand,
  remediate: async () => (await import('./commands/remediate.js')).remediateCommand,
  controls: async () => (await import('./commands/controls.js')).controlsCommand,
  exceptions: async () => (await import('./commands/exceptions.js')).exceptionsCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  migrate: async () => (await import('./commands/migrate.js')).migrateCommand,
  store: async () => (await import('./commands/store.js')).storeCommand,
  permissions: async () => (await import('./commands/permissions.js')).permissionsCommand,
  token: async () => (await import('./commands/token.js')).tokenCommand,
};

export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The program with the command `argv` runs loaded, and the others as names only (enough to refuse an unknown one).
 * Help for the program lists every command with its description, so it loads them all.
 */
export async function buildProgram(outcome: CommandOutcome, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('inventory')
    .description(
      `cloud-inventory: sync AWS resources (${ASSET_TYPES.map((type) => nounsOf(type).many).join(', ')}) into an inventory, query it with GraphQL, and evaluate controls.`,
    )
    .version(PACKAGE_VERSION, '-V, --version', 'print the version of cloud-inventory')
    .showHelpAfterError('(run with --help for usage)');
  const [first, second] = argv;
  const asked = first === 'help' ? second : first;
  const showsProgramHelp = argv.length === 0 || first === '-h' || first === '--help' || (first === 'help' && !(second && Object.hasOwn(COMMANDS, second)));
  for (const [name, load] of Object.entries(COMMANDS)) {
    program.addCommand(showsProgramHelp || name === asked ? (await load())(outcome) : new Command(name));
  }
  // Usage errors (an unknown flag, a missing argument, a bad value) are exit code 2 in every command and subcommand;
  // they quote what was typed, so they too reach the terminal escaped.
  const overrideExit = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: printOut, writeErr: printErr });
    command.commands.forEach(overrideExit);
  };
  overrideExit(program);
  return program;
}

/** Runs the CLI and returns the exit code; nothing below this calls process.exit. */
export async function main(argv: string[]): Promise<number> {
  try {
    const outcome: CommandOutcome = { exitCode: EXIT.ok };
    const program = await buildProgram(outcome, argv);
    if (argv.length === 0) {
      // No command is a usage error: show what there is to run.
      printErr(program.helpInformation());
      return EXIT.badInput;
    }
    await program.parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    return reportError(error);
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Errors whose message is meant for the user as it stands, with the exit code each warrants. A class is loaded only
 * when an error of its name arrives (the command that threw it has loaded it already), so no command loads them all.
 */
export const USER_ERRORS: readonly { name: string; load: () => Promise<ErrorClass>; exitCode: number }[] = [
  { name: 'ControlLoadError', load: async () => (await import('../controls/catalog.js')).ControlLoadError, exitCode: EXIT.badInput },
  { name: 'AccountsConfigError', load: async () => (await import('../sync/accounts-config.js')).AccountsConfigError, exitCode: EXIT.badInput },
  { name: 'StoreConfigError', load: async () => (await import('../store/open.js')).StoreConfigError, exitCode: EXIT.badInput },
  // The inventory file cannot be read or written as the command needs (read-only, full disk): one line, operational.
  { name: 'StoreAccessError', load: async () => (await import('../store/open.js')).StoreAccessError, exitCode: EXIT.operational },
  { name: 'MigrationError', load: async () => (await import('../store/migrations.js')).MigrationError, exitCode: EXIT.badInput },
  // store copy into a target that is not empty, or whose schema differs: nothing was written.
  { name: 'CopyRefusedError', load: async () => (await import('../store/copy.js')).CopyRefusedError, exitCode: EXIT.badInput },
  // Listening beyond loopback with no API token is refused as bad usage, before any other listen error.
  { name: 'UnprotectedListenError', load: async () => (await import('../server/server.js')).UnprotectedListenError, exitCode: EXIT.badInput },
  { name: 'ListenError', load: async () => (await import('../server/server.js')).ListenError, exitCode: EXIT.operational },
];

/** The class names of an error and of the classes it extends, nearest first. */
function classNames(error: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    names.push((proto.constructor as { name: string }).name);
  }
  return names;
}

async function reportError(error: unknown): Promise<number> {
  if (error instanceof CommanderError) {
    // Help and version output are not errors; commander has already printed usage problems.
    return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? EXIT.ok : EXIT.badInput;
  }
  const names = error instanceof Error ? classNames(error) : [];
  for (const name of names) {
    const known = USER_ERRORS.find((entry) => entry.name === name);
    if (known && error instanceof (await known.load())) {
      printErr(`inventory: ${(error as Error).message}\n`);
      return known.exitCode;
    }
  }
  printErr(`inventory: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT.operational;
}
