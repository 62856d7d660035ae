// The bench runner as a user runs it: one benchmark by name, a table by default, one JSON array on stdout with --json,
// and a clear refusal of an unknown name.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';

const run = async (...args: string[]) => runWith({}, ...args);

const runWith = async (env: NodeJS.ProcessEnv, ...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, ...env, NODE_ENV: 'production' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

describe('npm run bench', () => {
  it('prints one JSON array of {name, ours, reference, ratio, unit, runs} with --json, progress on stderr', async () => {
    const { code, stdout, stderr } = await run('seed-query', '--trails', '300', '--runs', '1', '--json');
    expect(code).toBe(0);
    const measurements = JSON.parse(stdout) as Record<string, unknown>[];
    expect(measurements).toHaveLength(1);
    expect(Object.keys(measurements[0]!).sort()).toEqual(['name', 'ours', 'ratio', 'reference', 'runs', 'unit']);
    expect(measurements[0]).toMatchObject({ name: 'seed-query', unit: 'ms', runs: 1 });
    expect(stderr).toContain('# seed-query:');
  });

  it('prints a table by default, and refuses an unknown benchmark with exit code 2 naming those it has', async () => {
    const table = await run('seed-query', '--trails', '300', '--runs', '1');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^name\s+ours\s+reference\s+ratio\s+unit\s+runs\nseed-query\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+ms\s+1\n$/);
    const unknown = await run('no-such-benchmark');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('bench: unknown benchmark "no-such-benchmark"');
    expect(unknown.stderr).toContain('dashboard-page');
  });

  it("measures the CPU of an AWS call through the sync's clients against the CPU per call org-sync's bar leaves", async () => {
    const { code, stdout, stderr } = await runWith({ BENCH_FLOOR_CALLS: '400' }, 'sdk-call-floor', '--runs', '1', '--json');
    expect(code).toBe(0);
    const [floor] = JSON.parse(stdout) as { ours: number; reference: number; ratio: number; unit: string }[];
    // The budget is the machine's CPUs × 1.5 × 20 ms / 32 calls in flight; every call was answered, or the run fails.
    expect(floor!.reference).toBe(Math.round((availableParallelism() * 1.5 * 20 * 1000) / 32));
    expect(floor!.unit).toBe('µs CPU');
    expect(floor!.ours).toBeGreaterThan(0);
    expect(floor!.ratio).toBeCloseTo(floor!.ours / floor!.reference, 2);
    expect(stderr).toMatch(/run 1: SDK clients [\d.]+ ms of CPU per call, server [\d.]+ ms/);
  });
});
