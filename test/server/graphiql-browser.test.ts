// GraphiQL at GET /graphql in a real browser: Debian's headless Chromium driven by playwright-core. The page, its
// scripts and styles come from this server only (no CDN), the seed query is the default, and running it shows the
// unencrypted trails. Chromium is installed by scripts/ensure-chromium.mjs when missing (never skipped).
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { GRAPHIQL_ASSETS_PATH, graphiqlRoutes } from '../../src/server/graphiql.js';
import { SEED_QUERY } from '../../src/server/query-page.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { syncScope, trailRecord } from '../support/records.js';
import { openTempStore, type TempStore } from '../support/store.js';

const ENSURE_CHROMIUM = fileURLToPath(new URL('../../scripts/ensure-chromium.mjs', import.meta.url));
const ACCOUNT = '111122223333';
const arn = (name: string): string => `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${name}`;
const UNENCRYPTED = [arn('audit-plain'), arn('legacy-plain')];
const ENCRYPTED = arn('audit-encrypted');
/** How long the page may take to do something that takes a second on a quiet machine: a safety net, never a wait. */
const SLOW_MACHINE_MS = 120_000;

/** Installs Debian's chromium when it is missing (apt-get), or throws with the script's reason; returns its path. */
function ensureChromium(): string {
  try {
    return execFileSync(process.execPath, [ENSURE_CHROMIUM], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch (error) {
    throw new Error(`Chromium is needed for the GraphiQL browser test and could not be had: ${(error as Error).message}`);
  }
}

/**
 * The origin the browser opens. When server.ts mounts graphiqlRoutes() the inventory server serves the page itself;
 * until then a front server on 127.0.0.1 serves graphiqlRoutes() and passes every other /graphql request to it.
 */
async function pageOrigin(server: RunningServer): Promise<{ origin: string; close(): Promise<void> }> {
  const wired = await fetch(`${server.url}${GRAPHIQL_ASSETS_PATH}/graphiql.min.js`);
  if (wired.ok) return { origin: server.url, close: async () => {} };
  const app = express();
  app.use(graphiqlRoutes());
  app.use('/graphql', express.raw({ type: () => true, limit: '2mb' }), async (req, res) => {
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'accept', 'authorization', 'apollo-require-preflight']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = await fetch(`${server.graphqlUrl}${req.url === '/' ? '' : req.url}`, {
      method: req.method,
      headers,
      ...(req.method === 'POST' ? { body: req.body as Buffer } : {}),
    });
    res.status(upstream.status).set('content-type', upstream.headers.get('content-type') ?? 'application/json');
    res.send(Buffer.from(await upstream.arrayBuffer()));
  });
  const front: Server = createServer(app);
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port } = front.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => front.close(() => resolve())) };
}

/** The text of a GraphiQL editor (CodeMirror 5 draws only the lines in view, so the DOM may not hold all of it). */
const editorText = (page: Page, selector: string): Promise<string> =>
  page.$eval(`${selector} .CodeMirror`, (element) => (element as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());

/** The messages of the lint markers (the underlined spans) in the query editor, as CodeMirror's lint addon holds them. */
const lintMessages = (page: Page): Promise<string[]> =>
  page.$eval('.graphiql-query-editor .CodeMirror', (element) => {
    const lint = (element as unknown as { CodeMirror: { state: { lint?: { marked: { __annotation?: { message: string } }[] } } } }).CodeMirror.state.lint;
    return (lint?.marked ?? []).map((marker) => marker.__annotation?.message ?? '');
  });

const setQuery = (page: Page, text: string): Promise<void> =>
  page.$eval(
    '.graphiql-query-editor .CodeMirror',
    (element, value) => (element as unknown as { CodeMirror: { setValue(text: string): void } }).CodeMirror.setValue(value),
    text,
  );

describe('GraphiQL in headless Chromium', () => {
  let temp: TempStore;
  let server: RunningServer;
  let front: { origin: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let requests: { url: string; method: string; headers: Record<string, string> }[];
  let problems: string[];
  let pageCsp: string | undefined;

  beforeAll(async () => {
    const executablePath = ensureChromium();
    temp = await openTempStore();
    await syncScope(temp.store, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      trails: [
        trailRecord('audit-plain'),
        trailRecord('legacy-plain'),
        trailRecord('audit-encrypted', { trail: { KmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k` } }),
      ],
    });
    server = await startServer({ store: temp.store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger });
    front = await pageOrigin(server);
    browser = await chromium.launch({
      executablePath,
      headless: true,
      // As root Chromium needs --no-sandbox; the rest keep it from calling Google's services on its own.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
  }, 600_000); // a first run may install chromium with apt-get

  afterAll(async () => {
    await browser?.close();
    await front?.close();
    await server?.close();
    await temp?.cleanup();
  });

  beforeEach(async () => {
    requests = [];
    problems = [];
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    // Safety net for a loaded machine, where Chromium can take many times its usual second (playwright's default: 30 s).
    context.setDefaultTimeout(SLOW_MACHINE_MS);
    page = await context.newPage();
    page.on('request', (request) => requests.push({ url: request.url(), method: request.method(), headers: request.headers() }));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
    });
    pageCsp = (await page.goto(`${front.origin}/graphql`))?.headers()['content-security-policy'];
    await page.waitForSelector('.graphiql-container .graphiql-execute-button');
  });

  afterEach(async () => {
    await page?.context().close();
  });

  /** Every request the page made went to the server on 127.0.0.1 (data: URLs, GraphiQL's embedded fonts, stay in the page). */
  function expectOnlyLocalRequests(): void {
    const elsewhere = requests.map((r) => r.url).filter((url) => !url.startsWith('data:') && new URL(url).origin !== front.origin);
    expect(elsewhere).toEqual([]);
    expect(front.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  }

  it('opens with the seed query, runs it and shows the unencrypted trails, loading nothing from another host', async () => {
    expect(await editorText(page, '.graphiql-query-editor')).toBe(SEED_QUERY);
    await page.click('.graphiql-execute-button');
    await expect.poll(() => editorText(page, '.graphiql-response'), { timeout: SLOW_MACHINE_MS }).toContain(UNENCRYPTED[0]!);
    const result = JSON.parse(await editorText(page, '.graphiql-response')) as { data: { trails: { id: string; arn: string }[] } };
    expect(result.data.trails.map((t) => t.id).sort()).toEqual(UNENCRYPTED);
    expect(JSON.stringify(result)).not.toContain(ENCRYPTED);

    const loaded = requests.filter((r) => r.method === 'GET').map((r) => new URL(r.url).pathname);
    expect(loaded).toEqual(expect.arrayContaining(['/graphql', `${GRAPHIQL_ASSETS_PATH}/graphiql.min.js`, `${GRAPHIQL_ASSETS_PATH}/react.production.min.js`]));
    const posts = requests.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(2); // the schema's introspection and the seed query
    for (const post of posts) expect(post.headers['content-type']).toBe('application/json');
    expectOnlyLocalRequests();
    expect(problems).toEqual([]);
  });

  it('knows the stored fragments: the seed query shows no lint error, an unknown fragment does, and the seed query runs', async () => {
    // Lint runs once the schema is loaded: an unknown fragment proves it runs, and its marker stays until the next pass.
    await setQuery(page, '{ trails { ...NoSuchFragment } }');
    await expect.poll(() => lintMessages(page), { timeout: 15_000 }).toEqual(['Unknown fragment "NoSuchFragment".']);
    await setQuery(page, SEED_QUERY);
    await expect.poll(() => lintMessages(page), { timeout: 15_000 }).toEqual([]);
    expect(await editorText(page, '.graphiql-query-editor')).toBe(SEED_QUERY);
    await page.click('.graphiql-execute-button');
    await expect.poll(() => editorText(page, '.graphiql-response'), { timeout: 10_000 }).toContain(UNENCRYPTED[0]!);
    const result = JSON.parse(await editorText(page, '.graphiql-response')) as { data: { trails: { arn: string; accountId: string }[] } };
    expect(result.data.trails.map((t) => t.arn).sort()).toEqual(UNENCRYPTED);
    expect(result.data.trails.every((t) => t.accountId === ACCOUNT)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('sends the headers typed in the header editor, Authorization included, with content-type application/json', async () => {
    await page.getByRole('button', { name: 'Headers' }).click();
    await page.$eval('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', (element) =>
      (element as unknown as { CodeMirror: { setValue(text: string): void } }).CodeMirror.setValue('{"Authorization": "Bearer test-token"}'),
    );
    const sent = page.waitForRequest((request) => request.method() === 'POST' && request.postData()?.includes('AssetFragment') === true);
    await page.click('.graphiql-query-editor .CodeMirror');
    await page.keyboard.press('Control+Enter');
    const headers = (await sent).headers();
    expect(headers.authorization).toBe('Bearer test-token');
    expect(headers['content-type']).toBe('application/json');
    await expect.poll(() => editorText(page, '.graphiql-response'), { timeout: SLOW_MACHINE_MS }).toContain(UNENCRYPTED[0]!);
    expectOnlyLocalRequests();
    expect(problems).toEqual([]);
  });

  it("serves the page under a CSP of this origin only, which GraphiQL's dialogs work under", async () => {
    expect(pageCsp).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self' 'nonce-[A-Za-z0-9+/=]+';/);
    expect(pageCsp).not.toMatch(/unsafe-|https?:|\*/);
    for (const [button, title] of [
      ['Open settings dialog', 'Settings'],
      ['Open short keys dialog', 'Short Keys'],
    ] as const) {
      await page.getByRole('button', { name: button }).click();
      await expect.poll(() => page.getByRole('dialog').textContent(), { timeout: SLOW_MACHINE_MS }).toContain(title);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
    }
    expectOnlyLocalRequests();
    expect(problems).toEqual([]); // a CSP violation is a console error
  });
});
