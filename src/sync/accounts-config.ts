// The accounts configuration of `inventory sync --accounts <file>`: which AWS accounts to sync and how to reach them.
// Either a list of accounts with the role to assume in each, or AWS Organizations discovery, or both.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export class AccountsConfigError extends Error {
  override name = 'AccountsConfigError';
}

/** The session name AWS shows in CloudTrail events for the inventory's own calls, unless the file names another. */
export const DEFAULT_SESSION_NAME = 'cloud-inventory';

const accountId = z
  .string({ error: 'expected a 12-digit account id as a quoted string, e.g. "111122223333"' })
  .regex(/^\d{12}$/, 'expected a 12-digit account id, e.g. "111122223333"');
const roleArn = z
  .string({ error: 'expected an IAM role ARN' })
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'expected an IAM role ARN such as arn:aws:iam::111122223333:role/InventoryReader');
// AWS limits (STS AssumeRole): RoleSessionName 2-64 of [\w+=,.@-], ExternalId 2-1224 of [\w+=,.@:/-].
const sessionName = z.string().regex(/^[\w+=,.@-]{2,64}$/, 'expected 2 to 64 characters of letters, digits and +=,.@_-');
const externalId = z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'expected 2 to 1224 characters of letters, digits and +=,.@:/_-');
const roleName = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'expected a role name (not an ARN) such as InventoryReader');

const AccountEntry = z
  .strictObject({
    role_arn: roleArn,
    account_id: accountId.optional(),
    external_id: externalId.optional(),
    session_name: sessionName.optional(),
    name: z.string().min(1).optional(),
  })
  .refine((entry) => !entry.account_id || entry.role_arn.split(':')[4] === entry.account_id, {
    message: 'account_id differs from the account in role_arn',
    path: ['account_id'],
  });

const OrganizationEntry = z
  .strictObject({
    /** The role every member account holds for the inventory (assumed as arn:aws:iam::<member>:role/<name>). */
    member_role_name: roleName,
    /** A role in the management account to assume for ListAccounts; without it the base credentials must be the management account's. */
    management_role_arn: roleArn.optional(),
    external_id: externalId.optional(),
    session_name: sessionName.optional(),
    include: z.array(accountId).min(1, 'name at least one account, or leave include out to sync every account').optional(),
    exclude: z.array(accountId).optional(),
  })
  .refine((org) => !org.include?.some((id) => org.exclude?.includes(id)), {
    message: 'an account is both included and excluded',
    path: ['exclude'],
  });

const AccountsFile = z
  .strictObject({
    accounts: z.array(AccountEntry).optional(),
    organization: OrganizationEntry.optional(),
    /** Accounts whose data leaves the inventory at the next sync (e.g. an account closed or handed over). */
    forget: z.array(accountId).optional(),
  })
  .refine((file) => (file.accounts?.length ?? 0) > 0 || file.organization !== undefined, {
    message: 'name at least one account under "accounts:" or an "organization:" to discover them from',
  });

export type AccountEntry = z.infer<typeof AccountEntry>;
export type OrganizationEntry = z.infer<typeof OrganizationEntry>;
export type AccountsConfig = z.infer<typeof AccountsFile> & { file: string };

/** Reads and validates an accounts file; every problem is reported with the file and the place in it. */
export function loadAccountsConfig(path: string): AccountsConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AccountsConfigError(`${path}: cannot read the accounts file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseAccountsConfig(text, path);
}

export function parseAccountsConfig(text: string, file: string): AccountsConfig {
  let content: unknown;
  try {
    content = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new AccountsConfigError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  const parsed = AccountsFile.safeParse(content ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path) || '(top level)'}: ${issue.message}`);
    throw new AccountsConfigError(`${file}: ${problems.join('; ')}`);
  }
  const duplicate = findDuplicate((parsed.data.accounts ?? []).map((a) => a.role_arn.split(':')[4]!));
  if (duplicate) throw new AccountsConfigError(`${file}: accounts: account ${duplicate} is listed more than once`);
  const listedAndForgotten = (parsed.data.accounts ?? []).find((a) => parsed.data.forget?.includes(a.role_arn.split(':')[4]!));
  if (listedAndForgotten) {
    throw new AccountsConfigError(`${file}: forget: account ${listedAndForgotten.role_arn.split(':')[4]} is also listed under accounts`);
  }
  return { ...parsed.data, file };
}

/** accounts[2].role_arn, as a reader finds it in the file. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('');
}

function findDuplicate(values: string[]): string | undefined {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) return value;
    seen.add(value);
  }
  return undefined;
}
