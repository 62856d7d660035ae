// The `inventory` command as a new user meets it: help, exit codes, and clear errors for bad input.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_TYPES, nounsOf } from '../../src/assets/registry.js';
import { CONTROLS_DIR } from '../../src/paths.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { awsEnv } from '../support/aws.js';
import { runCli } from '../support/cli.js';
import { simAccount, simTrail } from '../support/scenarios.js';
import { createInventory, tempDir } from '../support/store.js';

describe('inventory', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('cli-');
  });

  it('lists its commands with --help and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['sync', 'serve', 'check', 'demo', 'migrate', 'permissions']) expect(stdout).toContain(command);
  });

  it('documents each flag with its environment twin', async () => {
    const { stdout } = await runCli(['serve', '--help']);
    expect(stdout).toMatch(/--port <n>[\s\S]*env: PORT/);
    expect(stdout).toMatch(/--host <address>[\s\S]*env: HOST/);
    expect(stdout).toMatch(/--db <path>[\s\S]*env: INVENTORY_DB/);
  });

  it('shows the commands and exits 2 when given none', async () => {
    const { code, stderr } = await runCli([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: inventory');
  });

  it('refuses region lists that name nothing or something that is not a region, with exit code 2', async () => {
    const empty = await runCli(['sync', '--regions', ',']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('expected a comma-separated list of regions');
    const typo = await runCli(['sync', '--regions', 'us-east-1,Frankfurt']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('not a region name: Frankfurt');
  });

  it('says which address is taken when serve cannot listen, and exits 3', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await runCli(['serve', '--port', String(port), '--db', createInventory(join(dir, 'serve.db'))]);
      expect(code).toBe(3);
      expect(stderr).toBe(`inventory: cannot listen on 127.0.0.1:${port}: the address is already in use\n`);
    } finally {
      blocker.close();
    }
  });

  it('refuses a control catalog folder that does not exist, with exit code 2', async () => {
    const { code, stderr } = await runCli(['check', '--db', join(dir, 'c.db'), '--controls', join(dir, 'no-such-folder')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no-such-folder: the control catalog folder does not exist/);
  });

  it('exits 2 on an unknown command or a bad flag value', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const badPort = await runCli(['serve', '--port', 'eighty']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain("option '--port <n>' argument 'eighty' is invalid. expected a port number from 0 to 65535");
  });

  it('lets a flag win over its environment variable', async () => {
    const fromEnv = join(dir, 'env.db');
    const fromFlag = join(dir, 'flag.db');
    const { code, stdout } = await runCli(['migrate', '--db', fromFlag], { INVENTORY_DB: fromEnv });
    expect(code).toBe(0);
    expect(stdout).toBe(`${fromFlag}: schema up to date\n`);
    expect((await runCli(['migrate'], { INVENTORY_DB: fromEnv })).stdout).toBe(`${fromEnv}: schema up to date\n`);
  });

  it('prints the IAM actions a sync needs, as the collectors declare them', async () => {
    const { code, stdout } = await runCli(['permissions', '--format', 'policy']);
    expect(code).toBe(0);
    const policy = JSON.parse(stdout);
    expect(policy.Statement[0].Action).toEqual([
      'sts:GetCallerIdentity',
      'ec2:DescribeRegions',
      'cloudtrail:DescribeTrails',
      'cloudtrail:GetTrailStatus',
      'cloudtrail:GetEventSelectors',
      'cloudtrail:GetInsightSelectors',
      'cloudtrail:ListTags',
      'kms:ListKeys',
      'kms:DescribeKey',
      'kms:GetKeyRotationStatus',
      'kms:ListKeyRotations',
      'kms:GetKeyPolicy',
      'kms:ListAliases',
      'kms:ListResourceTags',
      's3:ListAllMyBuckets',
      's3:GetBucketLocation',
      's3:GetBucketAcl',
      's3:GetBucketPolicy',
      's3:GetBucketPolicyStatus',
      's3:GetBucketPublicAccessBlock',
      's3:GetAccountPublicAccessBlock',
      's3:GetBucketLogging',
      's3:GetEncryptionConfiguration',
      's3:GetBucketVersioning',
      's3:GetBucketTagging',
      'ec2:DescribeVpcs',
      'ec2:DescribeFlowLogs',
      'config:DescribeConfigurationRecorders',
      'config:DescribeConfigurationRecorderStatus',
      'logs:DescribeMetricFilters',
      'cloudwatch:DescribeAlarms',
      'sns:ListTopics',
      'sns:GetTopicAttributes',
      'sns:ListSubscriptionsByTopic',
    ]);
  });

  it('refuses a file that is not a database, leaving it untouched, with exit code 2', async () => {
    const path = join(dir, 'notes.txt');
    const notes = 'these are my notes, not a database\n'.repeat(200);
    writeFileSync(path, notes);
    const { code, stderr } = await runCli(['check', '--db', path]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/notes\.txt: cannot use this file as the inventory database \(file is not a database\)/);
    expect(readFileSync(path, 'utf8')).toBe(notes);
  });

  it('says clearly, with exit code 2, that a PostgreSQL database cannot be reached, never printing its password', async () => {
    const { code, stderr } = await runCli(['check', '--db', 'postgres://inventory:pw@127.0.0.1:1/inventory']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^inventory: postgres:\/\/inventory:\*\*\*@127\.0\.0\.1:1\/inventory: cannot open the PostgreSQL inventory \(ECONNREFUSED/);
    expect(stderr).not.toContain(':pw@');
  });

  it('refuses a broken control catalog with exit code 2, naming the file', async () => {
    const controls = join(dir, 'controls');
    mkdirSync(controls, { recursive: true });
    writeFileSync(join(controls, 'mine.yaml'), 'id: mine\ntitle: [oops\n');
    const { code, stderr } = await runCli(['check', '--db', join(dir, 'c.db'), '--controls', controls]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^inventory: mine\.yaml: not valid YAML/);
  });

  it('refuses a control whose stored query no longer validates against the schema, naming the file and the field', async () => {
    const controls = join(dir, 'stale-controls');
    mkdirSync(controls, { recursive: true });
    // A control written against an older schema: the field was renamed since (kmsKeyId is kmsKeyID).
    const seed = readFileSync(join(CONTROLS_DIR, 'aws', 'cloudtrail-kms-encryption.yaml'), 'utf8');
    writeFileSync(join(controls, 'cloudtrail-kms-encryption.yaml'), seed.replace('trails(where:{kmsKeyID:""})', 'trails(where:{kmsKeyId:""})'));
    const { code, stdout, stderr } = await runCli(['check', '--db', join(dir, 'c.db'), '--controls', controls]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^inventory: cloudtrail-kms-encryption\.yaml: query does not validate against the schema: Field "kmsKeyId" is not defined by type "TrailWhere"/,
    );
  });
});

describe('inventory controls validate', () => {
  it('checks the shipped catalog, or a folder of controls being written, naming a broken file with exit code 2', async () => {
    const shipped = await runCli(['controls', 'validate']);
    expect(shipped.code).toBe(0);
    expect(shipped.stdout).toMatch(
      new RegExp(
        `^28 controls valid in \\S+controls\\n${[
          'cloudtrail-cloudwatch-logs',
          'cloudtrail-kms-encryption',
          'cloudtrail-kms-key-usable',
          'cloudtrail-log-file-validation',
          'cloudtrail-logging',
          'cloudtrail-multi-region-management-events',
          'config-recorder-all-regions',
          'kms-key-rotation',
          'monitoring-cloudtrail-configuration-changes',
          'monitoring-cmk-disable-or-scheduled-deletion',
          'monitoring-config-configuration-changes',
          'monitoring-console-authentication-failures',
          'monitoring-console-signin-without-mfa',
          'monitoring-iam-policy-changes',
          'monitoring-nacl-changes',
          'monitoring-network-gateway-changes',
          'monitoring-organizations-changes',
          'monitoring-root-account-usage',
          'monitoring-route-table-changes',
          'monitoring-s3-bucket-policy-changes',
          'monitoring-security-group-changes',
          'monitoring-unauthorized-api-calls',
          'monitoring-vpc-changes',
          's3-cloudtrail-bucket-access-logging',
          's3-cloudtrail-bucket-not-public',
          's3-object-level-logging-read',
          's3-object-level-logging-write',
          'vpc-flow-logs',
        ]
          .map((id) => ` {2}${id} {2}aws/${id}\\.yaml {2}expect eq \\[\\]\\n`)
          .join('')}$`,
      ),
    );

    const dir = tempDir('controls-cli-');
    writeFileSync(join(dir, 'at-least-one.yaml'), 'id: at-least-one\ntitle: x\n');
    const broken = await runCli(['controls', 'validate', dir]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^inventory: at-least-one\.yaml: /);
  });
});

describe('inventory sync', () => {
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({ accounts: [simAccount('123412341234', [simTrail('main', 'us-east-1')])] });
    dir = tempDir('cli-sync-');
  });
  afterAll(() => sim.close());

  it('syncs the account behind the standard credentials and prints a summary; --quiet leaves stderr empty', async () => {
    const db = join(dir, 'inventory.db');
    const { code, stdout, stderr } = await runCli(['sync', '--quiet', '--db', db, '--regions', 'us-east-1,eu-west-1'], awsEnv(sim, sim.scenario.accounts[0]));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // One run per collector, and one line of counts per asset type (the account has a trail and nothing else); a
    // regional type has a scope in each of the two regions, a type listed once per account one.
    const runs = ASSET_TYPES.map((type, i) => `${i + 1} (${type.collector}) succeeded`).join(', ');
    const scopes = ASSET_TYPES.reduce((n, type) => n + (type.scope === 'regional' ? 2 : 1), 0);
    const counts = ASSET_TYPES.map(
      (type) => `  ${nounsOf(type).many}: ${type.name === 'Trail' ? '1 sightings, 1 new' : '0 sightings, 0 new'}, 0 changed, 0 deleted\n`,
    ).join('');
    expect(stdout.replace(/ in \d+\.\ds\n/, '\n')).toBe(`Sync runs ${runs}\n  accounts: 1 listed, 0 failed\n  scopes: ${scopes} ok, 0 skipped, 0 failed\n${counts}`);
    expect(stdout).toMatch(/ in \d+\.\ds\n/);
  });

  it('makes its AWS calls on the threads --threads asks for, with the same summary, and refuses a count it cannot use', async () => {
    const env = awsEnv(sim, sim.scenario.accounts[0]);
    const summaries: string[] = [];
    for (const threads of ['0', '3']) {
      const { code, stdout, stderr } = await runCli(['sync', '--quiet', '--threads', threads, '--db', join(dir, `threads-${threads}.db`), '--regions', 'us-east-1'], env);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      summaries.push(stdout.replace(/ in \d+\.\ds\n/, '\n'));
    }
    expect(summaries[1]).toBe(summaries[0]);
    expect(summaries[0]).toContain('trails: 1 sightings, 1 new');
    const refused = await runCli(['sync', '--threads', 'many'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("option '--threads <n>' argument 'many' is invalid. expected a whole number from 0 to 16");
  });

  it('logs JSON lines on stderr when it is not a terminal: progress at info, every scope with --verbose', async () => {
    const env = awsEnv(sim, sim.scenario.accounts[0]);
    const parse = (stderr: string) =>
      stderr
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string; region?: string });
    const plain = parse((await runCli(['sync', '--db', join(dir, 'logs.db'), '--regions', 'us-east-1'], env)).stderr);
    expect(plain.map((l) => l.msg)).toEqual([
      'sync started',
      ...ASSET_TYPES.map((type) => `collecting ${type.plural}`),
      ...ASSET_TYPES.map(() => 'sync run finished'),
      'sync finished',
    ]);
    const verbose = parse((await runCli(['sync', '--verbose', '--db', join(dir, 'logs.db'), '--regions', 'us-east-1'], env)).stderr);
    // One scope per collector.
    expect(verbose.filter((l) => l.msg === 'scope written').map((l) => [l.level, l.region])).toEqual(ASSET_TYPES.map(() => [20, 'us-east-1']));
    const { code, stderr } = await runCli(['sync', '--quiet', '--verbose'], env);
    expect(code).toBe(2);
    expect(stderr).toMatch(/option '-q, --quiet' cannot be used with option '-v, --verbose'/);
  });

  it('refuses a broken accounts file with exit 2, naming the file and the place, before touching the database', async () => {
    const db = join(dir, 'never.db');
    const accounts = join(dir, 'accounts.yaml');
    writeFileSync(accounts, 'accounts:\n  - role_arn: arn:aws:iam::123412341234:user/not-a-role\n');
    const { code, stderr } = await runCli(['sync', '--db', db, '--accounts', accounts], awsEnv(sim, sim.scenario.accounts[0]));
    expect(code).toBe(2);
    expect(stderr).toBe(`inventory: ${accounts}: accounts[0].role_arn: expected an IAM role ARN such as arn:aws:iam::111122223333:role/InventoryReader\n`);
    expect(existsSync(db)).toBe(false);
  });

  it('reads INVENTORY_REGIONS when --regions is not given, and prints JSON on request', async () => {
    const db = join(dir, 'json.db');
    const { code, stdout } = await runCli(['sync', '--db', db, '--format', 'json'], { ...awsEnv(sim, sim.scenario.accounts[0]), INVENTORY_REGIONS: 'us-east-1' });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).scopes.map((s: { collector: string; region: string }) => [s.collector, s.region])).toEqual([
      // One scope per collector: every one lists us-east-1 (buckets are listed from it, once per account).
      ...ASSET_TYPES.map((type) => [type.collector, 'us-east-1']),
    ]);
  });

  it('exits 3 and says why when the credentials are refused, keeping the database usable', async () => {
    const db = join(dir, 'refused.db');
    const env = { ...awsEnv(sim), AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000000', AWS_SECRET_ACCESS_KEY: 'x' };
    const { code, stdout } = await runCli(['sync', '--db', db, '--max-attempts', '1'], env);
    expect(code).toBe(3);
    expect(stdout).toContain('Sync runs 1 (aws.cloudtrail.trails) failed, 2 (aws.kms.keys) failed, 3 (aws.s3.buckets) failed');
    expect(stdout).toMatch(/default credentials: InvalidClientTokenId: /);
    expect((await runCli(['check', '--db', db, '--format', 'json'])).code).toBe(3);
  });

  it('exits 3 when AWS cannot be reached at all', async () => {
    const db = join(dir, 'unreachable.db');
    const env = { ...awsEnv(sim, sim.scenario.accounts[0]), AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    const { code, stdout } = await runCli(['sync', '--db', db, '--max-attempts', '1', '--regions', 'us-east-1'], env);
    expect(code).toBe(3);
    expect(stdout).toMatch(/default credentials: (ECONNREFUSED|Error)/);
  });
});
