#!/usr/bin/env node
// The `inventory` command: runs the compiled CLI (npm ci builds it through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The SDK warns on every run that releases after January 2027 need Node 22; this package pins its SDK in the lockfile.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// graphql-js runs development checks (a slower instanceof in every type test of every field) unless NODE_ENV is
// production; it reads NODE_ENV once, when it loads, so this comes before the CLI is imported. What clients see does
// not depend on it: the server sets its production behaviour explicitly.
process.env.NODE_ENV ??= 'production';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('inventory: the CLI is not built yet; run `npm ci` (or `npm run build`) in the package folder\n');
  process.exit(3);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
