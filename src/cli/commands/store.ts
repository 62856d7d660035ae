// inventory store copy: moves a SQLite inventory into an empty PostgreSQL one (src/store/copy.ts does the work).
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { copyInventory, CopyMismatchError } from '../../store/copy.js';
import { openStore, redact, StoreConfigError } from '../../store/open.js';
import { PostgresStore } from '../../store/postgres/postgres-store.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { InventoryStore } from '../../store/store.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { printErr, printOut } from '../../terminal-text.js';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function storeCommand(outcome: CommandOutcome): Command {
  const store = new Command('store').description('Move an inventory between stores.');
  store
    .command('copy')
    .description(
      'Copy a SQLite inventory, with all its history, into an empty PostgreSQL inventory in one transaction, ids kept; ' +
        'each table is verified by its row count and a checksum computed the same way on both sides, or nothing is copied.',
    )
    .requiredOption('--from <path>', 'the SQLite inventory file to copy (it is only read)')
    .requiredOption('--to <url>', 'the PostgreSQL inventory (postgres://...): migrated here if new, and it must be empty')
    .exitOverride()
    .action(async (flags: { from: string; to: string }) => {
      if (POSTGRES_URL.test(flags.from) || /^[a-z][a-z0-9+.-]*:\/\//i.test(flags.from)) {
        throw new StoreConfigError(`--from ${redact(flags.from)}: give the SQLite inventory's file path`);
      }
      if (!existsSync(flags.from)) throw new StoreConfigError(`--from ${flags.from}: no such file`);
      if (!POSTGRES_URL.test(flags.to)) throw new StoreConfigError(`--to ${flags.to}: give a postgres:// URL`);
      // Opening migrates both to the latest schema of this cloud-inventory, so they are at the same version.
      const opened: InventoryStore[] = [];
      try {
        const from = await openStore(flags.from, 'read');
        opened.push(from);
        const to = await openStore(flags.to, 'create');
        opened.push(to);
        if (!(from instanceof SqliteStore) || !(to instanceof PostgresStore)) throw new Error('store copy: unexpected store kinds');
        let report;
        try {
          report = await copyInventory(from, to);
        } catch (error) {
          if (!(error instanceof CopyMismatchError)) throw error;
          printErr(`inventory: store copy: table ${error.table} does not match: ${error.message}; rolled back, nothing was copied\n`);
          outcome.exitCode = EXIT.operational;
          return;
        }
        printOut(`copied ${flags.from} into ${redact(flags.to)}\n`);
        const width = Math.max(...report.tables.map((t) => t.table.length));
        for (const table of report.tables) {
          printOut(`${table.table.padEnd(width)}  ${String(table.rows).padStart(8)} rows copied, checksums match (sha256 ${table.checksum.slice(0, 16)})\n`);
        }
        const total = report.tables.reduce((sum, t) => sum + t.rows, 0);
        printOut(`${report.tables.length} tables, ${total} rows at schema version ${report.schemaVersion}: checksums match; committed\n`);
      } finally {
        for (const store of opened.reverse()) await store.close();
      }
    });
  return store;
}
