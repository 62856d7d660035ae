// Exceptions to controls (`inventory check --exceptions <file>`): a failing asset that someone owns, has a reason for and
// an approver of, until an expiry date. An active exception moves the asset from failing to excepted; an expired one
// stops working and is reported. The file is a YAML list, validated with every problem named by file and place.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export class ExceptionsFileError extends Error {
  override name = 'ExceptionsFileError';
}

/** How far ahead an expiry may lie, in days from today (UTC), unless --max-exception-days says otherwise. */
export const DEFAULT_MAX_EXCEPTION_DAYS = 365;

const DAY_MS = 86_400_000;

const text = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, `expected ${what}`);

/** A calendar date written YYYY-MM-DD (quoted or not: YAML 1.2 reads it as a string). */
const date = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine((value) => !/^\d{4}-\d{2}-\d{2}$/.test(value) || isCalendarDate(value), 'not a calendar date');

function isCalendarDate(value: string): boolean {
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
}

/** An ARN, or a pattern over ARNs where * stands for any run of characters: arn:aws:cloudtrail:*:222222222222:trail/*. */
const assetPattern = z
  .string({ error: 'expected an asset ARN or a pattern over ARNs' })
  .regex(/^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$/, 'expected an ARN (arn:partition:service:region:account:resource), where * may stand for any run of characters');

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

const ExceptionsFile = z.array(ExceptionEntry, { error: 'expected a list of exceptions' });

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
  const known = new Set(options.controlIds);
  const maxDays = options.maxDays ?? DEFAULT_MAX_EXCEPTION_DAYS;
  const today = startOfDay(options.now ?? new Date());
  const problems: string[] = [];
  parsed.data.forEach((e, i) => {
    if (!known.has(e.control)) problems.push(`[${i}].control: unknown control "${e.control}" (known: ${[...known].sort().join(', ')})`);
    const ahead = Math.round((Date.parse(`${e.expires}T00:00:00Z`) - today) / DAY_MS);
    if (ahead > maxDays) problems.push(`[${i}].expires: ${e.expires} is ${ahead} days ahead, more than the ${maxDays} days an exception may last`);
  });
  if (problems.length > 0) throw new ExceptionsFileError(`${file}: ${problems.join('; ')}`);
  return parsed.data;
}

/** The moment an exception stops working: the start (UTC) of the day after its expiry date. */
export function expiresAt(exception: Pick<ControlException, 'expires'>): Date {
  return new Date(Date.parse(`${exception.expires}T00:00:00Z`) + DAY_MS);
}

export function isActive(exception: Pick<ControlException, 'expires'>, now: Date): boolean {
  return now.getTime() < expiresAt(exception).getTime();
}

/** Whether an ARN matches an exception's asset: the ARN itself, or a pattern where * stands for any run of characters. */
export function assetMatches(pattern: string, arn: string): boolean {
  if (!pattern.includes('*')) return pattern === arn;
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(arn);
}

/** The exception's state in words: "active, expires in 3 days", "active, expires today", "expired 2 days ago". */
export function describeState(exception: Pick<ControlException, 'expires'>, now: Date): { state: 'active' | 'expired'; days: number; text: string } {
  const days = Math.round((Date.parse(`${exception.expires}T00:00:00Z`) - startOfDay(now)) / DAY_MS);
  if (days >= 0) return { state: 'active', days, text: days === 0 ? 'active, expires today (end of day UTC)' : `active, expires in ${days} ${days === 1 ? 'day' : 'days'}` };
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

/** [2].expires, as a reader finds it in the file. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('');
}
