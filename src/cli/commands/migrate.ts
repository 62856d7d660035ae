// inventory migrate: apply pending migrations (every command also does this when it opens the database).
import { Command } from 'commander';
import { withStore } from '../../store/open.js';
import type { CommandOutcome } from '../exit-codes.js';
import { dbOption } from '../options.js';
import { printOut } from '../../terminal-text.js';

export function migrateCommand(_outcome: CommandOutcome): Command {
  return new Command('migrate')
    .description('Create or upgrade the inventory database; an edited, already-applied migration is refused.')
    .addOption(dbOption())
    .action(async (flags: { db: string }) => {
      await withStore(flags.db, 'create', async () => undefined);
      printOut(`${flags.db}: schema up to date\n`);
    });
}
