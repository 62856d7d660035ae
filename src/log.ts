// Structured logs go to stderr as JSON lines, so stdout stays for results (verdicts, summaries, JSON output).
import { pino, type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));
}

/** For tests and embedding: a logger that drops everything. */
export const silentLogger: Logger = pino({ level: 'silent' });
