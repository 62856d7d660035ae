#!/usr/bin/env node
// Makes sure Debian's Chromium is at CHROMIUM_PATH (default /usr/bin/chromium) for the browser tests: when it is
// missing, installs the `chromium` package with apt-get (through sudo unless running as root). Exits non-zero with a
// message saying what to do when it cannot. Prints the path on success. Usable as a module: ensureChromium().
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export class ChromiumUnavailable extends Error {
  name = 'ChromiumUnavailable';
}

/** Returns the path of an executable Chromium, installing Debian's package first if needed; throws ChromiumUnavailable. */
export function ensureChromium({ path = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  if (executable(path)) return path;
  const manual =
    'Install it by hand with: sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium ' +
    '(or set CHROMIUM_PATH to a Chromium or Chrome executable).';
  if (path !== DEFAULT_CHROMIUM) throw new ChromiumUnavailable(`CHROMIUM_PATH=${path} is not an executable file. ${manual}`);
  if (process.platform !== 'linux' || !onPath('apt-get')) {
    throw new ChromiumUnavailable(`Chromium is not at ${path} and this machine has no apt-get to install it. ${manual}`);
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot && !onPath('sudo')) {
    throw new ChromiumUnavailable(`Chromium is not at ${path}, and installing it needs root: not root and no sudo. ${manual}`);
  }
  const prefix = isRoot ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const started = Date.now();
  log(`Chromium is not at ${path}: installing Debian's chromium package with apt-get${isRoot ? '' : ' (sudo)'}...`);
  for (const args of [
    ['apt-get', 'update'],
    ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'],
  ]) {
    const command = [...prefix, ...args];
    const result = spawnSync(command[0], command.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (result.error || result.status !== 0) {
      const why = result.error ? result.error.message : `exit code ${result.status}`;
      throw new ChromiumUnavailable(`\`${command.join(' ')}\` failed (${why}), so Chromium could not be installed. ${manual}`);
    }
  }
  if (!executable(path)) throw new ChromiumUnavailable(`apt-get installed chromium but ${path} is still missing. ${manual}`);
  log(`Chromium installed at ${path} in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
  return path;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(`${ensureChromium()}\n`);
  } catch (error) {
    process.stderr.write(`ensure-chromium: ${error.message}\n`);
    process.exit(1);
  }
}
