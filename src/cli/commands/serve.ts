// inventory serve: the GraphQL API over the inventory, until SIGINT or SIGTERM.
import { Command } from 'commander';
import { createInventoryApi } from '../../graphql/execute.js';
import { createLogger, type LogLevel, type Logger } from '../../log.js';
import { SEED_QUERY } from '../../server/query-page.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { openStore } from '../../store/open.js';
import type { InventoryStore } from '../../store/store.js';
import type { CommandOutcome } from '../exit-codes.js';
import { dbOption, hostOption, logLevelOption, portOption } from '../main.js';

export const DEFAULT_PORT = 4000;

interface ServeFlags {
  db: string;
  port: number;
  host: string;
  logLevel: LogLevel;
}

export function serveCommand(_outcome: CommandOutcome): Command {
  return new Command('serve')
    .description('Serve the inventory over GraphQL at /graphql (POST and GET), with /healthz.')
    .addOption(dbOption())
    .addOption(portOption(DEFAULT_PORT))
    .addOption(hostOption())
    .addOption(logLevelOption())
    .action(async (flags: ServeFlags) => {
      const log = createLogger(flags.logLevel);
      const store = await openStore(flags.db);
      try {
        const server = await serveInventory(store, flags, log);
        await untilStopped();
        await server.close();
      } finally {
        await store.close();
      }
    });
}

/** Starts the server and tells the user where it is and what to ask it. */
export async function serveInventory(store: InventoryStore, flags: { host: string; port: number }, log: Logger): Promise<RunningServer> {
  const server = await startServer({ store, api: createInventoryApi(), host: flags.host, port: flags.port, log });
  if (!['127.0.0.1', '::1', 'localhost'].includes(flags.host)) {
    process.stderr.write(`inventory: warning: listening on ${flags.host} without authentication; anyone who can reach it can read the inventory\n`);
  }
  process.stdout.write(
    [
      `GraphQL API at ${server.graphqlUrl} (open it in a browser for a query page; health at ${server.url}/healthz)`,
      'Try the stored check of the KMS control:',
      `  curl -s ${server.graphqlUrl} -H 'content-type: application/json' \\`,
      `    -d '${JSON.stringify({ query: SEED_QUERY })}'`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  return server;
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
