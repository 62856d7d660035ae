// Exceptions to controls: a failing asset that someone owns, has a reason for and an approver of, until an expiry date.
// They come from a YAML file (`inventory check --exceptions <file>`) or are stored in the inventory through the GraphQL
// API (addException); both meet the same rules, checked by validateException with every problem named by its place.
// An active exception moves the asset from failing to excepted; an expired one stops working and is reported.
// This module imports nothing of the project: the control engine and the GraphQL API both apply its rules.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export class ExceptionsFileError extends Error {
  override name = 'ExceptionsFileError';
}

/** How far ahead an expiry may lie, in days from today (UTC), unless --max-exception-days says otherwise. */
export const DEFAULT_MAX_EXCEPTION_DAYS = 365;

const DAY_MS = 86_400_000;

const text = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .trim()
    .min(1, `expected ${what}`);

/** A calendar date written YYYY-MM-DD (quoted or not: YAML 1.2 reads it as a string). */
const date = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine((value) => !/^\d{4}-\d{2}-\d{2}$/.test(value) || isCalendarDate(value), 'not a calendar date');

function isCalendarDate(value: string): boolean {
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
}

const ARN_PATTERN = /^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$/;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * An ARN, or a pattern over ARNs where * stands for any run of characters (arn:aws:cloudtrail:*:222222222222:trail/*),
 * or a 12-digit AWS account id: account-level controls report accounts as their failing assets, by account id.
 */
const assetPattern = z
  .string({ error: 'expected an asset ARN, a pattern over ARNs, or a 12-digit account id' })
  .refine(
    (value) => ARN_PATTERN.test(value) || ACCOUNT_ID.test(value),
    'expected an ARN (arn:partition:service:region:account:resource), where * may stand for any run of characters, or a 12-digit account id',
  )
  .refine(
    (value) => !ARN_PATTERN.test(value) || pinsAccountOrResource(value),
    'a pattern must pin the account (a literal 12-digit account id, e.g. arn:aws:cloudtrail:*:111122223333:trail/*) or the resource ' +
      '(no * after the fifth colon, e.g. arn:aws:cloudtrail:*:*:trail/org-trail); one that pins neither could except every asset',
  );

/**
 * An exception may cover many assets, never all of them by accident: its ARN pattern's account field is a literal
 * 12-digit account id, or its resource part (everything after the fifth colon) holds no *. So arn:*:*:*:*:* and
 * arn:aws:cloudtrail:*:*:trail/* are refused, as a bare * is.
 */
export function pinsAccountOrResource(pattern: string): boolean {
  const [, , , , account, ...resource] = pattern.split(':');
  return ACCOUNT_ID.test(account ?? '') || (resource.length > 0 && !resource.join(':').includes('*'));
}

const ExceptionEntry = z
  .strictObject({
    control: text('a control id'),
    asset: assetPattern,
    owner: text('an owner'),
    reason: text('a reason'),
    approver: text('an approver'),
    expires: date,
    created: date.optional(),
  })
  .refine((e) => e.created === undefined || e.created <= e.expires, { message: 'created is after expires', path: ['created'] });

const ExceptionsFile = z.array(z.unknown(), { error: 'expected a list of exceptions' });

export type ControlException = z.infer<typeof ExceptionEntry>;

/** What a verdict says of the exception that covers an asset, or of one that has expired. */
export type ExceptionSummary = Pick<ControlException, 'asset' | 'owner' | 'reason' | 'approver' | 'expires'>;

export interface ExceptionsOptions {
  /** Every control id of the catalog: an exception naming another is refused. */
  controlIds: readonly string[];
  /** An expiry further ahead than this many days from today is refused. */
  maxDays?: number;
  now?: Date;
}

/** One thing wrong with an exception: where (a path into the entry, e.g. ["expires"]) and what. */
export interface ExceptionProblem {
  path: (string | number)[];
  message: string;
}

export interface ValidateExceptionOptions extends ExceptionsOptions {
  /**
   * The exception is being created now (through the API): an expiry already past is refused. An exceptions file may
   * keep an expired entry; it is reported as expired.
   */
  isNew?: boolean;
}

export type ExceptionValidation = { ok: true; exception: ControlException } | { ok: false; problems: ExceptionProblem[] };

/**
 * The one check of an exception, whether it comes from the file or from a mutation: the fields (owner, reason, approver
 * and expiry required, asset an ARN, pattern or account id, no unknown key), a control of the catalog, an expiry no
 * further ahead than the maximum lifetime, and for a new exception, not already past.
 */
export function validateException(input: unknown, options: ValidateExceptionOptions): ExceptionValidation {
  const parsed = ExceptionEntry.safeParse(input);
  const problems: ExceptionProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))), message: issue.message }));
  // The catalog and lifetime rules, for the fields that are well formed, even when another field is not: every
  // problem is said at once.
  const wellFormed = (field: string) => !problems.some((p) => p.path[0] === field);
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const control = typeof raw.control === 'string' ? raw.control.trim() : undefined;
  if (control !== undefined && wellFormed('control') && !options.controlIds.includes(control)) {
    problems.push({ path: ['control'], message: `unknown control "${control}" (known: ${[...options.controlIds].sort().join(', ')})` });
  }
  if (typeof raw.expires === 'string' && wellFormed('expires')) {
    const expires = raw.expires;
    const maxDays = options.maxDays ?? DEFAULT_MAX_EXCEPTION_DAYS;
    const today = startOfDay(options.now ?? new Date());
    const ahead = Math.round((Date.parse(`${expires}T00:00:00Z`) - today) / DAY_MS);
    if (ahead > maxDays) problems.push({ path: ['expires'], message: `${expires} is ${ahead} days ahead, more than the ${maxDays} days an exception may last` });
    if (options.isNew && ahead < 0) {
      problems.push({
        path: ['expires'],
        message: `${expires} is already past (today is ${new Date(today).toISOString().slice(0, 10)}, UTC); a new exception must expire today or later`,
      });
    }
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: problems.sort(byField) };
  return { ok: true, exception: parsed.data };
}

/** Problems in the order of the fields in an entry; problems of the entry as a whole first. */
const FIELD_ORDER = ['control', 'asset', 'owner', 'reason', 'approver', 'expires', 'created'];
function byField(a: ExceptionProblem, b: ExceptionProblem): number {
  const rank = (p: ExceptionProblem) => (p.path.length === 0 ? -1 : FIELD_ORDER.indexOf(String(p.path[0])));
  return rank(a) - rank(b);
}

export function loadExceptions(path: string, options: ExceptionsOptions): ControlException[] {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ExceptionsFileError(`${path}: cannot read the exceptions file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseExceptions(content, path, options);
}

export function parseExceptions(content: string, file: string, options: ExceptionsOptions): ControlException[] {
  let parsedYaml: unknown;
  try {
    parsedYaml = parseYaml(content, { prettyErrors: true });
  } catch (error) {
    throw new ExceptionsFileError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  const parsed = ExceptionsFile.safeParse(parsedYaml ?? []);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path) || '(top level)'}: ${issue.message}`);
    throw new ExceptionsFileError(`${file}: ${problems.join('; ')}`);
  }
  const exceptions: ControlException[] = [];
  const problems: string[] = [];
  parsed.data.forEach((entry, i) => {
    const checked = validateException(entry, options);
    if (checked.ok) exceptions.push(checked.exception);
    else problems.push(...checked.problems.map((problem) => `${formatPath([i, ...problem.path])}: ${problem.message}`));
  });
  if (problems.length > 0) throw new ExceptionsFileError(`${file}: ${problems.join('; ')}`);
  return exceptions;
}

/** The moment an exception stops working: the start (UTC) of the day after its expiry date. */
export function expiresAt(exception: Pick<ControlException, 'expires'>): Date {
  return new Date(Date.parse(`${exception.expires}T00:00:00Z`) + DAY_MS);
}

export function isActive(exception: Pick<ControlException, 'expires'>, now: Date): boolean {
  return now.getTime() < expiresAt(exception).getTime();
}

/** An asset as an exception sees it: its id (an ARN, or an account id for an account) and the account it belongs to. */
export interface ExceptableAsset {
  id: string;
  accountId: string;
}

/**
 * Whether an exception's asset covers an asset: the one rule for `check` (which failing assets are excepted) and
 * `exceptions list` (which assets an exception matches). A 12-digit account id covers that account's assets under the
 * control: the account itself for an account-level control, every asset it owns otherwise. An ARN covers itself; a
 * pattern where * stands for any run of characters, the ARNs it describes.
 */
export function exceptionCovers(pattern: string, asset: ExceptableAsset): boolean {
  if (ACCOUNT_ID.test(pattern)) return asset.accountId === pattern;
  if (!pattern.includes('*')) return pattern === asset.id;
  // One stored before such patterns were refused covers nothing, rather than everything.
  if (!pinsAccountOrResource(pattern)) return false;
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(asset.id);
}

/** The exception's state in words: "active, expires in 3 days", "active, expires today", "expired 2 days ago". */
export function describeState(exception: Pick<ControlException, 'expires'>, now: Date): { state: 'active' | 'expired'; days: number; text: string } {
  const days = Math.round((Date.parse(`${exception.expires}T00:00:00Z`) - startOfDay(now)) / DAY_MS);
  if (days >= 0)
    return { state: 'active', days, text: days === 0 ? 'active, expires today (end of day UTC)' : `active, expires in ${days} ${days === 1 ? 'day' : 'days'}` };
  const ago = -days;
  return { state: 'expired', days: ago, text: `expired ${ago} ${ago === 1 ? 'day' : 'days'} ago` };
}

export function summary(exception: ControlException): ExceptionSummary {
  const { asset, owner, reason, approver, expires } = exception;
  return { asset, owner, reason, approver, expires };
}

function startOfDay(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/** [2].expires, as a reader finds it in the file; with a leading name, input.expires as a GraphQL client sends it. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('');
}
