// The progress a sync reports: the counts behind the terminal line, and the line itself.
import { describe, expect, it } from 'vitest';
import { ProgressDisplay, progressLine, SyncProgress } from '../../src/sync/progress.js';

describe('sync progress', () => {
  it('counts accounts, regions and trail sightings as scopes are written', () => {
    const progress = new SyncProgress();
    progress.accountsPlanned(3);
    progress.scopesPlanned(17);
    progress.scopeWritten('ok', { seen: 2, new: 2, changed: 0, deleted: 0 });
    progress.scopeWritten('failed', { seen: 0, new: 0, changed: 0, deleted: 0 });
    progress.scopeWritten('skipped', { seen: 0, new: 0, changed: 0, deleted: 0 });
    progress.accountDone();
    progress.accountFailed();
    const line = progressLine(progress.state, progress.state.startedAt + 12_345);
    expect(line).toBe('accounts 2/3 (1 failed) · regions 3/17 (1 failed) · trail sightings 2 · 12.3s');
  });

  it('draws on one terminal line and clears it before anything else is written', () => {
    const written: string[] = [];
    const out = { write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    const display = new ProgressDisplay(new SyncProgress(), out);
    display.clear(); // nothing drawn yet: nothing to clear
    display.draw();
    display.clear();
    display.stop();
    expect(written).toEqual([expect.stringMatching(/^\r\x1b\[2Kaccounts 0\/0 · regions 0\/0 · trail sightings 0 · \d+\.\ds$/), '\r\x1b[2K']);
  });
});
