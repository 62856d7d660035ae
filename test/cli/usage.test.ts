// Usage as a new user meets it: --version, usage errors that are exit code 2 in every command and subcommand, and
// commands that load only what they run.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { buildProgram, COMMAND_NAMES, USER_ERRORS } from '../../src/cli/main.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { runCli, runInProcess } from '../support/cli.js';
import { tempDir } from '../support/store.js';

const RECORD_IMPORTS = fileURLToPath(new URL('../support/record-imports.mjs', import.meta.url));

/** Every command path of the CLI, subcommands included: ['sync'], ['controls', 'validate'], ... */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

afterEach(() => vi.restoreAllMocks());

describe('usage errors', () => {
  it('are exit code 2 for an unknown flag in every command and subcommand', async () => {
    const program = await buildProgram({ exitCode: 0 }, ['--help']);
    const paths = commandPaths(program);
    expect(paths.map((p) => p[0])).toEqual(expect.arrayContaining([...COMMAND_NAMES]));
    expect(paths).toContainEqual(['controls', 'validate']);
    for (const path of paths) {
      const { code, stderr } = await runInProcess([...path, '--frob']);
      expect({ path, code }).toEqual({ path, code: EXIT.badInput });
      // A command with required options (store copy, token create) names the first missing one before the flag.
      expect(stderr).toMatch(/^error: (unknown option '--frob'|required option '--\S+ <\w+>' not specified)/);
    }
  });

  it('are exit code 2 for a missing argument or a bad value, in subcommands too', async () => {
    for (const argv of [
      ['remediate'],
      ['exceptions', 'revoke'],
      ['token', 'revoke'],
      ['token', 'create'],
      ['check', '--format', 'xml'],
      ['controls', 'validate', 'a', 'b'],
      ['token', 'list', '--format', 'yaml'],
      ['exceptions', 'list', '--format', 'yaml'],
    ]) {
      expect({ argv, code: (await runInProcess(argv)).code }).toEqual({ argv, code: EXIT.badInput });
    }
  });

  it('is exit code 2 from the built command, as a shell sees it: controls validate --frob', async () => {
    const { code, stderr } = await runCli(['controls', 'validate', '--frob']);
    expect(code).toBe(EXIT.badInput);
    expect(stderr).toContain("error: unknown option '--frob'");
  });
});

describe('errors meant for the user', () => {
  // main.ts finds them by class name, to load a class only when an error of that name arrives.
  it('are looked up under the names their classes really have', async () => {
    for (const entry of USER_ERRORS) expect((await entry.load()).name).toBe(entry.name);
  });
});

describe('inventory --version', () => {
  it("prints the package's version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await runCli([flag]);
      expect(code).toBe(0);
      expect(stdout).toBe(`${version}\n`);
    }
  });
});

describe('the command names', () => {
  // npm links each name of package.json "bin" into node_modules/.bin (or the global bin folder) as a symbolic link.
  it('are inventory, and cloud-inventory for outside the clone (where npx inventory is another package), both this CLI', async () => {
    const { bin, version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };
    expect(Object.keys(bin).sort()).toEqual(['cloud-inventory', 'inventory']);
    const binDir = join(tempDir('bin-'), '.bin');
    mkdirSync(binDir);
    for (const [name, file] of Object.entries(bin)) {
      symlinkSync(join(PACKAGE_ROOT, file), join(binDir, name));
      const { stdout } = await promisify(execFile)(join(binDir, name), ['--version']);
      expect({ name, stdout }).toEqual({ name, stdout: `${version}\n` });
    }
  });
});

describe('what a command loads', () => {
  /** The packages (under node_modules) a run of the built CLI imports. */
  async function packagesLoaded(args: string[]): Promise<string[]> {
    const log = join(tempDir('imports-'), 'imports.log');
    const { code } = await runCli(args, { NODE_OPTIONS: `--import ${RECORD_IMPORTS}`, RECORD_IMPORTS_TO: log });
    expect(code).toBe(0);
    const urls = readFileSync(log, 'utf8').split('\n');
    return [...new Set(urls.map((url) => url.match(/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1]).filter((name): name is string => !!name))].sort();
  }

  it('is only the command being run: --version and permissions load no AWS SDK, GraphQL or HTTP server', async () => {
    // The database drivers come with the store module that gives --db its default.
    for (const args of [['--version'], ['permissions']]) {
      expect((await packagesLoaded(args)).filter((name) => !['commander', 'better-sqlite3', 'pg'].includes(name))).toEqual([]);
    }
  });

  it('leaves the HTTP server and the AWS SDK out of a command that needs neither', async () => {
    const loaded = await packagesLoaded(['controls', 'validate']);
    expect(loaded).toContain('graphql');
    expect(loaded.filter((name) => /^@aws-sdk\/|^@apollo\/|^express$|^pino$/.test(name))).toEqual([]);
  });

  it('leaves the AWS SDK out of serve until it syncs (--sync-every)', async () => {
    const loaded = await packagesLoaded(['serve', '--help']);
    expect(loaded).toContain('commander');
    expect(loaded.filter((name) => name.startsWith('@aws-sdk/'))).toEqual([]);
  });

  it('still lists every command with its description in --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const name of COMMAND_NAMES) expect(stdout).toMatch(new RegExp(`^  ${name}\\b.*\\S`, 'm'));
    expect(stdout).toContain('Print the IAM actions `inventory sync`');
  });
});
