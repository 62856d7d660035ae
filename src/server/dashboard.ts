// The posture dashboard at GET / (README, The dashboard): a page that holds no inventory data and is a client of
// POST /graphql only, with ECharts and Tabulator served out of node_modules by resolved path and its own script and
// style from src/server/dashboard/. Nothing is loaded from any other origin; its CSP allows only this origin.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import express from 'express';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { ASSET_TYPES } from '../assets/registry.js';
import { PACKAGE_ROOT } from '../paths.js';

const require = createRequire(import.meta.url);

/** Where dashboardRoutes() serves the page's scripts and styles. */
export const DASHBOARD_ASSETS_PATH = '/dashboard-assets';

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** A file of an installed package, by the subpath its "exports" allow (tabulator-tables exports no package.json). */
const packageFile = (subpath: string): string => require.resolve(subpath);

/** Every file the page may load: name under DASHBOARD_ASSETS_PATH -> absolute path and content type. No other. */
export function dashboardAssets(): ReadonlyMap<string, { path: string; contentType: string }> {
  const own = join(PACKAGE_ROOT, 'src', 'server', 'dashboard');
  return new Map([
    ['echarts.min.js', { path: packageFile('echarts/dist/echarts.min.js'), contentType: JS }],
    ['tabulator.min.js', { path: packageFile('tabulator-tables/dist/js/tabulator.min.js'), contentType: JS }],
    ['tabulator.min.css', { path: packageFile('tabulator-tables/dist/css/tabulator.min.css'), contentType: CSS }],
    ['dashboard.js', { path: join(own, 'dashboard.js'), contentType: JS }],
    ['dashboard.css', { path: join(own, 'dashboard.css'), contentType: CSS }],
  ]);
}

/**
 * The page's Content-Security-Policy: this origin only, no inline or evaluated script, no inline style (ECharts and
 * Tabulator size their elements through the DOM, which a CSP does not count as inline style), no <style> element.
 */
export function dashboardCsp(): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface DashboardOptions {
  /** The schema the server answers with: which asset types have a `history` field (the detail panel asks for it). */
  schema?: GraphQLSchema;
  /** The GraphQL endpoint the page posts to (same origin); default /graphql. */
  endpoint?: string;
}

/** The registry's asset types, and those whose GraphQL type has `history` in this schema. */
function assetTypesOf(schema: GraphQLSchema | undefined): { types: string[]; withHistory: string[] } {
  const types = ASSET_TYPES.map((t) => t.name);
  const withHistory = types.filter((name) => {
    const type = schema?.getType(name);
    return type !== undefined && isObjectType(type) && type.getFields()['history'] !== undefined;
  });
  return { types, withHistory };
}

/** The page: structure only; dashboard.js fills it from the API. */
export function dashboardHtml(options: { endpoint: string; types: string[]; withHistory: string[] }): string {
  const asset = (name: string): string => `${DASHBOARD_ASSETS_PATH}/${name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cloud-inventory posture</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('tabulator.min.css')}">
<link rel="stylesheet" href="${asset('dashboard.css')}">
</head>
<body>
<div id="dashboard" data-endpoint="${escapeHtml(options.endpoint)}" data-asset-types="${escapeHtml(options.types.join(','))}" data-history-types="${escapeHtml(options.withHistory.join(','))}">
<header><h1>cloud-inventory posture</h1><nav id="views"></nav><span id="status" role="status"></span></header>
<form id="token-form" hidden>
<p id="token-message">This server requires an API token (<code>inventory token create --scope read</code>).</p>
<label>API token <input id="token-input" type="password" autocomplete="off" spellcheck="false"></label>
<button type="submit">Open the dashboard</button>
</form>
<main id="content"></main>
</div>
<noscript>The dashboard needs JavaScript. Its data comes from POST /graphql.</noscript>
<script src="${asset('echarts.min.js')}"></script>
<script src="${asset('tabulator.min.js')}"></script>
<script src="${asset('dashboard.js')}"></script>
</body>
</html>
`;
}

/**
 * GET (and HEAD) / from a browser: the dashboard page, answered before any token check (it holds no data); GET
 * DASHBOARD_ASSETS_PATH/<file>: its scripts and styles. Everything it shows comes from POST /graphql with the token.
 */
export function dashboardRoutes(options: DashboardOptions = {}): express.Router {
  const endpoint = options.endpoint ?? '/graphql';
  const assets = dashboardAssets();
  const { types, withHistory } = assetTypesOf(options.schema);
  const router = express.Router({ caseSensitive: true, strict: true });

  router.get('/', (_req, res) => {
    res.set({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': dashboardCsp(),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    res.send(dashboardHtml({ endpoint, types, withHistory }));
  });

  router.get(`${DASHBOARD_ASSETS_PATH}/:file`, (req, res, next) => {
    const asset = assets.get(req.params.file);
    if (!asset) return next();
    res.sendFile(
      asset.path,
      { headers: { 'content-type': asset.contentType, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' }, dotfiles: 'deny' },
      (error) => {
        if (error && !res.headersSent) next(error);
      },
    );
  });

  return router;
}
