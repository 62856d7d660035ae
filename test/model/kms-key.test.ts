// Key policies as the inventory stores them: every "one or a list" member a list, principals written TYPE|value.
import { describe, expect, it } from 'vitest';
import { parseKeyPolicy } from '../../src/model/kms-key.js';

describe('parseKeyPolicy', () => {
  it('normalises principals, actions, resources and conditions', () => {
    const policy = parseKeyPolicy(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
          {
            Sid: 'Mixed',
            Effect: 'Deny',
            Principal: { AWS: ['arn:aws:iam::111122223333:root', '444455556666'], Service: 'cloudtrail.amazonaws.com', Federated: 'cognito-identity.amazonaws.com' },
            NotAction: ['kms:Describe*', 'kms:List*'],
            Resource: ['*'],
            Condition: {
              Bool: { 'aws:SecureTransport': false },
              StringEquals: { 'kms:CallerAccount': ['111122223333'], 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
            },
          },
        ],
      }),
    );
    expect(policy.statements).toEqual([
      { sid: '', effect: 'Allow', principals: ['AWS|*'], actions: ['kms:Decrypt'], notActions: [], resources: ['*'], conditions: [] },
      {
        sid: 'Mixed',
        effect: 'Deny',
        principals: ['AWS|arn:aws:iam::111122223333:root', 'AWS|444455556666', 'Service|cloudtrail.amazonaws.com', 'Federated|cognito-identity.amazonaws.com'],
        actions: [],
        notActions: ['kms:Describe*', 'kms:List*'],
        resources: ['*'],
        conditions: [
          { operator: 'Bool', key: 'aws:SecureTransport', values: ['false'] },
          { operator: 'StringEquals', key: 'kms:CallerAccount', values: ['111122223333'] },
          { operator: 'StringEquals', key: 'kms:ViaService', values: ['s3.us-east-1.amazonaws.com'] },
        ],
      },
    ]);
  });

  it('reads a single Statement object, a statement without a principal, and refuses text that is not a policy', () => {
    expect(parseKeyPolicy('{"Statement":{"Effect":"Allow","Action":"kms:*"}}').statements).toEqual([
      { sid: '', effect: 'Allow', principals: [], actions: ['kms:*'], notActions: [], resources: [], conditions: [] },
    ]);
    expect(parseKeyPolicy('{"Version":"2012-10-17"}').statements).toEqual([]);
    expect(() => parseKeyPolicy('not json')).toThrow();
    expect(() => parseKeyPolicy('[]')).toThrow('not a JSON object');
  });
});
