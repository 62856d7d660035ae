// Log lines on stderr: JSON lines for machines, readable lines on a terminal, written around the progress line.
import { ASSET_TYPES } from '../../src/assets/registry.js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, readableLogLine, type LogOutput } from '../../src/log.js';
import { ProgressDisplay, SyncProgress } from '../../src/sync/progress.js';
import { BIN } from '../support/cli.js';
import { tempDir } from '../support/store.js';

/** A stderr stand-in that records what is written, a terminal or not. */
function fakeOutput(isTTY: boolean): LogOutput & { written: string[] } {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

const at = '2026-03-04T05:06:07.089Z';
const localClock = (iso: string): string => {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

describe('a readable log line', () => {
  it('gives the local time, the level, the message and the fields, nested ones flattened', () => {
    const line = JSON.stringify({
      level: 50,
      time: at,
      account: 'default credentials',
      accountId: '111122223333',
      error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' },
      regions: 3,
      msg: 'account could not be reached',
    });
    expect(readableLogLine(`${line}\n`)).toBe(
      `${localClock(at)} ERROR account could not be reached account="default credentials" accountId=111122223333 error.code=ECONNREFUSED error.message="connect ECONNREFUSED 127.0.0.1:9" regions=3\n`,
    );
  });

  it("puts an error's stack on the lines below, and escapes control characters so no value drives the terminal", () => {
    const line = JSON.stringify({
      level: 40,
      time: at,
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (/x.js:1:1)' },
      owner: 'evil\u001b]0;PWNED\u0007\u009b2J',
      msg: 'it \u001b[31mfailed',
    });
    expect(readableLogLine(line)).toBe(
      `${localClock(at)} WARN  it \\u001b[31mfailed err.type=Error err.message=boom owner="evil\\u001b]0;PWNED\\u0007\\u009b2J"\n    at f (/x.js:1:1)\n`,
    );
  });

  it('leaves a line that is not JSON as it is', () => {
    expect(readableLogLine('not json\n')).toBe('not json\n');
  });
});

describe('createLogger', () => {
  it('writes JSON lines when its output is not a terminal', () => {
    const out = fakeOutput(false);
    createLogger('info', { out }).warn({ accountId: '111122223333' }, 'account listed twice; synced once');
    expect(out.written).toHaveLength(1);
    expect(JSON.parse(out.written[0]!)).toMatchObject({ level: 40, accountId: '111122223333', msg: 'account listed twice; synced once' });
  });

  it('writes readable lines on a terminal', () => {
    const out = fakeOutput(true);
    createLogger('info', { out }).warn({ accountId: '111122223333' }, 'account listed twice; synced once');
    expect(out.written).toEqual([expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}account listed twice; synced once accountId=111122223333\n$/)]);
  });

  it('clears the progress line before a log line and draws it again after, only while the display runs', () => {
    const out = fakeOutput(true);
    const display = new ProgressDisplay(new SyncProgress(), out as unknown as NodeJS.WriteStream, 60_000);
    const log = createLogger('info', { out, beforeWrite: () => display.clear(), afterWrite: () => display.redraw() });
    display.start();
    display.draw();
    log.error('first');
    display.stop();
    log.error('second');
    const progress = expect.stringMatching(/^\r\x1b\[2Kaccounts 0\/0/);
    expect(out.written).toEqual([progress, '\r\x1b[2K', expect.stringMatching(/ ERROR first\n$/), progress, '\r\x1b[2K', expect.stringMatching(/ ERROR second\n$/)]);
  });
});

describe('inventory sync on a terminal', () => {
  it('logs readable lines, not JSON, and redraws the progress line after them', async () => {
    const db = join(tempDir('tty-logs-'), 'inventory.db');
    // script(1) runs the command on a pseudo-terminal: stderr is a TTY, as in a user's shell.
    const command = [process.execPath, BIN, 'sync', '--db', db, '--regions', 'us-east-1', '--max-attempts', '1']
      .map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const env = { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, output }));
    });
    expect(code).toBe(3);
    expect(output).not.toContain('{"level"');
    // The progress line is cleared first when it was drawn already (its first draw comes a tick after the start).
    expect(output).toMatch(
      /(^|\r\x1b\[2K)\d\d:\d\d:\d\d\.\d{3} ERROR account could not be reached account="default credentials" error\.code=ECONNREFUSED [^\n]*\r?\n\r\x1b\[2Kaccounts \d+\/\d+/,
    );
    expect(output).toContain(`Sync runs ${ASSET_TYPES.map((type, i) => `${i + 1} (${type.collector}) failed`).join(', ')} in `);
  });
});
