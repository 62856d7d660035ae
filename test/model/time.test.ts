// Date-time values of filters: only instants that exist, and the same instant on every server whatever its zone.
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalTime, parseTime } from '../../src/model/time.js';

const reason = (text: string) => {
  const parsed = parseTime(text);
  return 'reason' in parsed ? parsed.reason : undefined;
};

describe('parseTime', () => {
  const zone = process.env['TZ'];
  afterEach(() => {
    if (zone === undefined) delete process.env['TZ'];
    else process.env['TZ'] = zone;
  });

  it('refuses calendar dates and times that do not exist, saying which part', () => {
    expect(reason('2026-02-30T00:00:00Z')).toBe('there is no day 30 in 2026-02');
    expect(reason('2026-04-31T00:00:00Z')).toBe('there is no day 31 in 2026-04');
    expect(reason('2023-02-29')).toBe('there is no day 29 in 2023-02');
    expect(reason('1900-02-29T00:00:00Z')).toBe('there is no day 29 in 1900-02');
    expect(reason('2026-00-10')).toBe('there is no month 00');
    expect(reason('2026-13-01T00:00:00Z')).toBe('there is no month 13');
    expect(reason('2026-01-00')).toBe('there is no day 00 in 2026-01');
    expect(reason('2026-01-01T24:00:00Z')).toBe('there is no hour 24 (00 to 23)');
    expect(reason('2026-01-01T23:60:00Z')).toBe('there is no minute 60');
    expect(reason('2026-01-01T23:59:60Z')).toBe('there is no second 60');
    expect(reason('2026-01-01T00:00:00+24:00')).toBe('there is no zone offset +24:00');
    expect(canonicalTime('2026-02-30T00:00:00Z')).toBeUndefined();
  });

  it('accepts the leap days that exist', () => {
    expect(canonicalTime('2024-02-29T12:00:00Z')).toBe('2024-02-29T12:00:00.000Z');
    expect(canonicalTime('2000-02-29')).toBe('2000-02-29T00:00:00.000Z');
  });

  it('reads a zone offset, cuts digits beyond milliseconds, and keeps years below 100', () => {
    expect(canonicalTime('2026-01-01T00:00:00.123456789+05:30')).toBe('2025-12-31T18:30:00.123Z');
    expect(canonicalTime('2026-01-01T10:00-02:00')).toBe('2026-01-01T12:00:00.000Z');
    expect(canonicalTime('0099-12-31T23:00:00-02:00')).toBe('0100-01-01T01:00:00.000Z');
  });

  it('means the same instant in every server zone: a date-time without a zone is refused, a plain date is midnight UTC', () => {
    for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
      process.env['TZ'] = tz;
      expect(reason('2026-02-01T00:00:00'), tz).toMatch(/^a date-time names its zone, Z or ±hh:mm/);
      expect(canonicalTime('2026-02-01T00:00:00'), tz).toBeUndefined();
      expect(canonicalTime('2026-02-01'), tz).toBe('2026-02-01T00:00:00.000Z');
      expect(canonicalTime('2026-02-01T00:00:00-05:00'), tz).toBe('2026-02-01T05:00:00.000Z');
    }
  });

  it('refuses what is not written as an ISO-8601 date-time', () => {
    for (const text of ['yesterday', '1', 'May 5', '2026-1-1', '2026-01-01 00:00:00Z', '2026-01-01T00:00:00z']) {
      expect(parseTime(text), text).toMatchObject({ malformed: true });
    }
    expect(parseTime(20260101)).toMatchObject({ malformed: true });
  });
});
