// The key policy evaluator: the policies AWS publishes for CloudTrail, a recorded real key policy, KMS's default policy,
// and hand-made traps, each asserting the decision and what decided it.
import { describe, expect, it } from 'vitest';
import {
  type CloudTrailSource,
  cloudTrailKeyAccess,
  cloudTrailKeyStatements,
  evaluateKeyPolicy,
  missingCloudTrailStatements,
  type PolicyRequest,
} from '../../src/model/key-policy-access.js';
import { CUSTODIAN_ACCOUNT_ID, readWireFile } from '../support/recorded.js';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
const TRAIL: CloudTrailSource = { arn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/main-trail`, sourceAccount: ACCOUNT };
const OTHER_TRAIL: CloudTrailSource = { arn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/other-trail`, sourceAccount: ACCOUNT };
const OTHER_ACCOUNT_TRAIL: CloudTrailSource = { arn: `arn:aws:cloudtrail:us-east-1:${OTHER_ACCOUNT}:trail/main-trail`, sourceAccount: OTHER_ACCOUNT };

const ROOT_STATEMENT = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
const CLOUDTRAIL = { Service: 'cloudtrail.amazonaws.com' };
const ENCRYPT_STATEMENT = {
  Sid: 'Allow CloudTrail to encrypt logs',
  Effect: 'Allow',
  Principal: CLOUDTRAIL,
  Action: 'kms:GenerateDataKey*',
  Resource: '*',
  Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` } },
};
const DESCRIBE_STATEMENT = { Sid: 'Allow CloudTrail to describe key', Effect: 'Allow', Principal: CLOUDTRAIL, Action: 'kms:DescribeKey', Resource: '*' };

function policy(...statements: unknown[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The decisions only, for compact assertions. */
function decisions(text: string, trail: CloudTrailSource = TRAIL, keyArn = KEY_ARN): { encrypt: string; describe: string } {
  const access = cloudTrailKeyAccess(text, trail, keyArn);
  return { encrypt: access.encrypt.decision, describe: access.describe.decision };
}

/** A request by the account's root (or another AWS principal) with a complete context. */
function awsRequest(action: string, context: PolicyRequest['context'] = {}, id = `arn:aws:iam::${ACCOUNT}:root`): PolicyRequest {
  return { principal: { type: 'AWS', id }, action, resource: KEY_ARN, context };
}

describe('the policies AWS publishes for CloudTrail', () => {
  // AWS CloudTrail User Guide, "Default KMS key policy created in CloudTrail console" (policy for trails), as published:
  // placeholders filled with this test's account, region and key; its first statement's Resource is the guide's own.
  const consoleDefault = JSON.stringify({
    Version: '2012-10-17',
    Id: 'Key policy created by CloudTrail',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`, `arn:aws:iam::${ACCOUNT}:user/username`] },
        Action: 'kms:*',
        Resource: 'arn:aws:s3:::myBucketName',
      },
      {
        Sid: 'Allow CloudTrail to encrypt logs',
        Effect: 'Allow',
        Principal: { Service: ['cloudtrail.amazonaws.com'] },
        Action: 'kms:GenerateDataKey*',
        Resource: KEY_ARN,
        Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` } },
      },
      { Sid: 'Allow CloudTrail to describe key', Effect: 'Allow', Principal: { Service: ['cloudtrail.amazonaws.com'] }, Action: 'kms:DescribeKey', Resource: KEY_ARN },
      {
        Sid: 'Allow principals in the account to decrypt log files',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
        Resource: KEY_ARN,
        Condition: {
          StringEquals: { 'kms:CallerAccount': ACCOUNT },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` },
        },
      },
      {
        Sid: 'Allow alias creation during setup',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:CreateAlias',
        Resource: KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com', 'kms:CallerAccount': ACCOUNT } },
      },
    ],
  });

  it("the console's default policy lets CloudTrail encrypt and describe for every trail of the account, and no other account's", () => {
    const access = cloudTrailKeyAccess(consoleDefault, TRAIL, KEY_ARN);
    expect(access.encrypt.decision).toBe('allowed');
    expect(access.encrypt.reasons).toEqual([
      `Statement[1] ("Allow CloudTrail to encrypt logs") allows it (StringLike kms:EncryptionContext:aws:cloudtrail:arn holds for "${TRAIL.arn}")`,
    ]);
    expect(access.describe).toEqual({ decision: 'allowed', reasons: ['Statement[2] ("Allow CloudTrail to describe key") allows it'] });
    expect(decisions(consoleDefault, OTHER_TRAIL)).toEqual({ encrypt: 'allowed', describe: 'allowed' });

    const other = cloudTrailKeyAccess(consoleDefault, OTHER_ACCOUNT_TRAIL, KEY_ARN);
    expect(other.encrypt.decision).toBe('not-granted');
    expect(other.encrypt.reasons[1]).toContain(`Statement[1] ("Allow CloudTrail to encrypt logs") allows this principal, but StringLike`);
    expect(other.encrypt.reasons[1]).toContain(`does not hold for "${OTHER_ACCOUNT_TRAIL.arn}"`);
    // DescribeKey has no condition in the console's policy.
    expect(other.describe.decision).toBe('allowed');
    // Its root statement names an S3 bucket as Resource (as the guide prints it), so it covers nothing of this key.
    expect(evaluateKeyPolicy(consoleDefault, awsRequest('kms:PutKeyPolicy')).decision).toBe('not-granted');
  });

  // AWS CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail": "Granting encrypt permissions" and "Enable
  // CloudTrail to describe KMS key properties", with the aws:SourceArn condition the guide recommends.
  const withSourceArn = policy(
    ROOT_STATEMENT,
    {
      Sid: 'Allow CloudTrail to encrypt logs',
      Effect: 'Allow',
      Principal: CLOUDTRAIL,
      Action: 'kms:GenerateDataKey*',
      Resource: KEY_ARN,
      Condition: {
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': [`arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`] },
        StringEquals: { 'aws:SourceArn': TRAIL.arn },
      },
    },
    {
      Sid: 'Allow CloudTrail access',
      Effect: 'Allow',
      Principal: CLOUDTRAIL,
      Action: 'kms:DescribeKey',
      Resource: KEY_ARN,
      Condition: { StringEquals: { 'aws:SourceArn': TRAIL.arn } },
    },
  );

  it('the documented statements with aws:SourceArn serve only the trail they name', () => {
    const access = cloudTrailKeyAccess(withSourceArn, TRAIL, KEY_ARN);
    expect(access.encrypt.decision).toBe('allowed');
    expect(access.encrypt.reasons[0]).toContain('StringEquals aws:SourceArn holds');
    expect(access.describe.decision).toBe('allowed');

    // Another trail of the same account meets the encryption context pattern, but not aws:SourceArn.
    const other = cloudTrailKeyAccess(withSourceArn, OTHER_TRAIL, KEY_ARN);
    expect(other.encrypt.decision).toBe('not-granted');
    expect(other.encrypt.reasons.join('\n')).toContain(`StringEquals aws:SourceArn "${TRAIL.arn}" does not hold for "${OTHER_TRAIL.arn}"`);
    expect(other.describe.decision).toBe('not-granted');
    // The same statements for another key are no grant on this one.
    expect(decisions(withSourceArn, TRAIL, OTHER_KEY_ARN)).toEqual({ encrypt: 'not-granted', describe: 'not-granted' });
  });

  // The same guide's earlier statements, without aws:SourceArn, for two accounts that encrypt with one key.
  const withoutSourceArn = policy(
    ROOT_STATEMENT,
    {
      Sid: 'Enable CloudTrail Encrypt Permissions',
      Effect: 'Allow',
      Principal: CLOUDTRAIL,
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: {
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': [`arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`, `arn:aws:cloudtrail:*:${OTHER_ACCOUNT}:trail/*`] },
      },
    },
    { Sid: 'Allow CloudTrail access', Effect: 'Allow', Principal: CLOUDTRAIL, Action: 'kms:DescribeKey', Resource: '*' },
  );

  it('the documented statements without aws:SourceArn serve every trail of the accounts they list', () => {
    expect(decisions(withoutSourceArn, TRAIL)).toEqual({ encrypt: 'allowed', describe: 'allowed' });
    expect(decisions(withoutSourceArn, OTHER_TRAIL)).toEqual({ encrypt: 'allowed', describe: 'allowed' });
    expect(decisions(withoutSourceArn, OTHER_ACCOUNT_TRAIL)).toEqual({ encrypt: 'allowed', describe: 'allowed' });
    const third = { arn: 'arn:aws:cloudtrail:eu-west-1:999999999999:trail/t', sourceAccount: '999999999999' };
    expect(decisions(withoutSourceArn, third)).toEqual({ encrypt: 'not-granted', describe: 'allowed' });
  });

  // An organization trail belongs to the management account; the member accounts' logs are the organization trail's, so
  // CloudTrail names its ARN and the management account ("the management account ID" for aws:SourceAccount, guide above).
  const MANAGEMENT = '111111111111';
  const MEMBER = '222222222222';
  const ORG_TRAIL: CloudTrailSource = { arn: `arn:aws:cloudtrail:us-east-1:${MANAGEMENT}:trail/org-trail`, sourceAccount: MANAGEMENT };
  const CENTRAL_KEY = 'arn:aws:kms:us-east-1:333333333333:key/abcd1234-aaaa-bbbb-cccc-1234567890ab';

  it("an organization trail's key policy names the management account, not the members", () => {
    const orgPolicy = policy(
      { ...ROOT_STATEMENT, Principal: { AWS: 'arn:aws:iam::333333333333:root' } },
      {
        Sid: 'Allow CloudTrail to encrypt logs',
        Effect: 'Allow',
        Principal: CLOUDTRAIL,
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: {
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${MANAGEMENT}:trail/*` },
          StringEquals: { 'aws:SourceAccount': MANAGEMENT },
        },
      },
      {
        Sid: 'Allow CloudTrail to describe key',
        Effect: 'Allow',
        Principal: CLOUDTRAIL,
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceArn': ORG_TRAIL.arn } },
      },
    );
    expect(decisions(orgPolicy, ORG_TRAIL, CENTRAL_KEY)).toEqual({ encrypt: 'allowed', describe: 'allowed' });

    // The common mistake: listing the member accounts, whose logs CloudTrail still encrypts as the organization trail's.
    const membersOnly = policy({
      ...ENCRYPT_STATEMENT,
      Condition: {
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${MEMBER}:trail/*` },
        StringEquals: { 'aws:SourceAccount': MEMBER },
      },
    });
    const access = cloudTrailKeyAccess(membersOnly, ORG_TRAIL, CENTRAL_KEY);
    expect(access.encrypt.decision).toBe('not-granted');
    expect(access.encrypt.reasons.join('\n')).toContain(`does not hold for "${ORG_TRAIL.arn}"`);
  });
});

describe('recorded and default key policies', () => {
  // A real GetKeyPolicy response (Cloud Custodian's recording, see test/fixtures/aws/README.md): the account's root may do
  // anything, and every principal may call kms:Encrypt.
  const recorded = (JSON.parse(readWireFile('test_cross_account_kms/kms.GetKeyPolicy_1').body) as { Policy: string }).Policy;
  const recordedKey = `arn:aws:kms:us-east-1:${CUSTODIAN_ACCOUNT_ID}:key/0d543df5-915c-42a1-afa1-c9b5f1f0a1f5`;
  const custodianTrail: CloudTrailSource = { arn: `arn:aws:cloudtrail:us-east-1:${CUSTODIAN_ACCOUNT_ID}:trail/skunk-trails`, sourceAccount: CUSTODIAN_ACCOUNT_ID };

  it('the recorded policy grants CloudTrail nothing: its "*" statement allows kms:Encrypt, not kms:GenerateDataKey', () => {
    const access = cloudTrailKeyAccess(recorded, custodianTrail, recordedKey);
    expect(access.encrypt.decision).toBe('not-granted');
    expect(access.encrypt.reasons).toEqual([
      'no statement allows kms:GenerateDataKey for Service cloudtrail.amazonaws.com',
      'Statement[1] ("Enable Cross Account") allows this principal, but Action "kms:Encrypt" does not cover kms:GenerateDataKey',
    ]);
    expect(access.describe.decision).toBe('not-granted');

    const root = `arn:aws:iam::${CUSTODIAN_ACCOUNT_ID}:root`;
    expect(evaluateKeyPolicy(recorded, { ...awsRequest('kms:GenerateDataKey', {}, root), resource: recordedKey })).toEqual({
      decision: 'allowed',
      reasons: ['Statement[0] ("Enable IAM User Permissions") allows it'],
    });
    // Anyone may Encrypt; a role of the account may GenerateDataKey only if its IAM policies say so, which are not read.
    const role = `arn:aws:iam::${CUSTODIAN_ACCOUNT_ID}:role/app`;
    expect(evaluateKeyPolicy(recorded, { ...awsRequest('kms:Encrypt', {}, role), resource: recordedKey }).decision).toBe('allowed');
    const generate = evaluateKeyPolicy(recorded, { ...awsRequest('kms:GenerateDataKey', {}, role), resource: recordedKey });
    expect(generate.decision).toBe('unknown');
    expect(generate.reasons[0]).toContain(`names account ${CUSTODIAN_ACCOUNT_ID}, which leaves ${role} to the account's IAM policies`);
  });

  it('the missing statements, merged into the recorded policy, make it grant CloudTrail both calls', () => {
    const missing = missingCloudTrailStatements(recorded, custodianTrail, recordedKey);
    expect(missing.map((statement) => statement.Action)).toEqual(['kms:GenerateDataKey*', 'kms:DescribeKey']);
    const document = JSON.parse(recorded) as { Statement: unknown[] };
    const merged = JSON.stringify({ ...document, Statement: [...document.Statement, ...missing] });
    expect(decisions(merged, custodianTrail, recordedKey)).toEqual({ encrypt: 'allowed', describe: 'allowed' });
    expect(missingCloudTrailStatements(merged, custodianTrail, recordedKey)).toEqual([]);
    // The merged statements serve that trail only.
    expect(decisions(merged, { ...custodianTrail, arn: `${custodianTrail.arn}-2` }, recordedKey)).toEqual({ encrypt: 'not-granted', describe: 'not-granted' });
  });

  it("KMS's default key policy gives the account's root everything and CloudTrail nothing", () => {
    // AWS KMS Developer Guide, "Default key policy" (the policy a key created through the API gets), as PutKeyPolicy's log shows it.
    const kmsDefault = `{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n    "Sid" : "Enable IAM User Permissions",\n    "Effect" : "Allow",\n    "Principal" : {\n      "AWS" : "arn:aws:iam::${ACCOUNT}:root"\n    },\n    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}`;
    const access = cloudTrailKeyAccess(kmsDefault, TRAIL, KEY_ARN);
    expect(access.encrypt).toEqual({ decision: 'not-granted', reasons: ['no statement allows kms:GenerateDataKey for Service cloudtrail.amazonaws.com'] });
    expect(access.describe.decision).toBe('not-granted');
    expect(missingCloudTrailStatements(kmsDefault, TRAIL, KEY_ARN)).toHaveLength(2);
    expect(evaluateKeyPolicy(kmsDefault, awsRequest('kms:ScheduleKeyDeletion')).decision).toBe('allowed');
    // The account id alone names the same account as its root ARN.
    expect(evaluateKeyPolicy(policy({ ...ROOT_STATEMENT, Principal: { AWS: ACCOUNT } }), awsRequest('kms:Decrypt')).decision).toBe('allowed');
    expect(evaluateKeyPolicy(kmsDefault, awsRequest('kms:Decrypt', {}, `arn:aws:iam::${OTHER_ACCOUNT}:root`)).decision).toBe('not-granted');
  });
});

describe('traps', () => {
  const consoleStatements = [ROOT_STATEMENT, ENCRYPT_STATEMENT, DESCRIBE_STATEMENT];

  it('a condition for another trail, or for another account, grants nothing to this trail', () => {
    const anotherTrail = policy({ ...ENCRYPT_STATEMENT, Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': OTHER_TRAIL.arn } } }, DESCRIBE_STATEMENT);
    expect(decisions(anotherTrail)).toEqual({ encrypt: 'not-granted', describe: 'allowed' });
    expect(decisions(anotherTrail, OTHER_TRAIL)).toEqual({ encrypt: 'allowed', describe: 'allowed' });

    const anotherAccount = policy({
      ...ENCRYPT_STATEMENT,
      Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${OTHER_ACCOUNT}:trail/*` } },
    });
    expect(decisions(anotherAccount).encrypt).toBe('not-granted');
    // ? stands for one character: a pattern one digit short of the account matches nothing.
    const oneShort = policy({
      ...ENCRYPT_STATEMENT,
      Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:*:11112222333?:trail/*' } },
    });
    expect(decisions(oneShort).encrypt).toBe('allowed');
    const tooShort = policy({
      ...ENCRYPT_STATEMENT,
      Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:*:1111222233?:trail/*' } },
    });
    expect(decisions(tooShort).encrypt).toBe('not-granted');
  });

  it('an explicit Deny wins over the Allow: for CloudTrail, or for everyone under a condition that holds', () => {
    const denyCloudTrail = policy(...consoleStatements, { Sid: 'No CloudTrail', Effect: 'Deny', Principal: CLOUDTRAIL, Action: 'kms:*', Resource: '*' });
    expect(cloudTrailKeyAccess(denyCloudTrail, TRAIL, KEY_ARN).encrypt).toEqual({ decision: 'denied', reasons: ['Statement[3] ("No CloudTrail") denies it'] });
    expect(decisions(denyCloudTrail).describe).toBe('denied');

    const denyOtherSources = {
      Sid: 'Only our account',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:SourceAccount': [OTHER_ACCOUNT, '999999999999'] } },
    };
    const denied = cloudTrailKeyAccess(policy(...consoleStatements, denyOtherSources), TRAIL, KEY_ARN);
    expect(denied.encrypt.decision).toBe('denied');
    expect(denied.encrypt.reasons[0]).toContain(`StringNotEquals aws:SourceAccount holds for "${ACCOUNT}"`);
    // The Deny's condition does not hold for a source account it lists, so the Allow stands.
    const listed = { ...denyOtherSources, Condition: { StringNotEquals: { 'aws:SourceAccount': [OTHER_ACCOUNT, ACCOUNT] } } };
    expect(decisions(policy(...consoleStatements, listed))).toEqual({ encrypt: 'allowed', describe: 'allowed' });
  });

  it('NotPrincipal: a Deny for everyone but the root reaches CloudTrail; one that exempts CloudTrail does not; an Allow with it is not judged', () => {
    const denyAllButRoot = { Sid: 'Deny all but root', Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
    expect(decisions(policy(...consoleStatements, denyAllButRoot))).toEqual({ encrypt: 'denied', describe: 'denied' });
    expect(evaluateKeyPolicy(policy(...consoleStatements, denyAllButRoot), awsRequest('kms:Decrypt')).decision).toBe('allowed');

    const exemptCloudTrail = { ...denyAllButRoot, NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root`, Service: 'cloudtrail.amazonaws.com' } };
    expect(decisions(policy(...consoleStatements, exemptCloudTrail))).toEqual({ encrypt: 'allowed', describe: 'allowed' });

    const allowWithNotPrincipal = policy({ ...ENCRYPT_STATEMENT, Principal: undefined, NotPrincipal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` } });
    const access = cloudTrailKeyAccess(allowWithNotPrincipal, TRAIL, KEY_ARN);
    expect(access.encrypt.decision).toBe('unknown');
    expect(access.encrypt.reasons[0]).toContain('Allow with NotPrincipal');
    // An Allow whose NotPrincipal lists CloudTrail plainly does not apply to it.
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Principal: undefined, NotPrincipal: CLOUDTRAIL })).encrypt).toBe('not-granted');
  });

  it('a statement for cloudtrail.amazonaws.com that grants only kms:Decrypt grants no encryption', () => {
    const decryptOnly = policy(ROOT_STATEMENT, {
      Sid: 'Allow CloudTrail to decrypt a trail',
      Effect: 'Allow',
      Principal: CLOUDTRAIL,
      Action: 'kms:Decrypt',
      Resource: '*',
    });
    const access = cloudTrailKeyAccess(decryptOnly, TRAIL, KEY_ARN);
    expect(access.encrypt.decision).toBe('not-granted');
    expect(access.encrypt.reasons[1]).toBe(
      'Statement[1] ("Allow CloudTrail to decrypt a trail") allows this principal, but Action "kms:Decrypt" does not cover kms:GenerateDataKey',
    );
    expect(access.describe.decision).toBe('not-granted');
  });

  it('NotAction allows everything it does not list', () => {
    const allButDecrypt = policy({ Sid: 'All but Decrypt', Effect: 'Allow', Principal: CLOUDTRAIL, NotAction: 'kms:Decrypt', Resource: '*' });
    expect(decisions(allButDecrypt)).toEqual({ encrypt: 'allowed', describe: 'allowed' });
    const allButDataKeys = policy({
      Sid: 'All but data keys',
      Effect: 'Allow',
      Principal: CLOUDTRAIL,
      NotAction: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
    });
    expect(decisions(allButDataKeys)).toEqual({ encrypt: 'not-granted', describe: 'allowed' });
    expect(cloudTrailKeyAccess(allButDataKeys, TRAIL, KEY_ARN).encrypt.reasons[1]).toContain('NotAction covers kms:GenerateDataKey');
  });

  it('a "*" principal under an aws:SourceAccount condition serves that account only', () => {
    const anyone = policy({
      Sid: 'Anyone for our account',
      Effect: 'Allow',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
    expect(decisions(anyone)).toEqual({ encrypt: 'allowed', describe: 'allowed' });
    expect(decisions(anyone, OTHER_ACCOUNT_TRAIL)).toEqual({ encrypt: 'not-granted', describe: 'not-granted' });
    // {"AWS": "*"} is the same "everyone".
    expect(decisions(policy({ ...JSON.parse(anyone).Statement[0], Principal: { AWS: '*' } }))).toEqual({ encrypt: 'allowed', describe: 'allowed' });
  });

  it('IfExists: holds when the key is absent, and judges the value when it is present', () => {
    const ifExists = (key: string, value: string) => policy({ ...ENCRYPT_STATEMENT, Condition: { StringEqualsIfExists: { [key]: value } } });
    expect(decisions(ifExists('aws:SourceArn', TRAIL.arn)).encrypt).toBe('allowed');
    expect(decisions(ifExists('aws:SourceArn', OTHER_TRAIL.arn)).encrypt).toBe('not-granted');
    // With a complete context, a missing key: IfExists holds, the plain operator does not, the negated one does.
    const request = awsRequest('kms:Decrypt');
    const withCondition = (condition: object) => policy({ ...ROOT_STATEMENT, Condition: condition });
    expect(evaluateKeyPolicy(withCondition({ StringEqualsIfExists: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }), request).decision).toBe('allowed');
    expect(evaluateKeyPolicy(withCondition({ StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }), request).decision).toBe('not-granted');
    expect(evaluateKeyPolicy(withCondition({ StringNotEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }), request).decision).toBe('allowed');
    expect(evaluateKeyPolicy(withCondition({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:cloudtrail:*:*:trail/*' } }), request).decision).toBe('allowed');
    expect(
      evaluateKeyPolicy(withCondition({ BoolIfExists: { 'aws:ViaAWSService': 'false' } }), awsRequest('kms:Decrypt', { 'aws:ViaAWSService': 'true' })).decision,
    ).toBe('not-granted');
  });

  it('ForAnyValue and ForAllValues compare the request set: CloudTrail sends aws:cloudtrail:arn and aws:s3:arn', () => {
    const keys = (operator: string, values: string[]) => policy({ ...ENCRYPT_STATEMENT, Condition: { [operator]: { 'kms:EncryptionContextKeys': values } } });
    expect(decisions(keys('ForAnyValue:StringEquals', ['aws:cloudtrail:arn'])).encrypt).toBe('allowed');
    expect(decisions(keys('ForAnyValue:StringEquals', ['aws:other'])).encrypt).toBe('not-granted');
    expect(decisions(keys('ForAllValues:StringEquals', ['aws:cloudtrail:arn'])).encrypt).toBe('not-granted');
    expect(decisions(keys('ForAllValues:StringLike', ['aws:*'])).encrypt).toBe('allowed');
    // Without a set operator, a key with two values is not judged.
    expect(decisions(keys('StringEquals', ['aws:cloudtrail:arn'])).encrypt).toBe('unknown');
    // A missing key: ForAllValues holds (empty set), ForAnyValue does not.
    const request = awsRequest('kms:Decrypt');
    const withCondition = (operator: string) => policy({ ...ROOT_STATEMENT, Condition: { [operator]: { 'aws:TagKeys': ['env'] } } });
    expect(evaluateKeyPolicy(withCondition('ForAllValues:StringEquals'), request).decision).toBe('allowed');
    expect(evaluateKeyPolicy(withCondition('ForAnyValue:StringEquals'), request).decision).toBe('not-granted');
    expect(evaluateKeyPolicy(withCondition('ForAnyValue:StringEqualsIfExists'), request).decision).toBe('allowed');
  });

  it('Null: true holds for a missing key, false for a present one (the encryption context is absent from DescribeKey)', () => {
    const nullCheck = (value: string) =>
      policy({
        Sid: 'Needs a trail context',
        Effect: 'Allow',
        Principal: CLOUDTRAIL,
        Action: ['kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { Null: { 'kms:EncryptionContext:aws:cloudtrail:arn': value } },
      });
    expect(decisions(nullCheck('false'))).toEqual({ encrypt: 'allowed', describe: 'not-granted' });
    expect(decisions(nullCheck('true'))).toEqual({ encrypt: 'not-granted', describe: 'allowed' });
    expect(evaluateKeyPolicy(policy({ ...ROOT_STATEMENT, Condition: { Null: { 'aws:MultiFactorAuthAge': true } } }), awsRequest('kms:Decrypt')).decision).toBe('allowed');
  });

  it('condition keys and actions are matched without case; encryption context key names are not guessed', () => {
    const shouted = policy({
      ...ENCRYPT_STATEMENT,
      Action: 'KMS:generatedatakey*',
      Condition: { StringLike: { 'KMS:ENCRYPTIONCONTEXT:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` }, StringEquals: { 'AWS:SOURCEARN': TRAIL.arn } },
    });
    expect(decisions(shouted).encrypt).toBe('allowed');
    const contextKeyCase = policy({
      ...ENCRYPT_STATEMENT,
      Condition: { StringLike: { 'kms:EncryptionContext:AWS:CloudTrail:ARN': `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` } },
    });
    expect(decisions(contextKeyCase).encrypt).toBe('unknown');
    // Values are case sensitive, except with the IgnoreCase operators.
    const upper = TRAIL.arn.toUpperCase();
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Condition: { StringEquals: { 'aws:SourceArn': upper } } })).encrypt).toBe('not-granted');
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Condition: { StringEqualsIgnoreCase: { 'aws:SourceArn': upper } } })).encrypt).toBe('allowed');
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Condition: { StringNotEqualsIgnoreCase: { 'aws:SourceArn': upper } } })).encrypt).toBe('not-granted');
  });

  it('ARN operators match each of the six parts on its own', () => {
    const arnLike = (pattern: string, operator = 'ArnLike') => policy({ ...ENCRYPT_STATEMENT, Condition: { [operator]: { 'aws:SourceArn': pattern } } });
    expect(decisions(arnLike(`arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`)).encrypt).toBe('allowed');
    expect(decisions(arnLike(`arn:aws:cloudtrail:eu-*:${ACCOUNT}:trail/*`)).encrypt).toBe('not-granted');
    expect(decisions(arnLike(TRAIL.arn, 'ArnEquals')).encrypt).toBe('allowed');
    expect(decisions(arnLike(`arn:aws:cloudtrail:*:${OTHER_ACCOUNT}:trail/*`, 'ArnNotLike')).encrypt).toBe('allowed');
    expect(decisions(arnLike(`arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`, 'ArnNotEquals')).encrypt).toBe('not-granted');
    // The IAM guide's example: a * of StringLike runs across colons, a * of ArnLike stays within its part.
    const request = awsRequest('kms:Decrypt', { 'aws:SourceArn': `arn:aws:someservice:us-east-2:999999999999:store/abc:${ACCOUNT}:finance/x` });
    const pattern = `arn:aws:someservice:*:${ACCOUNT}:finance/*`;
    expect(evaluateKeyPolicy(policy({ ...ROOT_STATEMENT, Condition: { StringLike: { 'aws:SourceArn': pattern } } }), request).decision).toBe('allowed');
    expect(evaluateKeyPolicy(policy({ ...ROOT_STATEMENT, Condition: { ArnLike: { 'aws:SourceArn': pattern } } }), request).decision).toBe('not-granted');
  });

  it('values of one key are ORed, keys and operators ANDed', () => {
    const either = policy({ ...ENCRYPT_STATEMENT, Condition: { StringEquals: { 'aws:SourceArn': [OTHER_TRAIL.arn, TRAIL.arn] } } });
    expect(decisions(either).encrypt).toBe('allowed');
    const both = policy({ ...ENCRYPT_STATEMENT, Condition: { StringEquals: { 'aws:SourceArn': TRAIL.arn, 'aws:SourceAccount': OTHER_ACCOUNT } } });
    expect(decisions(both).encrypt).toBe('not-granted');
    const acrossOperators = policy({ ...ENCRYPT_STATEMENT, Condition: { StringEquals: { 'aws:SourceArn': TRAIL.arn }, Bool: { 'aws:PrincipalIsAWSService': 'false' } } });
    expect(decisions(acrossOperators).encrypt).toBe('not-granted');
  });

  it('an unsupported operator or a policy variable makes the answer unknown, never allowed, where it could matter', () => {
    const dated = policy({ ...ENCRYPT_STATEMENT, Condition: { ...ENCRYPT_STATEMENT.Condition, DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } });
    const access = cloudTrailKeyAccess(dated, TRAIL, KEY_ARN);
    expect(access.encrypt.decision).toBe('unknown');
    expect(access.encrypt.reasons[0]).toContain('the condition operator DateLessThan is not supported by the evaluator');
    const numeric = policy({ ...ENCRYPT_STATEMENT, Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } } });
    expect(decisions(numeric).encrypt).toBe('unknown');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, written as IAM writes it
    const variable = policy({ ...ENCRYPT_STATEMENT, Condition: { StringEquals: { 'aws:SourceAccount': '${aws:PrincipalAccount}' } } });
    expect(cloudTrailKeyAccess(variable, TRAIL, KEY_ARN).encrypt.reasons[0]).toContain('policy variable');
    expect(decisions(variable).encrypt).toBe('unknown');
    // A Deny that might apply keeps an Allow from standing.
    const maybeDeny = { Sid: 'Maybe', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } };
    expect(decisions(policy(...consoleStatements, maybeDeny))).toEqual({ encrypt: 'unknown', describe: 'unknown' });
    // A key CloudTrail's call is not documented to carry is not guessed either.
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT } } })).encrypt).toBe('unknown');
    // But where the unsupported part cannot change the answer, the answer stands: another action, or a failing part.
    const decryptDated = { ...maybeDeny, Action: 'kms:Decrypt' };
    expect(decisions(policy(...consoleStatements, decryptDated))).toEqual({ encrypt: 'allowed', describe: 'allowed' });
    const failsAnyway = policy({
      ...ENCRYPT_STATEMENT,
      Condition: { StringEquals: { 'aws:SourceArn': OTHER_TRAIL.arn }, DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
    });
    expect(decisions(failsAnyway).encrypt).toBe('not-granted');
    // A data-perimeter Deny guarded for service principals does not reach CloudTrail.
    const perimeter = {
      Sid: 'Org only',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc123' }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } },
    };
    expect(decisions(policy(...consoleStatements, perimeter))).toEqual({ encrypt: 'allowed', describe: 'allowed' });
  });

  it('a statement for another key grants nothing on this one; NotResource of another key covers this one', () => {
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Resource: OTHER_KEY_ARN }, { ...DESCRIBE_STATEMENT, Resource: [OTHER_KEY_ARN] }))).toEqual({
      encrypt: 'not-granted',
      describe: 'not-granted',
    });
    const reasons = cloudTrailKeyAccess(policy({ ...ENCRYPT_STATEMENT, Resource: OTHER_KEY_ARN }), TRAIL, KEY_ARN).encrypt.reasons;
    expect(reasons[1]).toContain(`is not this key (${KEY_ARN})`);
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Resource: undefined, NotResource: OTHER_KEY_ARN })).encrypt).toBe('allowed');
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/*` })).encrypt).toBe('allowed');
  });

  it('reads a single Statement object and principals as strings or lists; refuses what is not a policy', () => {
    const single = JSON.stringify({
      Version: '2012-10-17',
      Statement: { ...DESCRIBE_STATEMENT, Principal: { Service: ['s3.amazonaws.com', 'cloudtrail.amazonaws.com'] } },
    });
    expect(decisions(single)).toEqual({ encrypt: 'not-granted', describe: 'allowed' });
    expect(decisions('{"Version":"2012-10-17","Statement":[]}')).toEqual({ encrypt: 'not-granted', describe: 'not-granted' });
    expect(decisions('not json')).toEqual({ encrypt: 'unknown', describe: 'unknown' });
    expect(decisions('[]')).toEqual({ encrypt: 'unknown', describe: 'unknown' });
    // A statement the evaluator cannot read could be a Deny.
    expect(decisions(policy(...consoleStatements, { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Unknown: 1 }))).toEqual({
      encrypt: 'unknown',
      describe: 'unknown',
    });
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Effect: 'allow' })).encrypt).toBe('unknown');
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Action: undefined })).encrypt).toBe('unknown');
    // A service principal differing only in case is not taken for CloudTrail's.
    expect(decisions(policy({ ...ENCRYPT_STATEMENT, Principal: { Service: 'CloudTrail.amazonaws.com' } })).encrypt).toBe('unknown');
  });
});

describe('cloudTrailKeyStatements', () => {
  it("fills in the guide's statements for the trail and key", () => {
    expect(cloudTrailKeyStatements(TRAIL, KEY_ARN)).toEqual({
      encrypt: {
        Sid: 'Allow CloudTrail to encrypt logs',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:GenerateDataKey*',
        Resource: KEY_ARN,
        Condition: {
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': [`arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`] },
          StringEquals: { 'aws:SourceArn': TRAIL.arn },
        },
      },
      describe: {
        Sid: 'Allow CloudTrail access',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:DescribeKey',
        Resource: KEY_ARN,
        Condition: { StringEquals: { 'aws:SourceArn': TRAIL.arn } },
      },
    });
    const govTrail = { arn: 'arn:aws-us-gov:cloudtrail:us-gov-west-1:111122223333:trail/t' };
    expect(cloudTrailKeyStatements(govTrail, KEY_ARN).encrypt.Condition.StringLike).toEqual({
      'kms:EncryptionContext:aws:cloudtrail:arn': ['arn:aws-us-gov:cloudtrail:*:111122223333:trail/*'],
    });
  });

  it('lists only what the policy does not grant', () => {
    const encryptOnly = policy(ROOT_STATEMENT, ENCRYPT_STATEMENT);
    expect(missingCloudTrailStatements(encryptOnly, TRAIL, KEY_ARN).map((statement) => statement.Sid)).toEqual(['Allow CloudTrail access']);
    // A Deny is not fixed by adding an Allow.
    const denied = policy(ROOT_STATEMENT, { Effect: 'Deny', Principal: CLOUDTRAIL, Action: 'kms:*', Resource: '*' });
    expect(missingCloudTrailStatements(denied, TRAIL, KEY_ARN)).toEqual([]);
  });
});
