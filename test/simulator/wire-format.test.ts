import { describe, expect, it } from 'vitest';
import { formatJavaDouble } from '../../src/simulator/index.js';
import { readWireFile } from '../support/recorded.js';

describe('formatJavaDouble', () => {
  it.each([
    [1515929159.63, '1.51592915963E9'],
    [1509960165.693, '1.509960165693E9'],
    [1.5e9, '1.5E9'],
    [1e9, '1.0E9'],
    [1e7, '1.0E7'],
    [9999999.5, '9999999.5'],
    [1234.5, '1234.5'],
    [100, '100.0'],
    [0.001, '0.001'],
    [0.0001, '1.0E-4'],
    [0, '0.0'],
    [-2.5e10, '-2.5E10'],
  ])('writes %d as %s, like Double.toString', (value, expected) => {
    expect(formatJavaDouble(value)).toBe(expected);
  });

  it('reproduces every timestamp in the recorded GetTrailStatus bodies', () => {
    const files = [
      'test_cloudtrail_status/cloudtrail.GetTrailStatus_1',
      'test_cloudtrail_status/cloudtrail.GetTrailStatus_2',
      'test_cloudtrail_set_logging/cloudtrail.GetTrailStatus_2',
      'test_cloudtrail_enable/cloudtrail.GetTrailStatus_1',
      'test_cloudtrail_success_regex_log_metric_filter/cloudtrail.GetTrailStatus_1',
    ];
    const recordedNumbers = files.flatMap((file) => [...readWireFile(file).body.matchAll(/:(-?\d[\d.]*E\d+)/g)].map((match) => match[1]!));
    expect(recordedNumbers.length).toBeGreaterThan(15);
    for (const text of recordedNumbers) expect(formatJavaDouble(Number(text))).toBe(text);
  });
});
