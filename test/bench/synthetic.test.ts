// The synthetic organization the benchmarks build: exact sizes and shares, spread over accounts, the same every time.
import { describe, expect, it } from 'vitest';
import { syntheticScopes, unencryptedCount, type OrganizationShape } from '../../bench/lib/synthetic.js';

const shapes: OrganizationShape[] = [
  { accounts: 20, regions: 5, trails: 5_000, unencryptedShare: 0.25 },
  { accounts: 100, regions: 17, trails: 10_007, unencryptedShare: 0.1 },
  { accounts: 3, regions: 2, trails: 7, unencryptedShare: 0 },
  { accounts: 3, regions: 2, trails: 7, unencryptedShare: 1 },
];

describe('the synthetic organization', () => {
  it.each(shapes)('has exactly the trails, accounts, regions and unencrypted share asked for: %o', (shape) => {
    const scopes = syntheticScopes(shape);
    const trails = scopes.flatMap((scope) => scope.trails);
    expect(trails).toHaveLength(shape.trails);
    expect(new Set(trails.map((t) => t.arn)).size).toBe(shape.trails);
    expect(new Set(scopes.map((s) => s.accountId)).size).toBe(Math.min(shape.accounts, shape.trails));
    expect(new Set(scopes.map((s) => s.region)).size).toBeLessThanOrEqual(shape.regions);
    const unencrypted = trails.filter((t) => t.kmsKeyID === '').length;
    expect(unencrypted).toBe(Math.floor(shape.trails * shape.unencryptedShare));
    expect(unencryptedCount(shape)).toBe(unencrypted);
  });

  it('spreads the unencrypted trails over the accounts instead of giving some accounts all of them', () => {
    const shape = shapes[0]!;
    const byAccount = new Map<string, number>();
    for (const scope of syntheticScopes(shape)) {
      byAccount.set(scope.accountId, (byAccount.get(scope.accountId) ?? 0) + scope.trails.filter((t) => t.kmsKeyID === '').length);
    }
    // 250 trails per account, a quarter of them unencrypted on average.
    expect(Math.min(...byAccount.values())).toBeGreaterThan(30);
    expect(Math.max(...byAccount.values())).toBeLessThan(100);
  });

  it('is the same every time', () => {
    expect(JSON.stringify(syntheticScopes(shapes[1]!))).toBe(JSON.stringify(syntheticScopes(shapes[1]!)));
  });
});
