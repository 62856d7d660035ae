import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package root holds schema/, migrations/ and controls/; code runs from src/ (tests) or dist/src/ (built), so look upward.
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schema'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cloud-inventory: cannot find the package root (package.json next to schema/)');
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot();
export const SCHEMA_DIR = join(PACKAGE_ROOT, 'schema');
export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'migrations');
export const CONTROLS_DIR = join(PACKAGE_ROOT, 'controls');
