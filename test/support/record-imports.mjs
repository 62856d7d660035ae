// `node --import ./record-imports.mjs`: appends the URL of every module the process imports to the file named by
// RECORD_IMPORTS_TO, so a test can see what a command loads. Node runs the resolve hook in a thread of its own.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.RECORD_IMPORTS_TO, `${resolved.url}\n`);
  return resolved;
}
