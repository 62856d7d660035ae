// inventory token create|list|revoke: the API tokens `inventory serve` asks for once at least one exists.
import { Command, Option } from 'commander';
import { apiTokenHash, newApiToken } from '../../server/auth.js';
import { withStore } from '../../store/open.js';
import type { ApiToken, ApiTokenScope } from '../../store/store.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { dbOption } from '../main.js';

/** Starts with a letter, so a name is never taken for an id. */
const TOKEN_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

export function tokenCommand(outcome: CommandOutcome): Command {
  const token = new Command('token').description(
    'Manage API tokens. While at least one exists, `inventory serve` requires "Authorization: Bearer <token>" on /graphql (scope read or admin) and on /metrics (admin).',
  );

  token
    .command('create')
    .description('Create a token and print it once on stdout; only its SHA-256 hash is stored.')
    .addOption(new Option('--scope <scope>', 'read: /graphql; admin: /graphql and /metrics').choices(['read', 'admin']).makeOptionMandatory())
    .option('--name <name>', 'a name to list and revoke it by (letters, digits, . _ -, starting with a letter)')
    .addOption(dbOption())
    .action(async (flags: { scope: ApiTokenScope; name?: string; db: string }) => {
      if (flags.name !== undefined && !TOKEN_NAME.test(flags.name)) {
        return fail(outcome, `token name "${flags.name}" is not allowed: use letters, digits, ".", "_" and "-", starting with a letter (at most 64)`);
      }
      // A token may come before the first sync: it is how a server's access is set up (README, The inventory file).
      await withStore(flags.db, 'create', async (store) => {
        const secret = newApiToken();
        const created = await store.createApiToken({ name: flags.name ?? null, scope: flags.scope, hash: apiTokenHash(secret) });
        if (!created) return fail(outcome, `a token named "${flags.name}" exists already; revoke it first or choose another name`);
        process.stdout.write(`${secret}\n`);
        process.stderr.write(`inventory: created token ${describe(created)}; this is the only time it is shown: store it now\n`);
      });
    });

  token
    .command('list')
    .description('List the tokens (never their secrets).')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(dbOption())
    .action(async (flags: { format: 'text' | 'json'; db: string }) => {
      await withStore(flags.db, 'read', async (store) => {
        const tokens = await store.listApiTokens();
        if (flags.format === 'json') return void process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
        if (tokens.length === 0) {
          return void process.stdout.write('No API token: `inventory serve` answers without authentication, on loopback addresses only.\n');
        }
        const rows = [['ID', 'NAME', 'SCOPE', 'CREATED', 'LAST USED'], ...tokens.map((t) => [String(t.id), t.name ?? '-', t.scope, t.createdAt, t.lastUsedAt ?? 'never'])];
        const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
        process.stdout.write(rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n');
      });
    });

  token
    .command('revoke')
    .description('Revoke a token by name or id; a server refuses it from its next request.')
    .argument('<name-or-id>', 'the token name, or its id as `token list` shows it')
    .addOption(dbOption())
    .action(async (nameOrId: string, flags: { db: string }) => {
      await withStore(flags.db, 'write', async (store) => {
        const revoked = await store.revokeApiToken(nameOrId);
        if (!revoked) return fail(outcome, `no token is named or numbered "${nameOrId}" (see \`inventory token list\`)`);
        process.stdout.write(`Revoked token ${describe(revoked)}\n`);
        if ((await store.listApiTokens()).length === 0) {
          process.stdout.write('No API token is left: a server on 127.0.0.1 now answers without authentication; one beyond loopback refuses every request.\n');
        }
      });
    });

  for (const command of token.commands) command.exitOverride();
  return token;
}

function describe(token: ApiToken): string {
  return `${token.id}${token.name ? ` (${token.name})` : ''} with scope ${token.scope}`;
}

function fail(outcome: CommandOutcome, message: string): void {
  process.stderr.write(`inventory: ${message}\n`);
  outcome.exitCode = EXIT.badInput;
}
