// Every GraphQL example of the README runs as written at the default settings: each ```graphql block, operation by
// operation, and the curl example, sent to the real HTTP server (DEFAULT_LIMITS, the default page size) over the demo's
// inventory, synced and checked as `inventory demo` does. The mutations run in their order: addException, then
// revokeException of the exception it added (id 1), on a loopback server with no token, which takes them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/controls/catalog.js';
import { evaluateControls } from '../../src/controls/evaluate.js';
import { DEFAULT_MAX_EXCEPTION_DAYS } from '../../src/model/exceptions.js';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { demoCredentials, demoScenario, DEMO_MANAGEMENT_ACCOUNT_ID, DEMO_MEMBER_ROLE, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { parseAccountsConfig } from '../../src/sync/accounts-config.js';
import { syncInventory } from '../../src/sync/sync.js';
import { resolveAccountTargets } from '../../src/sync/targets.js';
import { stubAwsEnv } from '../support/aws.js';
import { postGraphQL } from '../support/cli.js';
import { openTempStore, type TempStore } from '../support/store.js';

const README = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');

/** Each operation of each ```graphql block, printed alone, in the README's order, with the line its block starts on. */
function graphqlExamples(): { line: number; source: string }[] {
  const examples: { line: number; source: string }[] = [];
  for (const match of README.matchAll(/^```graphql\n([\s\S]*?)^```$/gm)) {
    const line = README.slice(0, match.index).split('\n').length;
    for (const definition of parse(match[1]!).definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) throw new Error(`README line ${line}: an example defines ${definition.kind}; write whole operations`);
      examples.push({ line, source: print(definition) });
    }
  }
  return examples;
}

/** The body the README's curl example sends (its -d argument). */
function curlBody(): string {
  const block = /^```sh\n(curl [\s\S]*?)^```$/m.exec(README);
  if (!block) throw new Error('README has no curl example');
  const body = /-d '([^']*)'/.exec(block[1]!);
  if (!body) throw new Error('the README curl example sends no -d body');
  return body[1]!;
}

let simulator: Simulator;
let temp: TempStore;
let server: RunningServer;

beforeAll(async () => {
  // As `inventory demo` does: the simulated organization, synced through the member role from the management account,
  // the shipped controls evaluated and recorded.
  simulator = await startSimulator(demoScenario());
  stubAwsEnv(simulator);
  const management = demoCredentials(DEMO_MANAGEMENT_ACCOUNT_ID);
  vi.stubEnv('AWS_ACCESS_KEY_ID', management.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', management.secretAccessKey);
  temp = await openTempStore();
  const accounts = parseAccountsConfig(`organization:\n  member_role_name: ${DEMO_MEMBER_ROLE}\n`, 'demo accounts');
  const summary = await syncInventory(temp.store, {
    accounts: () => resolveAccountTargets(accounts, { region: 'us-east-1', maxAttempts: 3, log: silentLogger }),
    log: silentLogger,
  });
  expect(summary.run.status).toBe('succeeded');
  const api = createInventoryApi();
  const catalog = loadCatalog(api);
  await temp.store.recordControlRun(await evaluateControls(api, temp.store, catalog), 'demo', catalog);
  server = await startServer({
    store: temp.store,
    api,
    host: '127.0.0.1',
    port: 0,
    log: silentLogger,
    exceptionRules: { controlIds: catalog.map((control) => control.id), maxDays: DEFAULT_MAX_EXCEPTION_DAYS },
  });
}, 120_000);

afterAll(async () => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  await server?.close();
  await temp?.cleanup();
  await simulator?.close();
});

describe('the README examples, on the demo inventory at the default settings', () => {
  const examples = graphqlExamples();

  it('has the examples this test runs', () => {
    expect(examples.length).toBeGreaterThanOrEqual(19);
    expect(examples.some((e) => e.source.includes('failingAssets') && e.source.startsWith('{\n  controls'))).toBe(true);
  });

  it('answers the curl example (the seed query) with the unencrypted trails', async () => {
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: curlBody() });
    const body = (await response.json()) as { data?: { trails: unknown[] }; errors?: unknown };
    expect(response.status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!.trails.length).toBeGreaterThan(0);
  });

  it('answers every graphql example, in order, without an error', async () => {
    // The exception example expires on 2027-03-31: it is run on a day that date is valid, within the 365 days allowed.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-01T12:00:00Z') });
    try {
      const failed: unknown[] = [];
      for (const { line, source } of examples) {
        const { status, body } = await postGraphQL(server.graphqlUrl, source);
        if (status !== 200 || body.errors || !body.data) failed.push({ line, source, status, errors: body.errors?.map((e: { message: string }) => e.message) });
      }
      expect(failed).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
