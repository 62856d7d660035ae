// Small builders for simulated accounts and trails, so each test states only what matters to it.
import type { SimAccount, SimTrail } from '../../src/simulator/index.js';

export function simAccount(id: string, trails: SimTrail[], extra: Partial<SimAccount> = {}): SimAccount {
  return { Id: id, AccessKeyId: `AKIATEST${id}`, SecretAccessKey: `secret/${id}/test`, Trails: trails, ...extra };
}

export function simTrail(name: string, homeRegion: string, extra: Partial<SimTrail> = {}): SimTrail {
  return { Name: name, HomeRegion: homeRegion, S3BucketName: `cloudtrail-logs-${name}`, IsMultiRegionTrail: false, IsLogging: true, ...extra };
}

export function kmsKey(accountId: string, region: string, id = '0b6f7e8a-2c4d-4e5f-8a9b-1c2d3e4f5a6b'): string {
  return `arn:aws:kms:${region}:${accountId}:key/${id}`;
}

export function trailArn(accountId: string, region: string, name: string): string {
  return `arn:aws:cloudtrail:${region}:${accountId}:trail/${name}`;
}
