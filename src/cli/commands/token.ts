// inventory token create|list|revoke: the API tokens `inventory serve` asks for once at least one exists.
import { Command, Option } from 'commander';
import { apiTokenHash, newApiToken } from '../../server/auth.js';
import { withStore } from '../../store/open.js';
import type { ApiToken, ApiTokenScope, InventoryStore } from '../../store/store.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { dbOption } from '../options.js';
import { printErr, printOut, terminalValue } from '../../terminal-text.js';

/** Starts with a letter, so a name is never taken for an id. */
const TOKEN_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/** What stored exceptions record as done by someone other than a token ("local", "cli"): no token may be named so. */
const ACTOR_WORDS = ['local', 'cli'];

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
        return fail(outcome, `token name "${terminalValue(flags.name)}" is not allowed: use letters, digits, ".", "_" and "-", starting with a letter (at most 64)`);
      }
      if (flags.name !== undefined && ACTOR_WORDS.includes(flags.name.toLowerCase())) {
        return fail(outcome, `token name "${flags.name}" is not allowed: stored exceptions say "${flags.name.toLowerCase()}" for changes made without a token`);
      }
      // A token may come before the first sync: it is how a server's access is set up (README, The inventory file).
      await withStore(flags.db, 'create', async (store) => {
        const secret = newApiToken();
        const created = await store.createApiToken({ name: flags.name ?? null, scope: flags.scope, hash: apiTokenHash(secret) });
        if (!created) return fail(outcome, await nameTakenMessage(store, flags.name!));
        printOut(`${secret}\n`);
        printErr(`inventory: created token ${describe(created)}; this is the only time it is shown: store it now\n`);
      });
    });

  token
    .command('list')
    .description('List the tokens that are not revoked (never their secrets); --include-revoked lists the revoked ones too.')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--include-revoked', 'also list revoked tokens (kept, so that their ids and names are never reused)'))
    .addOption(dbOption())
    .action(async (flags: { format: 'text' | 'json'; includeRevoked?: boolean; db: string }) => {
      await withStore(flags.db, 'read', async (store) => {
        const all = await store.listApiTokens({ includeRevoked: true });
        const tokens = flags.includeRevoked ? all : all.filter((t) => t.revokedAt === null);
        if (flags.format === 'json') return printOut(`${JSON.stringify(tokens, null, 2)}\n`);
        const hidden = all.length - tokens.length;
        const hiddenLine = hidden > 0 ? `${hidden} revoked ${hidden === 1 ? 'token' : 'tokens'} not shown (--include-revoked)\n` : '';
        if (tokens.length === 0) {
          return printOut(`No API token: \`inventory serve\` answers without authentication, on loopback addresses only.\n${hiddenLine}`);
        }
        const header = ['ID', 'NAME', 'SCOPE', 'CREATED', 'LAST USED', ...(flags.includeRevoked ? ['REVOKED'] : [])];
        const cells = (t: ApiToken) => [
          String(t.id),
          t.name ?? '-',
          t.scope,
          t.createdAt,
          t.lastUsedAt ?? 'never',
          ...(flags.includeRevoked ? [t.revokedAt ?? '-'] : []),
        ];
        const rows = [header, ...tokens.map((t) => cells(t).map(terminalValue))];
        const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
        printOut(
          `${rows
            .map((row) =>
              row
                .map((cell, column) => cell.padEnd(widths[column]!))
                .join('  ')
                .trimEnd(),
            )
            .join('\n')}\n${hiddenLine}`,
        );
      });
    });

  token
    .command('revoke')
    .description('Revoke a token by name or id; a server refuses it from its next request. It is kept, marked revoked: its id and name are never reused.')
    .argument('<name-or-id>', 'the token name, or its id as `token list` shows it')
    .addOption(dbOption())
    .action(async (nameOrId: string, flags: { db: string }) => {
      await withStore(flags.db, 'write', async (store) => {
        const revoked = await store.revokeApiToken(nameOrId);
        if (!revoked) return fail(outcome, `no token is named or numbered "${terminalValue(nameOrId)}" (see \`inventory token list --include-revoked\`)`);
        if (!revoked.newlyRevoked) return fail(outcome, `token ${describe(revoked.token)} was revoked already, at ${revoked.token.revokedAt}`);
        printOut(`Revoked token ${describe(revoked.token)}\n`);
        if ((await store.listApiTokens()).length === 0) {
          printOut('No API token is left: a server on 127.0.0.1 now answers without authentication; one beyond loopback refuses every request.\n');
        }
      });
    });

  for (const command of token.commands) command.exitOverride();
  return token;
}

function describe(token: ApiToken): string {
  return `${token.id}${token.name ? ` (${terminalValue(token.name)})` : ''} with scope ${token.scope}`;
}

/** Why a name was refused: it is a token's, maybe revoked, or an actor of stored exceptions. Names are never reused. */
async function nameTakenMessage(store: InventoryStore, name: string): Promise<string> {
  const holder = (await store.listApiTokens({ includeRevoked: true })).find((t) => t.name === name);
  const never = 'token names are never reused, so that what a token did keeps naming one token: choose another name';
  if (!holder) return `the name "${name}" is recorded in stored exceptions as who created or revoked them; ${never}`;
  if (holder.revokedAt !== null) return `the name "${name}" belonged to token ${holder.id}, revoked at ${holder.revokedAt}; ${never}`;
  return `a token named "${name}" exists already (token ${holder.id}); ${never}`;
}

function fail(outcome: CommandOutcome, message: string): void {
  printErr(`inventory: ${message}\n`);
  outcome.exitCode = EXIT.badInput;
}
