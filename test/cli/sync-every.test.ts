// The period of scheduled syncs (serve --sync-every, README, "Scheduled syncs"): how it is written, and what serve says
// of a value it cannot use, naming the option and the value.
import { InvalidArgumentError } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../src/cli/options.js';
import { runInProcess } from '../support/cli.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['90m', 5_400_000],
    ['1d2h3m4s', 93_784_000],
    ['1s', 1_000],
    ['7d', MAX_DURATION_MS],
  ])('reads %s as %i ms, and writes it back in the same units', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it('writes a duration with its largest units first', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(2_000)).toBe('2s');
    expect(formatDuration(86_400_000 + 1_000)).toBe('1d1s');
  });

  it.each([
    ['', 'expected a duration such as 30s, 15m, 1h or 1h30m'],
    ['90', 'expected a duration such as 30s, 15m, 1h or 1h30m'],
    ['1m30', 'expected a duration such as'],
    ['30m1h', 'expected a duration such as'],
    ['1.5h', 'expected a duration such as'],
    ['-5m', 'expected a duration such as'],
    [' 5m', 'expected a duration such as'],
    ['5 m', 'expected a duration such as'],
    ['5M', 'expected a duration such as'],
    ['500ms', 'expected a duration such as'],
    ['0s', 'expected at least 1s'],
    ['0h0m', 'expected at least 1s'],
    ['8d', 'expected at most 7d'],
    ['168h1s', 'expected at most 7d'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseDuration(text)).toThrow(InvalidArgumentError);
    expect(() => parseDuration(text)).toThrow(message);
  });
});

describe('inventory serve --sync-every refuses what it cannot use', () => {
  it('names the option and the value, given on the command line', async () => {
    const result = await runInProcess(['serve', '--db', '/nonexistent/inventory.db', '--sync-every', '1h30']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "option '--sync-every <duration>' argument '1h30' is invalid. expected a duration such as 30s, 15m, 1h or 1h30m (units d, h, m and s, largest first)",
    );
  });

  it('names the option, the value and the variable, given in the environment', async () => {
    vi.stubEnv('INVENTORY_SYNC_EVERY', '0s');
    try {
      const result = await runInProcess(['serve', '--db', '/nonexistent/inventory.db']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("option '--sync-every <duration>' value '0s' from env 'INVENTORY_SYNC_EVERY' is invalid. expected at least 1s");
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('reads the accounts file before it starts: one it cannot read is bad input, as for inventory sync', async () => {
    const result = await runInProcess(['serve', '--db', '/nonexistent/inventory.db', '--sync-every', '1h', '--accounts', '/nonexistent/accounts.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^inventory: .*\/nonexistent\/accounts\.yaml/);
  });

  it("refuses the sync's options without --sync-every, where they would do nothing", async () => {
    for (const [flag, value] of [
      ['--regions', 'us-east-1'],
      ['--accounts', 'accounts.yaml'],
      ['--sync-request-timeout', '1000'],
    ] as const) {
      const result = await runInProcess(['serve', '--db', '/nonexistent/inventory.db', flag, value]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`inventory: ${flag} applies to scheduled syncs: give --sync-every too\n`);
    }
  });
});
