// `_MATCHES` (README, Querying: "Regular expressions"): RE2's syntax as a whole-text match, the same answers on both
// engines, linear time whatever the pattern, and a clear refusal of what cannot be run with one meaning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchPattern, PatternError } from '../../src/store/regex.js';
import { FilterError } from '../../src/store/where.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const NAMES = ['Prod-DB', 'prod-db-replica', 'mariadb', 'web', 'WEB', 'a.b', 'axb', 'line\nbreak', 'tab\there', 'x{2}', 'Ünïcode', '', 'aaaaab'];

describe('matchPattern', () => {
  it('matches the whole text, as Cypher and the stored checks of the field mean it', () => {
    expect(matchPattern('db').matches('prod-db')).toBe(false);
    expect(matchPattern('.*db.*').matches('prod-db')).toBe(true);
    expect(matchPattern('(?i).*DB.*').matches('prod-db')).toBe(true);
    expect(matchPattern('.*arn:aws:iam::[0-9*]+:root.*').matches('{"AWS":"arn:aws:iam::111122223333:root"}')).toBe(true);
    // The dot leaves out the newline, unless (?s).
    expect(matchPattern('a.b').matches('a\nb')).toBe(false);
    expect(matchPattern('(?s)a.b').matches('a\nb')).toBe(true);
  });

  it('refuses what RE2 cannot run, and says why', () => {
    const refusal = (pattern: string): string => {
      try {
        matchPattern(pattern);
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(PatternError);
        return (error as Error).message;
      }
    };
    expect(refusal('a(?!b)')).toMatch(/`\(\?!`.*lookahead and lookbehind need backtracking.*the one form accepted is a whole pattern \^\(\(\?!P\)\.\)\*\$/);
    expect(refusal('(?<=a)b')).toMatch(/lookahead and lookbehind need backtracking/);
    expect(refusal('^((?!a)|(b).)*$')).toMatch(/lookahead and lookbehind need backtracking/);
    expect(refusal('^((?!x?).)*$')).toBe('the lookahead of ^((?!P).)*$ can match empty text (x?), which the form does not support');
    expect(refusal('(a)\\1')).toMatch(/not a regular expression in RE2's syntax: invalid escape sequence: `\\1`/);
    expect(refusal('a(b')).toMatch(/missing closing \)/);
    expect(refusal('x'.repeat(2001))).toBe('the pattern is 2001 characters long; the most a pattern may be is 2000');
  });

  it('runs the one lookahead form of the field, ^((?!P).)*$, as "no line break, and P nowhere"', () => {
    const noDeny = matchPattern('^((?!(?i)"effect":"deny").)*$');
    expect(noDeny.matches('{"Statement":[{"Effect":"Allow"}]}')).toBe(true);
    expect(noDeny.matches('{"Statement":[{"Effect":"Deny"}]}')).toBe(false);
    expect(noDeny.matches('{"Statement":[{"effect":"DENY"}]}')).toBe(false);
    expect(noDeny.matches('')).toBe(true);
    // The dot takes no line break, so neither does the form.
    expect(noDeny.matches('{\n"Effect":"Allow"}')).toBe(false);
    // Alternatives inside P, the flag covering all of them.
    const noSecureTransport = matchPattern('^((?!(?i)"Bool|aws:SecureTransport|false").)*$');
    expect(noSecureTransport.matches('{"Condition":{"bool":{"aws:securetransport":"false"}}}')).toBe(false);
    expect(noSecureTransport.matches('{"Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}')).toBe(true);
    expect(noDeny.postgres).toEqual({ pattern: '(?i)^(?:.*(?:"effect":"deny").*)$', avoids: true });
  });

  it('refuses what PostgreSQL would run with another meaning, on every store alike', () => {
    for (const [pattern, what] of [
      ['a(?i)b', 'a flag inside the pattern'],
      ['(?i:a)b', 'a flag inside the pattern'],
      ['(?m)^a$', 'the flag (?m)'],
      ['\\bword\\b', 'the escape \\b'],
      ['[[:alpha:]]+', 'a POSIX character class'],
      ['\\pL+', 'the escape \\p'],
      ['\\Qa.b\\E', 'the escape \\Q'],
      ['a{300}', 'a repetition count above 255 ({300})'],
      ['(?i)ü', '(?i) with a character outside ASCII'],
    ]) {
      expect(() => matchPattern(pattern!), pattern).toThrow(`${what}`);
    }
  });

  it('translates for PostgreSQL: anchored, without captures, the dot and the ASCII classes spelled out', () => {
    expect(matchPattern('(?i).*db.*').postgres.pattern).toBe('(?i)^(?:[^\\n]*db[^\\n]*)$');
    expect(matchPattern('(a+)+$').postgres.pattern).toBe('^(?:(?:a+)+$)$');
    expect(matchPattern('\\d{2,3}\\w\\S[\\s\\d]x{').postgres.pattern).toBe('^(?:[0-9]{2,3}[0-9A-Za-z_][^\\t\\n\\f\\r ][\\t\\n\\f\\r 0-9]x\\{)$');
    expect(matchPattern('(?s)a.*?b|(?P<n>c)').postgres.pattern).toBe('^(?:a.*b|(?:c))$');
  });
});

describe('_MATCHES on the store', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: '111122223333',
      region: 'us-east-1',
      trails: [
        ...NAMES.map((name, i) => trailRecord(`t${String(i).padStart(2, '0')}`, { trail: { S3KeyPrefix: name } })),
        trailRecord('hostile', { trail: { S3KeyPrefix: `${'a'.repeat(50_000)}b` } }),
      ],
    });
  });
  afterAll(() => temp.cleanup());
  const prefixes = async (where: unknown): Promise<string[]> =>
    (await temp.store.findTrails(where))
      .map((t) => t.s3KeyPrefix)
      .filter((p) => p.length < 100)
      .sort();

  it('gives what RE2 gives, on this engine, for every pattern and text', async () => {
    const patterns = [
      '.*db.*',
      '(?i).*db.*',
      '(?i)web',
      'a.b',
      '(?s)line.break',
      'line.break',
      'tab\\there',
      'x\\{2\\}',
      'x{2}',
      '[^a-z]+',
      '\\w+',
      '.*\\W.*',
      '',
      'a*b',
      'a+?b',
      '(?i)[a-z]+',
      '\\x41?xb',
      'Ü.*',
      'prod-(db|web)(-replica)?',
      '(?i)PROD-DB(?:-REPLICA)?',
      // The tempered dot: no line break, and no match of P anywhere.
      '^((?!(?i)db).)*$',
      '^(?:(?!e|x).)*$',
      '((?!a\\.).)*',
    ];
    for (const pattern of patterns) {
      const expected = NAMES.filter((name) => matchPattern(pattern).matches(name)).sort();
      expect(await prefixes({ s3KeyPrefix_MATCHES: pattern }), pattern).toEqual(expected);
      // Two-valued: its NOT is every other trail.
      expect(await prefixes({ NOT: { s3KeyPrefix_MATCHES: pattern } }), pattern).toEqual(NAMES.filter((n) => !expected.includes(n)).sort());
    }
  });

  it('answers a pattern built to backtrack over a long text at once: no engine backtracks', async () => {
    // A backtracking engine tries 2^50000 ways here; these finish only because neither store's engine backtracks.
    for (const pattern of ['(a+)+$', '(a|aa)+$', '(a*)*b?c', '(?:a+a+)+y']) {
      expect((await temp.store.findTrails({ name: 'hostile', s3KeyPrefix_MATCHES: pattern })).length, pattern).toBe(0);
    }
    expect((await temp.store.findTrails({ s3KeyPrefix_MATCHES: '(a+)+b' })).map((t) => t.name).sort()).toEqual(['hostile', 't12']);
  });

  it('refuses a pattern it cannot run, saying where', async () => {
    await expect(temp.store.findTrails({ OR: [{ name: 'x' }, { s3KeyPrefix_MATCHES: 'a(?!deny)' }] })).rejects.toThrow(FilterError);
    await expect(temp.store.findTrails({ OR: [{ name: 'x' }, { s3KeyPrefix_MATCHES: 'a(?!deny)' }] })).rejects.toThrow(
      /^where\.OR\[1\]\.s3KeyPrefix_MATCHES: not a regular expression in RE2's syntax: invalid or unsupported Perl syntax: `\(\?!`/,
    );
    await expect(temp.store.findTrails({ s3KeyPrefix_MATCHES: 'a(?i)b' })).rejects.toThrow(/^where\.s3KeyPrefix_MATCHES: a flag inside the pattern/);
  });
});
