// The accounts file: what it accepts, and errors that name the file and the place in it.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountsConfigError, loadAccountsConfig, parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { tempDir } from '../support/store.js';

const parse = (text: string) => parseAccountsConfig(text, 'accounts.yaml');
const problem = (text: string): string => {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(AccountsConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
};

describe('accounts configuration', () => {
  it('accepts a list of roles and an organization with include and exclude lists', () => {
    const config = parse(`
accounts:
  - role_arn: arn:aws:iam::111122223333:role/InventoryReader
    external_id: shared-secret-1
    session_name: inventory-nightly
    name: prod
organization:
  member_role_name: InventoryReader
  management_role_arn: arn:aws:iam::999988887777:role/OrgReader
  exclude: ["444455556666"]
`);
    expect(config.accounts).toEqual([
      { role_arn: 'arn:aws:iam::111122223333:role/InventoryReader', external_id: 'shared-secret-1', session_name: 'inventory-nightly', name: 'prod' },
    ]);
    expect(config.organization).toMatchObject({ member_role_name: 'InventoryReader', exclude: ['444455556666'] });
  });

  it.each([
    ['accounts:\n  - role_arn: arn:aws:iam::1234:role/X\n', 'accounts.yaml: accounts[0].role_arn: expected an IAM role ARN'],
    [
      'accounts:\n  - role_arn: arn:aws:iam::111122223333:role/X\n    account_id: "222233334444"\n',
      'accounts[0].account_id: account_id differs from the account in role_arn',
    ],
    ['organization:\n  member_role_name: InventoryReader\n  include: [111122223333]\n', 'organization.include[0]: expected a 12-digit account id as a quoted string'],
    ['organization:\n  member_role_name: arn:aws:iam::111122223333:role/X\n', 'organization.member_role_name: expected a role name (not an ARN)'],
    ['accounts:\n  - role_arn: arn:aws:iam::111122223333:role/X\n    rolearn: typo\n', 'accounts[0]: Unrecognized key: "rolearn"'],
    ['accounts:\n  - role_arn: arn:aws:iam::111122223333:role/X\n    session_name: "a b"\n', 'accounts[0].session_name: expected 2 to 64 characters'],
    ['organization:\n  member_role_name: R\n  include: []\n', 'organization.include: name at least one account, or leave include out'],
    [
      'organization:\n  member_role_name: R\n  include: ["111122223333"]\n  exclude: ["111122223333"]\n',
      'organization.exclude: an account is both included and excluded',
    ],
    ['{}', '(top level): name at least one account under "accounts:" or an "organization:"'],
    ['', '(top level): name at least one account'],
    ['accounts: [\n', 'accounts.yaml: not valid YAML'],
    [
      'accounts:\n  - role_arn: arn:aws:iam::111122223333:role/A\n  - role_arn: arn:aws:iam::111122223333:role/B\n',
      'accounts: account 111122223333 is listed more than once',
    ],
  ])('refuses %j with a message that says where', (text, expected) => {
    expect(problem(text)).toContain(expected);
  });

  it('names the file it could not read', () => {
    const dir = tempDir();
    expect(() => loadAccountsConfig(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read the accounts file \(ENOENT\)/);
    const file = join(dir, 'accounts.yaml');
    writeFileSync(file, 'organization:\n  member_role_name: InventoryReader\n');
    expect(loadAccountsConfig(file)).toMatchObject({ file, organization: { member_role_name: 'InventoryReader' } });
    rmSync(dir, { recursive: true, force: true });
  });
});
