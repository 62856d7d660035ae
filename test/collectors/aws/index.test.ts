// The collectors and the asset type registry agree: every collector gathers a registered type, and every registered
// type has exactly one collector, which calls only the IAM actions its definition declares.
import { describe, expect, it } from 'vitest';
import { AWS_COLLECTORS, collectorsOf } from '../../../collectors/aws/index.js';
import type { Collector } from '../../../collectors/collector.js';
import { ASSET_TYPES } from '../../../src/assets/registry.js';
import { TRAIL } from '../../../src/assets/trail.js';

describe('AWS_COLLECTORS', () => {
  it('has exactly one collector per registered asset type, each for the registered definition itself', () => {
    expect(collectorsOf(AWS_COLLECTORS).map((c) => c.definition)).toEqual(ASSET_TYPES);
    for (const type of ASSET_TYPES) expect(AWS_COLLECTORS.filter((c) => c.definition === type)).toHaveLength(1);
    for (const collector of AWS_COLLECTORS) expect(ASSET_TYPES).toContain(collector.definition);
  });

  it('refuses a type without a collector, a type with two, and a collector of a type the registry does not have', () => {
    const trails = AWS_COLLECTORS.find((c) => c.definition === TRAIL)!;
    const stray: Collector = { definition: { ...TRAIL, name: 'Stray', collector: 'aws.stray' }, collect: async () => [] };
    expect(() => collectorsOf([])).toThrow('Trail has 0 collectors, not one');
    expect(() => collectorsOf([trails, trails])).toThrow('Trail has 2 collectors, not one');
    expect(() => collectorsOf([trails, stray])).toThrow('the collector aws.stray gathers Stray, which is not in the registry');
  });
});
