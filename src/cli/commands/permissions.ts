// inventory permissions: the IAM actions a sync calls: the account-level ones, and each asset type's as its definition
// declares them (src/assets/registry.ts).
import { Command, Option } from 'commander';
import { ACCOUNT_PERMISSIONS, ORGANIZATION_PERMISSIONS } from '../../../collectors/aws/permissions.js';
import { ASSET_TYPES } from '../../assets/registry.js';
import type { CommandOutcome } from '../exit-codes.js';
import { printOut } from '../../terminal-text.js';

export const SYNC_PERMISSIONS: readonly string[] = [...new Set([...ACCOUNT_PERMISSIONS, ...ASSET_TYPES.flatMap((type) => type.iamActions)])];

/** What the credentials that start a multi-account sync need on top: list the organization, assume the member roles. */
export const DISCOVERY_PERMISSIONS: readonly string[] = [...ORGANIZATION_PERMISSIONS, 'sts:AssumeRole'];

export function permissionsCommand(_outcome: CommandOutcome): Command {
  return new Command('permissions')
    .description('Print the IAM actions `inventory sync` needs, as a list or as an IAM policy document.')
    .addOption(new Option('--format <format>', 'output format').choices(['list', 'policy']).default('list'))
    .action((flags: { format: 'list' | 'policy' }) => {
      const policy = {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'CloudInventoryRead', Effect: 'Allow', Action: SYNC_PERMISSIONS, Resource: '*' },
          // Only for the credentials that start a sync with --accounts; narrow Resource to the member role ARNs.
          { Sid: 'CloudInventoryReachAccounts', Effect: 'Allow', Action: DISCOVERY_PERMISSIONS, Resource: '*' },
        ],
      };
      const list = `${SYNC_PERMISSIONS.join('\n')}\n# with --accounts, for the credentials that start the sync:\n${DISCOVERY_PERMISSIONS.join('\n')}\n`;
      printOut(flags.format === 'policy' ? `${JSON.stringify(policy, null, 2)}\n` : list);
    });
}
