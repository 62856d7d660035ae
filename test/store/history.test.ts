// Trail history: created, one row per changed field, deleted and restored; unknowns are not changes, and several
// writes of one trail in one run make one row per field.
import { afterEach, describe, expect, it } from 'vitest';
import { HISTORY_FIELDS } from '../../src/model/trail.js';
import { TRAIL_CONTENT_COLUMNS } from '../../src/store/trail-columns.js';
import { syncRun, trailRecord, type RecordInput } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const ACCOUNT = '111122223333';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/k';
let temp: TempStore;
afterEach(async () => temp?.cleanup());

const trail = (input: RecordInput = {}) => trailRecord('audit', { ...input, trail: { IsMultiRegionTrail: true, ...input.trail } });
const ARN = trail().arn;
const history = async () => (await temp.store.trailHistory([ARN]))[0]!;
const sync = (trails: ReturnType<typeof trail>[], region = 'us-east-1') => syncRun(temp.store, [{ accountId: ACCOUNT, region, trails }]);

describe('trail history', () => {
  it('tracks every configuration field of a trail, and leaves out the raw responses, errors and status times', () => {
    const status = [
      'latestDeliveryError',
      'latestNotificationError',
      'latestCloudWatchLogsDeliveryError',
      'latestDigestDeliveryError',
      'latestDeliveryTime',
      'latestNotificationTime',
      'startLoggingTime',
      'stopLoggingTime',
      'latestCloudWatchLogsDeliveryTime',
      'latestDigestDeliveryTime',
    ];
    const expected = [...TRAIL_CONTENT_COLUMNS.map((c) => c.field).filter((f) => !['raw', 'collectionErrors', ...status].includes(f)), 'tags'];
    expect([...HISTORY_FIELDS].sort()).toEqual(expected.sort());
  });

  it('records creation, then one row per changed field, newest first', async () => {
    temp = await openTempStore();
    const created = await sync([trail({ trail: { KmsKeyId: KEY }, tags: [{ key: 'team', value: 'blue' }] })]);
    const changed = await sync([
      trail({
        trail: { LogFileValidationEnabled: false },
        tags: [
          { key: 'team', value: 'red' },
          { key: 'env', value: 'prod' },
        ],
      }),
    ]);
    expect(await history()).toEqual(
      [
        {
          trailArn: ARN,
          runId: changed.runId,
          changedAt: expect.any(String),
          kind: 'changed',
          field: 'tags',
          from: [{ key: 'team', value: 'blue' }],
          to: [
            { key: 'env', value: 'prod' },
            { key: 'team', value: 'red' },
          ],
        },
        { trailArn: ARN, runId: changed.runId, changedAt: expect.any(String), kind: 'changed', field: 'kmsKeyID', from: KEY, to: '' },
        { trailArn: ARN, runId: changed.runId, changedAt: expect.any(String), kind: 'changed', field: 'logFileValidationEnabled', from: true, to: false },
        { trailArn: ARN, runId: created.runId, changedAt: expect.any(String), kind: 'created', field: null, from: null, to: null },
      ].sort((a, b) => b.runId - a.runId || HISTORY_FIELDS.indexOf(b.field as never) - HISTORY_FIELDS.indexOf(a.field as never)),
    );
  });

  it('does not record status times as a change', async () => {
    temp = await openTempStore();
    await sync([trail({ status: { LatestDeliveryTime: new Date('2026-11-29T01:00:00Z') } })]);
    await sync([trail({ status: { LatestDeliveryTime: new Date('2026-11-29T02:00:00Z') } })]);
    expect((await history()).map((c) => c.kind)).toEqual(['created']);
  });

  it('records a value that could not be read as a change to null, so true, unknown, then false is never lost', async () => {
    temp = await openTempStore();
    await sync([trail()]);
    const unknown = await sync([trail({ status: null })]);
    const stopped = await sync([trail({ status: { IsLogging: false } })]);
    const changes = (await history()).filter((c) => c.field === 'isLogging');
    expect(changes).toMatchObject([
      { runId: stopped.runId, kind: 'changed', field: 'isLogging', from: null, to: false },
      { runId: unknown.runId, kind: 'changed', field: 'isLogging', from: true, to: null },
    ]);
  });

  it('records deletion and restoration', async () => {
    temp = await openTempStore();
    await sync([trail()]);
    const deleted = await sync([]);
    const restored = await sync([trail({ trail: { KmsKeyId: KEY } })]);
    expect((await history()).map(({ runId, kind, field }) => ({ runId, kind, field }))).toEqual([
      { runId: restored.runId, kind: 'changed', field: 'kmsKeyID' },
      { runId: restored.runId, kind: 'restored', field: null },
      { runId: deleted.runId, kind: 'deleted', field: null },
      { runId: 1, kind: 'created', field: null },
    ]);
  });

  it('merges several writes of a trail in one run into one row per field, and drops a change undone in the run', async () => {
    temp = await openTempStore();
    await sync([trail()]);
    // The owner's view from three regions of one run: '' → KEY → other key, then a bucket that changes and changes back.
    const other = 'arn:aws:kms:us-east-1:111122223333:key/other';
    const { runId } = await syncRun(temp.store, [
      { accountId: ACCOUNT, region: 'us-east-1', trails: [trail({ trail: { KmsKeyId: KEY, S3BucketName: 'elsewhere' } })] },
      { accountId: ACCOUNT, region: 'eu-west-1', trails: [trail({ trail: { KmsKeyId: other, S3BucketName: 'elsewhere' } })] },
      { accountId: ACCOUNT, region: 'ap-south-1', trails: [trail({ trail: { KmsKeyId: other } })] },
    ]);
    expect((await history()).filter((c) => c.runId === runId)).toEqual([
      { trailArn: ARN, runId, changedAt: expect.any(String), kind: 'changed', field: 'kmsKeyID', from: '', to: other },
    ]);
  });

  it('answers in the order asked, with [] for a trail without history', async () => {
    temp = await openTempStore();
    await sync([trail()]);
    const answer = await temp.store.trailHistory(['arn:aws:cloudtrail:us-east-1:1:trail/none', ARN]);
    expect(answer.map((h) => h.length)).toEqual([0, 1]);
  });
});
