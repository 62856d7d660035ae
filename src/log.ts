// Structured logs go to stderr, so stdout stays for results (verdicts, summaries, JSON output): JSON lines, or, on a
// terminal, readable lines (time, level, message, fields) that a progress display can clear and redraw around. Either
// way no control character of a message or field reaches the terminal raw (README, "The CLI").
import { pino, type Logger } from 'pino';
import { terminalText, terminalValue } from './terminal-text.js';

export type { Logger };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Where log lines go; `isTTY` decides between JSON lines and readable ones. */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface LoggerOptions {
  /** stderr by default. */
  out?: LogOutput;
  /** Runs before each line is written: a progress display clears its own line first. */
  beforeWrite?: () => void;
  /** Runs after each line is written: a progress display draws its line again. */
  afterWrite?: () => void;
}

export function createLogger(level: LogLevel = 'info', options: LoggerOptions = {}): Logger {
  const out = options.out ?? stderrOutput();
  const { beforeWrite, afterWrite } = options;
  const readable = out.isTTY === true;
  const destination = {
    write: (line: string) => {
      beforeWrite?.();
      // A JSON line keeps its meaning: the escapes are JSON's own (pino leaves C1 and bidirectional controls raw).
      out.write(readable ? readableLogLine(line) : terminalText(line));
      afterWrite?.();
    },
  };
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

function stderrOutput(): LogOutput {
  const fd2 = pino.destination({ dest: 2, sync: true });
  return { write: (text) => fd2.write(text), isTTY: process.stderr.isTTY === true };
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * One pino JSON line as a terminal reader wants it: `18:20:58.380 ERROR account could not be reached
 * account="default credentials" error.code=ECONNREFUSED`, local time, nested fields flattened, and an error's stack
 * on the lines below. Control characters are escaped: what AWS or a client sent never drives the terminal.
 */
export function readableLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return terminalText(line);
  }
  const { level, time, msg, ...fields } = entry;
  const stacks: string[] = [];
  const pairs: string[] = [];
  const add = (key: string, value: unknown): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) {
        // pino's error serializer gives type, message and stack: the stack reads best on lines of its own.
        if (inner === 'stack' && typeof innerValue === 'string') stacks.push(innerValue);
        else add(`${key}.${inner}`, innerValue);
      }
      return;
    }
    pairs.push(`${terminalValue(key)}=${fieldValue(value)}`);
  };
  for (const [key, value] of Object.entries(fields)) add(key, value);
  const head = [
    typeof time === 'string' || typeof time === 'number' ? clockTime(new Date(time)) : undefined,
    (LEVEL_NAMES[level as number] ?? String(level)).padEnd(5),
    msg === undefined ? undefined : terminalValue(String(msg)),
    ...pairs,
  ].filter((part) => part !== undefined);
  const stackLines = stacks.flatMap((stack) =>
    stack
      .split('\n')
      .slice(1)
      .map((frame) => `    ${terminalValue(frame.trim())}`),
  );
  return `${[head.join(' '), ...stackLines].join('\n')}\n`;
}

/** HH:MM:SS.mmm in the terminal's local time. */
function clockTime(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/** A bare word when it reads unambiguously, else JSON (quoted, escaped). */
function fieldValue(value: unknown): string {
  if (typeof value === 'string' && /^[\w.:/@+-]+$/.test(value)) return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return terminalValue(JSON.stringify(value) ?? String(value));
}

/** For tests and embedding: a logger that drops everything. */
export const silentLogger: Logger = pino({ level: 'silent' });
