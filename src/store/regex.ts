// The regular expressions of `_MATCHES` / `matches` (README, Querying: "Regular expressions"): RE2's syntax, run in
// time linear in the text on both stores. SQLite calls RE2 itself (re2js, a port without backtracking); PostgreSQL
// runs the same pattern translated into its own syntax, which without back-references it runs as an automaton.
// Anything whose meaning the two could not share exactly is refused with the construct named, never run differently.
import { RE2JS } from 're2js';

/** A pattern that cannot be run: `message` says what in it, and why. */
export class PatternError extends Error {
  override name = 'PatternError';
}

export interface MatchPattern {
  /** The pattern as written. */
  source: string;
  /** Whole-text match, as Cypher's `=~` and Java's `matches()` do: `.*x.*` finds x anywhere. */
  matches(text: string): boolean;
  /**
   * The same test in PostgreSQL: `text ~ pattern` (an advanced regular expression); with `avoids`, the text holds no
   * newline and does not match it (the one lookahead form accepted, see avoidingPattern).
   */
  postgres: { pattern: string; avoids: boolean };
}

/**
 * What a pattern may be: longer ones cost the engine memory to compile whatever the text. Cyscale's library writes
 * patterns of up to 1,264 characters (CIS's AWS Organizations changes filter).
 */
export const MAX_PATTERN_LENGTH = 2_000;
/** PostgreSQL refuses a repetition count above 255 (DUPMAX), so a pattern may not use one either. */
const MAX_REPEAT = 255;

const cache = new Map<string, MatchPattern>();
const CACHE_SIZE = 256;

/** The pattern compiled for both stores, or a PatternError naming what it cannot run. */
export function matchPattern(source: string): MatchPattern {
  const cached = cache.get(source);
  if (cached) return cached;
  if (source.length > MAX_PATTERN_LENGTH) throw new PatternError(`the pattern is ${source.length} characters long; the most a pattern may be is ${MAX_PATTERN_LENGTH}`);
  const pattern = avoidingPattern(source) ?? plainPattern(source);
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(source, pattern);
  return pattern;
}

function compile(source: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (error) {
    throw new PatternError(`not a regular expression in RE2's syntax: ${explain(error)}`);
  }
}

function plainPattern(source: string): MatchPattern {
  const re2 = compile(source);
  return { source, matches: (text) => re2.matches(text), postgres: { pattern: toPostgres(source), avoids: false } };
}

/** `^((?!P).)*$`: the tempered dot, a whole pattern whose one lookahead RE2 lacks; P is what follows `(?!`. */
const TEMPERED_DOT = /^\^?\((?:\?:)?\(\?!([\s\S]*)\)\.\)\*\$?$/;

/**
 * The one lookahead form stored checks of the field use, `^((?!P).)*$` ("no line break, and P nowhere": e.g. a policy
 * that no statement denies), run without lookahead: the text has no newline (the dot takes none) and `(?s).*(?:P).*`
 * does not match it. Undefined when the pattern is not of this form.
 */
function avoidingPattern(source: string): MatchPattern | undefined {
  const inner = TEMPERED_DOT.exec(source)?.[1];
  if (inner === undefined || !balanced(inner)) return undefined;
  // Flags that open P apply to P alone in RE2 and Java; the dots around it have no case, so they may cover the whole.
  const flags = /^\(\?([a-zA-Z]+)\)/.exec(inner);
  const body = flags ? inner.slice(flags[0].length) : inner;
  const anywhere = `(?${flags?.[1] ?? ''}s).*(?:${body}).*`;
  const found = compile(anywhere);
  // Whether a P that can match empty text is found at a place depends on its anchors there: not decided, refused.
  if (compile(`(?:${inner})`).matches('')) throw new PatternError(`the lookahead of ^((?!P).)*$ can match empty text (${inner}), which the form does not support`);
  return {
    source,
    matches: (text) => !text.includes('\n') && !found.matches(text),
    postgres: { pattern: toPostgres(anywhere), avoids: true },
  };
}

/** Whether the parentheses of `pattern` pair up outside classes and escapes (so P is one part, not `a)|(b`). */
function balanced(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '\\') i += 1;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i += 1;
      if (pattern[i + 1] === ']') i += 1;
    } else if (c === '(') depth += 1;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0 && !inClass;
}

function explain(error: unknown): string {
  const message = (error as Error).message.replace(/^error parsing regexp: /, '');
  // RE2 has no lookaround and no back-references: both need backtracking, which is what makes a pattern stall an engine.
  if (/\(\?[=!<]/.test(message)) {
    return `${message} (lookahead and lookbehind need backtracking, which RE2 leaves out so that no pattern can stall the server; the one form accepted is a whole pattern ^((?!P).)*$, "no line break and no P")`;
  }
  return message;
}

/** Escapes RE2 writes as a class, spelled out so that PostgreSQL (whose \w and \s follow the locale) means the same: ASCII. */
const CLASS_ESCAPES: Readonly<Record<string, string>> = { d: '0-9', w: '0-9A-Za-z_', s: '\\t\\n\\f\\r ' };
const CHARACTER_ESCAPES = new Set(['t', 'n', 'f', 'r', 'v', 'a']);

/**
 * `source` (already valid RE2) as a PostgreSQL ARE of the same whole-text meaning, or a PatternError for a construct
 * whose meaning differs there: flags after the start, word boundaries, POSIX and Unicode classes, \Q...\E, (?m).
 */
function toPostgres(source: string): string {
  const refuse = (what: string): never => {
    throw new PatternError(`${what} is not supported: it cannot be run with the same meaning on both stores`);
  };
  let i = 0;
  let caseInsensitive = false;
  let dotAll = false;
  // Flags are accepted at the very start only, where PostgreSQL takes them too; they apply to the whole pattern.
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (leading) {
    for (const flag of leading[1]!) {
      if (flag === 'i') caseInsensitive = true;
      else if (flag === 's') dotAll = true;
      else refuse(`the flag (?${flag})`);
    }
    i = leading[0].length;
  }
  // RE2 folds case by Unicode's tables, PostgreSQL by the database's locale: they agree on ASCII letters only.
  if (caseInsensitive && /[^\x00-\x7f]/.test(source)) refuse('(?i) with a character outside ASCII');
  let out = '';
  let inClass = false;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') {
      const e = source[i + 1]!;
      i += 2;
      if (e in CLASS_ESCAPES) out += inClass ? CLASS_ESCAPES[e] : `[${CLASS_ESCAPES[e]}]`;
      else if (e.toLowerCase() in CLASS_ESCAPES) {
        if (inClass) refuse(`\\${e} inside a character class`);
        out += `[^${CLASS_ESCAPES[e.toLowerCase()]}]`;
      } else if (CHARACTER_ESCAPES.has(e)) out += `\\${e}`;
      else if (e === 'x') {
        const hex = /^(\{[0-9A-Fa-f]{1,6}\}|[0-9A-Fa-f]{2})/.exec(source.slice(i));
        if (!hex) refuse('this \\x escape');
        out += `\\x${hex![0].replace(/[{}]/g, '')}`;
        i += hex![0].length;
      } else if (e === 'A' && !inClass) out += '^';
      else if (e === 'z' && !inClass) out += '$';
      else if (/[0-7]/.test(e)) refuse(`the octal escape \\${e}`);
      else if (/[A-Za-z]/.test(e)) refuse(`the escape \\${e}`);
      else out += `\\${e}`; // an escaped punctuation character stands for itself in both
      continue;
    }
    if (inClass) {
      if (c === '[' && source[i + 1] === ':') refuse('a POSIX character class ([:alpha:])');
      if (c === ']') inClass = false;
      out += c;
      i += 1;
      continue;
    }
    switch (c) {
      case '[': {
        inClass = true;
        out += '[';
        i += 1;
        // A leading ] (or ^]) is a literal in both.
        if (source[i] === '^') (out += '^'), (i += 1);
        if (source[i] === ']') (out += '\\]'), (i += 1);
        break;
      }
      case '.':
        // RE2's dot leaves out the newline unless (?s); PostgreSQL's takes it, so say which.
        out += dotAll ? '.' : '[^\\n]';
        i += 1;
        break;
      case '(': {
        if (source[i + 1] !== '?') {
          out += '(?:'; // no capture: PostgreSQL then runs the pattern as an automaton alone
          i += 1;
          break;
        }
        const group = /^\(\?(:|P?<[A-Za-z_][A-Za-z0-9_]*>)/.exec(source.slice(i));
        if (!group) refuse('a flag inside the pattern (put (?i) or (?s) at its very start)');
        out += '(?:';
        i += group![0].length;
        break;
      }
      case '{': {
        const repeat = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
        if (repeat) {
          const counts = [repeat[1], repeat[3]].filter((n) => n !== undefined && n !== '').map(Number);
          if (counts.some((n) => n > MAX_REPEAT)) refuse(`a repetition count above ${MAX_REPEAT} (${repeat[0]})`);
          out += repeat[0];
          i += repeat[0].length;
        } else {
          out += '\\{'; // RE2 takes a { that starts no repetition as a literal
          i += 1;
        }
        break;
      }
      case '?':
      case '*':
      case '+':
        out += c;
        i += 1;
        // A lazy quantifier gives the same yes or no for a whole-text match: written greedy, PostgreSQL's way.
        if (source[i] === '?' && c !== '?') i += 1;
        else if (c === '?' && source[i] === '?') i += 1;
        break;
      case '}':
        out += '\\}';
        i += 1;
        break;
      default:
        out += c;
        i += 1;
    }
  }
  return `${caseInsensitive ? '(?i)' : ''}^(?:${out})$`;
}
