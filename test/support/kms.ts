// Cloud Custodian's recorded KMS keys as a scenario: the keys themselves (so the simulator can list them), and the
// real responses recorded for them, replayed in place of the simulated ones (test/fixtures/aws/README.md).
import type { RecordedResponse, Scenario, SimKmsKey } from '../../src/simulator/index.js';
import { CUSTODIAN_ACCOUNT_ID, recordedResponse } from './recorded.js';

export const CUSTODIAN_CREDENTIALS = { AccessKeyId: 'AKIACUSTODIAN0000001', SecretAccessKey: 'custodian-test-secret' };

/** The recorded keys by id: what the recordings say of them, so ListKeys lists them where they were recorded. */
export const RECORDED_KEYS = {
  rotated: 'ffb1402c-040a-4b1f-b1e5-9918a0238aa7',
  openPolicy: '7e9d3a66-b4f3-47ff-98f7-4a6087b45405',
  skunkTrails: '36812ccf-daaf-49b1-a24b-0eef254ffe41',
  denied: 'd01ee9b3-ce85-4622-8e1c-ce85b8cdc89d',
  permissive: 'fb019403-0594-4a97-b987-8e493fb76181',
  imported: '0e70fa46-b702-4fe7-807e-8dea0d333f7d',
} as const;

export const recordedKeyArn = (region: string, keyId: string) => `arn:aws:kms:${region}:${CUSTODIAN_ACCOUNT_ID}:key/${keyId}`;

function recordedKeys(): SimKmsKey[] {
  return [
    { KeyId: RECORDED_KEYS.rotated, Region: 'us-east-1', Description: 'd1', CreationDate: '2018-01-30T15:44:19.013Z', RotationEnabled: true },
    { KeyId: RECORDED_KEYS.openPolicy, Region: 'us-east-1', Description: 'test-cross-account-3', CreationDate: '2018-01-31T16:36:38.475Z' },
    { KeyId: RECORDED_KEYS.skunkTrails, Region: 'us-east-1', Description: 'Trails for the Skunk', CreationDate: '2016-07-24T04:51:26.199Z', RotationEnabled: true },
    { KeyId: RECORDED_KEYS.denied, Region: 'us-west-1', CreationDate: '2021-05-20T13:40:00Z' },
    { KeyId: RECORDED_KEYS.permissive, Region: 'us-west-1', Description: 'Access testing - permissive policy', CreationDate: '2021-05-20T13:43:08.989Z' },
    { KeyId: RECORDED_KEYS.imported, Region: 'us-west-2', Origin: 'EXTERNAL', KeyState: 'PendingImport', CreationDate: '2025-06-02T10:43:58.931Z' },
  ];
}

/** Every KMS recording the tests replay, each answering the key it was recorded for. */
export function recordedKmsResponses(): RecordedResponse[] {
  const east = (path: string, key: string) => recordedResponse(path, { region: 'us-east-1', key });
  const westOne = (path: string, key: string) => recordedResponse(path, { region: 'us-west-1', key });
  const westTwo = (path: string, key: string) => recordedResponse(path, { region: 'us-west-2', key });
  return [
    east('test_key_rotation/kms.DescribeKey_1', RECORDED_KEYS.rotated),
    east('test_key_rotation/kms.GetKeyRotationStatus_1', RECORDED_KEYS.rotated),
    east('test_cross_account_kms/kms.DescribeKey_1', RECORDED_KEYS.openPolicy),
    east('test_cross_account_kms/kms.GetKeyPolicy_1', RECORDED_KEYS.openPolicy),
    east('test_lambda_kms_key_filter/kms.DescribeKey_1', RECORDED_KEYS.skunkTrails),
    westOne('test_kms_access_denied/kms.DescribeKey_1', RECORDED_KEYS.denied),
    westOne('test_kms_access_denied/kms.DescribeKey_2', RECORDED_KEYS.permissive),
    westTwo('test_key_rotation_unsupportedopp/kms.DescribeKey_1', RECORDED_KEYS.imported),
    westTwo('test_key_rotation_unsupportedopp/kms.GetKeyRotationStatus_1', RECORDED_KEYS.imported),
  ];
}

/** Custodian's account holding the recorded keys, with the recordings replayed. */
export function recordedKmsScenario(): Scenario {
  return {
    accounts: [{ Id: CUSTODIAN_ACCOUNT_ID, ...CUSTODIAN_CREDENTIALS, Trails: [], KmsKeys: recordedKeys() }],
    recorded: recordedKmsResponses(),
  };
}
