// The inventory command run from source, so the benchmark can kill a real sync process without a build first.
import { main } from '../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
