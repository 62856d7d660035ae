// Structured logs go to stderr as JSON lines, so stdout stays for results (verdicts, summaries, JSON output).
import { pino, type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** `beforeWrite` runs before each line is written: a progress display uses it to clear its own line first. */
export function createLogger(level: LogLevel = 'info', hooks: { beforeWrite?: () => void } = {}): Logger {
  const stderr = pino.destination({ dest: 2, sync: true });
  const { beforeWrite } = hooks;
  const destination = beforeWrite
    ? {
        write: (line: string) => {
          beforeWrite();
          return stderr.write(line);
        },
      }
    : stderr;
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** For tests and embedding: a logger that drops everything. */
export const silentLogger: Logger = pino({ level: 'silent' });
