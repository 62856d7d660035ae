// The posture dashboard at GET / in a real browser (Debian's headless Chromium driven by playwright-core), over an
// inventory synced from a simulated organization with the real collectors and checked twice. Every number the page
// shows is compared with what the API answers to the same read-scope token; the page asks for a token first, loads
// nothing from any other origin and sends no mutation. Screenshots of each view go to test-results/dashboard/.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryApi } from '../../src/graphql/execute.js';
import { silentLogger } from '../../src/log.js';
import { DASHBOARD_ASSETS_PATH } from '../../src/server/dashboard.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { ACCOUNT_A, DENIED_REGION, KMS_CONTROL, seedDashboardInventory, type DashboardInventory } from '../support/dashboard-inventory.js';

const ENSURE_CHROMIUM = fileURLToPath(new URL('../../scripts/ensure-chromium.mjs', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url));
/** How long the page may take to do something that takes a second on a quiet machine: a safety net, never a wait. */
const SLOW_MACHINE_MS = 120_000;
const PAGE_SIZE = 25;

function ensureChromium(): string {
  try {
    return execFileSync(process.execPath, [ENSURE_CHROMIUM], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch (error) {
    throw new Error(`Chromium is needed for the dashboard browser test and could not be had: ${(error as Error).message}`);
  }
}

interface ControlRow {
  id: string;
  severity: string;
  verdict: 'PASS' | 'FAIL' | 'ERROR' | null;
  reason: string | null;
  failingCount: number | null;
  exceptedCount: number | null;
  evaluatedCount: number | null;
}

/** The page's ECharts global, as far as the test reads what a chart draws (its option's series). */
interface Charts<Series> {
  echarts: { getInstanceByDom(element: unknown): { getOption(): { series: Series[] } } };
}

/** The age label the page gives a time, as of `now` (the page's own formatting, restated). */
function ageLabel(iso: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
  if (minutes < 1) return '<1m';
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h`;
  return `${Math.floor(minutes / 1440)}d`;
}

describe('the dashboard in headless Chromium', () => {
  let inventory: DashboardInventory;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const requests: { url: string; method: string; body: string | null }[] = [];
  const problems: string[] = [];
  let pageCsp: string | undefined;

  /** What the API answers to the same token the page uses. */
  async function api<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${inventory.readToken}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data: T; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data;
  }

  const screenshot = (view: string) => page.screenshot({ path: `${SCREENSHOTS}${view}.png`, fullPage: true });
  const texts = (selector: string) => page.locator(selector).allTextContents();
  const openView = async (view: string, ready: string) => {
    await page.click(`#views a[data-view="${view}"]`);
    await page.locator(ready).first().waitFor();
  };

  beforeAll(async () => {
    const executablePath = ensureChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
    inventory = await seedDashboardInventory();
    server = await startServer({ store: inventory.store, api: createInventoryApi(), host: '127.0.0.1', port: 0, log: silentLogger });
    browser = await chromium.launch({
      executablePath,
      headless: true,
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
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    context.setDefaultTimeout(SLOW_MACHINE_MS);
    page = await context.newPage();
    page.on('request', (request) => requests.push({ url: request.url(), method: request.method(), body: request.postData() }));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  }, 600_000); // a first run may install chromium with apt-get

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await inventory?.close();
  });

  it('serves the page without a token under a CSP of this origin only; the API answers 401, so the page asks for a token', async () => {
    const response = await page.goto(`${server.url}/`);
    expect(response?.status()).toBe(200);
    pageCsp = response?.headers()['content-security-policy'];
    expect(pageCsp).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self';/);
    expect(pageCsp).toContain("connect-src 'self'");
    expect(pageCsp).not.toMatch(/unsafe-|https?:|\*/);
    await page.locator('#token-form').waitFor({ state: 'visible' });
    expect(await page.locator('#token-message').textContent()).toContain('Authorization: Bearer');
    // The page's probe was refused (the browser logs the 401 as a resource error): nothing else was asked.
    const posts = requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(problems.every((p) => p.includes('401'))).toBe(true);
    problems.length = 0;
    await screenshot('token');

    // A token the server does not know is refused, and the form asks again.
    await page.fill('#token-input', 'inv_not-a-token');
    await page.click('#token-form button[type="submit"]');
    await expect.poll(() => page.locator('#token-message').textContent(), { timeout: SLOW_MACHINE_MS }).toContain('The API refused the token.');
    expect(await page.locator('#token-form').isVisible()).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length)).toBe(0);
    expect(problems.every((p) => p.includes('401'))).toBe(true);
    problems.length = 0;

    await page.fill('#token-input', inventory.readToken);
    await page.click('#token-form button[type="submit"]');
    await page.locator('#verdict-totals').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length)).toBe(1);
    const sent = requests.filter((r) => r.method === 'POST').slice(1);
    expect(sent.length).toBeGreaterThan(0);
  });

  it('posture: the totals by verdict and severity and every control counts equal the API', async () => {
    const { controls } = await api<{ controls: ControlRow[] }>('{ controls(limit: 1000) { id severity verdict reason failingCount exceptedCount evaluatedCount } }');
    expect(controls.length).toBeGreaterThan(10);
    expect(new Set(controls.map((c) => c.verdict))).toEqual(new Set(['FAIL', 'ERROR']));
    for (const verdict of ['PASS', 'FAIL', 'ERROR']) {
      for (const severity of ['critical', 'high', 'medium', 'low']) {
        const expected = controls.filter((c) => c.verdict === verdict && c.severity === severity).length;
        expect(await page.locator(`[data-total="${verdict}:${severity}"]`).textContent(), `${verdict} ${severity}`).toBe(String(expected));
      }
      expect(await page.locator(`[data-total="${verdict}:all"]`).textContent()).toBe(String(controls.filter((c) => c.verdict === verdict).length));
    }
    const shown = (n: number | null) => (n === null ? '—' : String(n));
    const rows = await page
      .locator('#control-list tr[data-control]')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-control'),
          ...['verdict', 'failingCount', 'exceptedCount', 'evaluatedCount'].map((f) => tr.querySelector(`[data-field="${f}"]`)?.textContent),
          tr.querySelector('[data-field="completeness"] summary')?.textContent,
          tr.querySelector('[data-field="completeness"] details')?.textContent,
        ]),
      );
    expect(rows.map((r) => r[0]).sort()).toEqual(controls.map((c) => c.id).sort());
    for (const control of controls) {
      const [, verdict, failing, excepted, evaluated, summary, details] = rows.find((r) => r[0] === control.id)!;
      expect([verdict, failing, excepted, evaluated], control.id).toEqual([
        control.verdict,
        shown(control.failingCount),
        shown(control.exceptedCount),
        shown(control.evaluatedCount),
      ]);
      // Completeness comes from the API's reason: an ERROR is undecided, a PASS or FAIL says whether coverage was whole.
      if (control.verdict === 'ERROR') expect(summary).toBe('undecided');
      else expect(summary).toBe(/incomplete or stale/.test(control.reason ?? '') ? 'partial coverage' : 'complete');
      if (control.verdict === 'ERROR') expect(details).toContain(control.reason);
    }
    await screenshot('posture');

    // Filtered by severity: only that group is listed.
    await page.selectOption('#severity-filter', 'high');
    const listed = await page.locator('#control-list tr[data-control]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-control')));
    expect(listed.sort()).toEqual(
      controls
        .filter((c) => c.severity === 'high')
        .map((c) => c.id)
        .sort(),
    );
    await page.selectOption('#severity-filter', '');
  });

  it('trend: the chosen control has one point per recorded run, as controlRuns gives them', async () => {
    await page.click(`#control-list tr[data-control="${KMS_CONTROL}"] a[href="#trend"]`);
    await page.locator('#trend-runs tr[data-run]').first().waitFor();
    const { controlRuns } = await api<{
      controlRuns: { id: number; results: { verdict: string; failingCount: number; exceptedCount: number; evaluatedCount: number }[] }[];
    }>(`{ controlRuns(controlId: "${KMS_CONTROL}") { id results { verdict failingCount exceptedCount evaluatedCount } } }`);
    expect(controlRuns).toHaveLength(2);
    const expected = controlRuns
      .slice()
      .reverse()
      .map((run) => [
        String(run.id),
        run.results[0]!.verdict,
        String(run.results[0]!.failingCount),
        String(run.results[0]!.exceptedCount),
        String(run.results[0]!.evaluatedCount),
      ]);
    const rows = await page
      .locator('#trend-runs tr[data-run]')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-run'),
          ...['verdict', 'failingCount', 'exceptedCount', 'evaluatedCount'].map((f) => tr.querySelector(`[data-field="${f}"]`)?.textContent),
        ]),
      );
    expect(rows).toEqual(expected);
    // The chart draws the same failing counts.
    const charted = await page.$eval('#trend-chart', (element) => {
      const chart = (globalThis as unknown as Charts<{ data: ({ value: number } | number)[] }>).echarts.getInstanceByDom(element);
      return chart.getOption().series.map((s) => s.data.map((d) => (typeof d === 'number' ? d : d.value)));
    });
    expect(charted).toEqual([expected.map((r) => Number(r[2])), expected.map((r) => Number(r[3]))]);

    // The latest verdict by account (ControlAccountResult), paged on the server.
    const { controls } = await api<{ controls: { id: string; accounts: { accountId: string; verdict: string; failingCount: number }[] }[] }>(
      '{ controls(limit: 1000) { id accounts(limit: 100) { accountId verdict failingCount } } }',
    );
    const accounts = controls.find((c) => c.id === KMS_CONTROL)!.accounts;
    await page.locator('#account-results .tabulator-row').first().waitFor();
    const accountRows = await page
      .locator('#account-results .tabulator-row')
      .evaluateAll((rows) => rows.map((row) => ['accountId', 'verdict', 'failingCount'].map((f) => row.querySelector(`[tabulator-field="${f}"]`)?.textContent)));
    expect(accountRows).toEqual(accounts.map((a) => [a.accountId, a.verdict, String(a.failingCount)]));
    await screenshot('trend');
  });

  it('coverage: each heat-map cell is an (account, region) of the API, with its status and the age of its last success', async () => {
    await openView('coverage', '#coverage-summary:not(:empty)');
    await page.selectOption('#coverage-type', 'KmsKey');
    await expect.poll(() => page.locator('#coverage-summary').textContent(), { timeout: SLOW_MACHINE_MS }).toMatch(/^KmsKey:/);
    const before = Date.now();
    const { coverage } = await api<{
      coverage: { accountId: string; region: string; lastSuccessAt: string | null; lastAttemptStatus: string; latestAttemptFailed: boolean }[];
    }>('{ coverage(assetType: "KmsKey", limit: 1000) { accountId region lastSuccessAt lastAttemptStatus latestAttemptFailed } }');
    type Cell = { accountId: string; region: string; status: string; lastSuccessAt: string | null; cellLabel: string };
    const cells = await page.$eval('#coverage-chart', (element) => {
      const chart = (globalThis as unknown as Charts<{ data: Cell[] }>).echarts.getInstanceByDom(element);
      return chart.getOption().series[0]!.data;
    });
    const after = Date.now();
    expect(cells).toHaveLength(coverage.length);
    const byKey = new Map(cells.map((c) => [`${c.accountId}/${c.region}`, c]));
    for (const row of coverage) {
      const cell = byKey.get(`${row.accountId}/${row.region}`)!;
      expect(cell, `${row.accountId}/${row.region}`).toBeDefined();
      expect(cell.status).toBe(row.lastAttemptStatus);
      expect(cell.lastSuccessAt).toBe(row.lastSuccessAt);
      if (row.latestAttemptFailed) expect(cell.cellLabel).toBe('FAILED');
      else if (row.lastAttemptStatus === 'NEVER') expect(cell.cellLabel).toBe('NEVER');
      else expect([ageLabel(row.lastSuccessAt!, before - 60_000), ageLabel(row.lastSuccessAt!, before), ageLabel(row.lastSuccessAt!, after)]).toContain(cell.cellLabel);
    }
    // The seed's failure and never-synced regions are there, told apart.
    expect(byKey.get(`${ACCOUNT_A}/${DENIED_REGION}`)?.cellLabel).toBe('FAILED');
    expect(cells.filter((c) => c.cellLabel === 'NEVER').length).toBeGreaterThan(0);
    const accounts = new Set(coverage.map((c) => c.accountId)).size;
    const regions = new Set(coverage.map((c) => c.region)).size;
    expect(await page.locator('#coverage-summary').textContent()).toContain(
      `KmsKey: ${accounts} accounts × ${regions} regions; fresh (<24h) ${coverage.filter((c) => c.lastAttemptStatus === 'OK').length}, `,
    );
    // A cell's tooltip names its account and region (drawn under the page's CSP: any violation is a console error).
    const box = (await page.locator('#coverage-chart canvas').first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 30);
    await expect.poll(() => page.locator('#coverage-chart').textContent(), { timeout: SLOW_MACHINE_MS }).toMatch(/account \d{12}, [a-z]{2}-[a-z]+-\d/);
    await screenshot('coverage');
  });

  it('failing assets: a table paged on the server, filtered by state, account and region in the API, each asset opening its details and history', async () => {
    await page.click('#views a[data-view="posture"]');
    await page.click(`#control-list tr[data-control="${KMS_CONTROL}"] a[href="#failing"]`);
    await page.locator('#failing-table .tabulator-row').first().waitFor();
    type Listed = { id: string; accountId: string; region: string; exceptionOwner: string | null; exceptionExpires: string | null };
    const fields = 'id accountId region exceptionOwner exceptionExpires';
    const status = (
      await api<{ controls: { id: string; failingCount: number; exceptedCount: number; failingAssets: Listed[]; nextPage: Listed[]; exceptedAssets: Listed[] }[] }>(
        `{ controls(limit: 1000) { id failingCount exceptedCount failingAssets(limit: ${PAGE_SIZE}) { ${fields} } nextPage: failingAssets(limit: ${PAGE_SIZE}, offset: ${PAGE_SIZE}) { ${fields} } exceptedAssets(limit: ${PAGE_SIZE}) { ${fields} } } }`,
      )
    ).controls.find((c) => c.id === KMS_CONTROL)!;
    expect(status.failingCount).toBeGreaterThan(PAGE_SIZE);
    const tableIds = () => page.locator('#failing-table .tabulator-row [tabulator-field="id"]').allTextContents();
    expect(await page.locator('#failing-total').textContent()).toMatch(new RegExp(`^${status.failingCount} failing assets of ${KMS_CONTROL}`));
    expect(await page.locator('#failing-table .tabulator-page-counter').textContent()).toContain(`of ${status.failingCount}`);
    expect(await tableIds()).toEqual(status.failingAssets.map((a) => a.id));
    const failingPosts = requests.filter((r) => r.body?.includes('failingAssets(limit: $size'));
    expect(JSON.parse(failingPosts.at(-1)!.body!).variables).toMatchObject({ size: PAGE_SIZE, skip: 0 });
    await screenshot('failing-assets');

    // The next page is the API's next page.
    await page.click('#failing-table .tabulator-page[data-page="next"]');
    await expect.poll(tableIds, { timeout: SLOW_MACHINE_MS }).toEqual(status.nextPage.map((a) => a.id));
    await page.click('#failing-table .tabulator-page[data-page="first"]');
    await expect.poll(tableIds, { timeout: SLOW_MACHINE_MS }).toEqual(status.failingAssets.map((a) => a.id));

    // By account, then by region: the API filters (same token), and the table pages the filtered list with its total.
    const filtered = async (accountId: string | null, region: string | null) => {
      const kept: string[] = [];
      for (let skip = 0; ; skip += PAGE_SIZE) {
        const { controls } = await api<{ controls: { id: string; failingAssets: { id: string }[] }[] }>(
          `query ($accountId: String, $region: String, $skip: Int) { controls(limit: 1000) { id failingAssets(limit: ${PAGE_SIZE}, offset: $skip, accountId: $accountId, region: $region) { id } } }`,
          { accountId, region, skip },
        );
        const ids = controls.find((c) => c.id === KMS_CONTROL)!.failingAssets.map((a) => a.id);
        kept.push(...ids);
        if (ids.length < PAGE_SIZE) return kept;
      }
    };
    const seen = [...status.failingAssets, ...status.nextPage];
    const region = [...new Set(seen.map((a) => a.region))].sort()[0]!;
    for (const [input, accountId, regionKept] of [
      ['#asset-account', ACCOUNT_A, null],
      ['#asset-region', null, region],
    ] as const) {
      const kept = await filtered(accountId, regionKept);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(status.failingCount);
      // Account A's list runs over two pages: the pages below are the filtered list's, not filtered pages.
      if (accountId) expect(kept.length).toBeGreaterThan(PAGE_SIZE);
      // A filter change from the second page shows the filtered list's first page.
      await page.click('#failing-table .tabulator-page[data-page="next"]');
      await expect.poll(tableIds, { timeout: SLOW_MACHINE_MS }).toEqual(status.nextPage.map((a) => a.id));
      await page.fill(input, accountId ?? regionKept!);
      const pages = Math.ceil(kept.length / PAGE_SIZE);
      for (let n = 0; n < pages; n++) {
        if (n > 0) await page.click('#failing-table .tabulator-page[data-page="next"]');
        await expect.poll(tableIds, { timeout: SLOW_MACHINE_MS }).toEqual(kept.slice(n * PAGE_SIZE, (n + 1) * PAGE_SIZE));
      }
      expect(await page.locator('#failing-total').textContent()).toMatch(new RegExp(`^${kept.length} failing assets of ${KMS_CONTROL} in `));
      expect(await page.locator('#failing-table .tabulator-page-counter').textContent()).toContain(`of ${kept.length}`);
      // The table's own query (the count reads ids by the server's maximum page size).
      const asked = JSON.parse(requests.filter((r) => r.body?.includes('query DashboardFailing(')).at(-1)!.body!).variables;
      expect(asked).toMatchObject({ accountId, region: regionKept, size: PAGE_SIZE, skip: (pages - 1) * PAGE_SIZE });
      await page.fill(input, '');
      await expect.poll(tableIds, { timeout: SLOW_MACHINE_MS }).toEqual(status.failingAssets.map((a) => a.id));
    }

    // Excepted: the asset the exception covers, with its owner and expiry.
    await page.selectOption('#asset-state', 'EXCEPTED');
    await expect.poll(tableIds, { timeout: SLOW_MACHINE_MS }).toEqual(status.exceptedAssets.map((a) => a.id));
    expect(status.exceptedCount).toBe(1);
    const excepted = status.exceptedAssets[0]!;
    const row = page.locator('#failing-table .tabulator-row').first();
    expect(await row.locator('[tabulator-field="exceptionOwner"]').textContent()).toBe(excepted.exceptionOwner);
    expect(await row.locator('[tabulator-field="exceptionExpires"]').textContent()).toBe(excepted.exceptionExpires);
    expect(await page.locator('#failing-total').textContent()).toMatch(/^1 excepted assets/);

    // Its details and history come from node(id).
    await row.locator('a[data-asset]').click();
    await page.locator('#asset-detail table.history tbody tr').first().waitFor();
    const { node } = await api<{ node: { region: string; firstSeenAt: string; history: { kind: string }[] } }>(
      'query ($id: ID!) { node(id: $id) { ... on Trail { region firstSeenAt history(limit: 50) { kind } } } }',
      { id: excepted.id },
    );
    expect(await page.locator('#asset-detail dd[data-field="region"]').textContent()).toBe(node.region);
    expect(await page.locator('#asset-detail dd[data-field="firstSeenAt"]').textContent()).toBe(node.firstSeenAt);
    expect(await texts('#asset-detail table.history tbody td:nth-child(3)')).toEqual(node.history.map((h) => h.kind));
    // The trail stopped logging between the syncs: the change is in its history, as the API gives it.
    expect(node.history.map((h) => h.kind)).toContain('CHANGED');
    expect(await texts('#asset-detail table.history tbody td:nth-child(4)')).toContain('isLogging');
    await screenshot('asset-detail');
  });

  it("exceptions: each one's owner, expiry and state (revoked ones included), as the API lists them", async () => {
    await openView('exceptions', '#exceptions-table .tabulator-row');
    const { exceptions } = await api<{ exceptions: { id: string; owner: string; expires: string; state: string; control: string }[] }>(
      '{ exceptions(includeRevoked: true, limit: 100) { id owner expires state control } }',
    );
    expect(exceptions.map((e) => e.state).sort()).toEqual(['ACTIVE', 'REVOKED']);
    const rows = await page
      .locator('#exceptions-table .tabulator-row')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-exception'),
          ...['control', 'owner', 'expires', 'state'].map((f) => tr.querySelector(`[tabulator-field="${f}"]`)?.textContent),
        ]),
      );
    expect(rows).toEqual(exceptions.map((e) => [e.id, e.control, e.owner, e.expires, e.state]));
    await screenshot('exceptions');
    await page.uncheck('#include-revoked');
    await expect.poll(() => page.locator('#exceptions-table .tabulator-row').count(), { timeout: SLOW_MACHINE_MS }).toBe(1);
  });

  it('sync status: the latest runs with their status and totals (a running one its totals so far), as syncRuns gives them', async () => {
    await openView('sync', '#sync-runs tr[data-sync-run]');
    const { syncRuns } = await api<{
      syncRuns: {
        id: number;
        status: string;
        totals: { scopesOk: number; scopesSkipped: number; scopesFailed: number; seen: number; new: number; changed: number; deleted: number };
      }[];
    }>(`{ syncRuns(limit: ${PAGE_SIZE}) { id status totals { scopesOk scopesSkipped scopesFailed seen new changed deleted } } }`);
    const rows = await page
      .locator('#sync-runs tr[data-sync-run]')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-sync-run'), ...['status', 'scopes', 'assets'].map((f) => tr.querySelector(`[data-field="${f}"]`)?.textContent)]),
      );
    // A running sync shows its totals so far, and says so.
    const shownStatus = (status: string) => (status === 'RUNNING' ? 'RUNNING (totals so far)' : status);
    expect(rows).toEqual(
      syncRuns.map((r) => [
        String(r.id),
        shownStatus(r.status),
        `${r.totals.scopesOk}/${r.totals.scopesSkipped}/${r.totals.scopesFailed}`,
        `${r.totals.seen}/${r.totals.new}/${r.totals.changed}/${r.totals.deleted}`,
      ]),
    );
    expect(rows.some((r) => r[1] === 'PARTIAL')).toBe(true);
    expect(rows[0]!.slice(1, 3)).toEqual(['RUNNING (totals so far)', '1/0/0']);
    await screenshot('sync');
  });

  it('asked nothing of any other origin, sent only queries (never a mutation), and logged no error', () => {
    const origin = new URL(server.url).origin;
    const elsewhere = requests.map((r) => r.url).filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
    expect(elsewhere).toEqual([]);
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const loaded = requests.filter((r) => r.method === 'GET').map((r) => new URL(r.url).pathname);
    expect(loaded).toEqual(
      expect.arrayContaining(['/', `${DASHBOARD_ASSETS_PATH}/echarts.min.js`, `${DASHBOARD_ASSETS_PATH}/tabulator.min.js`, `${DASHBOARD_ASSETS_PATH}/dashboard.js`]),
    );
    const posts = requests.filter((r) => r.method === 'POST');
    for (const post of posts) {
      expect(new URL(post.url).pathname).toBe('/graphql');
      expect(JSON.parse(post.body!).query).toMatch(/^query /);
    }
    expect(problems).toEqual([]); // a CSP violation is a console error
  });

  it("pages the lists it needs whole by the server's maximum page size, learnt from the API's refusal", async () => {
    const small = await startServer({ store: inventory.store, api: createInventoryApi({ maxPageSize: 5 }), host: '127.0.0.1', port: 0, log: silentLogger });
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      context.setDefaultTimeout(SLOW_MACHINE_MS);
      const other = await context.newPage();
      const sent: { limit?: number; offset?: number; query: string }[] = [];
      other.on('request', (request) => {
        if (request.method() === 'POST') sent.push({ ...JSON.parse(request.postData()!).variables, query: JSON.parse(request.postData()!).query });
      });
      await other.goto(`${small.url}/#coverage`);
      await other.fill('#token-input', inventory.readToken);
      await other.click('#token-form button[type="submit"]');
      await other.locator('#coverage-summary:not(:empty)').waitFor();
      const { coverage } = await api<{ coverage: { accountId: string }[] }>('{ coverage(assetType: "Trail", limit: 1000) { accountId } }');
      const cells = await other.$eval('#coverage-chart', (element) => {
        const chart = (globalThis as unknown as Charts<{ data: unknown[] }>).echarts.getInstanceByDom(element);
        return chart.getOption().series[0]!.data.length;
      });
      expect(cells).toBe(coverage.length);
      const pages = sent.filter((r) => r.query.includes('coverage(assetType'));
      // The first page asked for 1,000 and was refused; then pages of 5 until a short one.
      expect(pages[0]).toMatchObject({ limit: 1000, offset: 0 });
      expect(pages.slice(1).map((r) => [r.limit, r.offset])).toEqual(Array.from({ length: Math.floor(coverage.length / 5) + 1 }, (_, i) => [5, i * 5]));
      // The tables' pages keep to it too: the failing assets 5 a page, the exceptions 4 (one more tells if a page follows).
      await other.click('#views a[data-view="failing"]');
      await other.locator('#failing-table .tabulator-row').first().waitFor();
      expect(await other.locator('#failing-table .tabulator-row').count()).toBe(5);
      await other.click('#views a[data-view="exceptions"]');
      await other.locator('#exceptions-table .tabulator-row').first().waitFor();
      expect(await other.locator('#exceptions-table .tabulator-row').count()).toBe(2);
      expect(sent.filter((r) => r.query.includes('exceptions(')).map((r) => r.limit)).toEqual([5]);
    } finally {
      await context.close();
      await small.close();
    }
  });
});
