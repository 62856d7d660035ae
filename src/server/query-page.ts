// The page a browser gets at GET /graphql: GraphiQL, served from the package's own node_modules (no CDN, works
// offline). The scripts and styles it names are served by graphiqlRoutes() in graphiql.ts under GRAPHIQL_ASSETS_PATH.

import { randomBytes } from 'node:crypto';

export const SEED_QUERY = '{ trails(where:{kmsKeyID:""}){...AssetFragment} }';

/** Where graphiqlRoutes() serves GraphiQL's scripts and styles. */
export const GRAPHIQL_ASSETS_PATH = '/graphiql-assets';

/**
 * The page's Content-Security-Policy: everything from this origin only. Beyond 'self' it allows data: fonts and images,
 * which GraphiQL's stylesheet embeds, and the <style> elements GraphiQL's dialogs add (scroll lock) when they carry
 * this response's nonce. No inline or evaluated script, no inline style attribute.
 */
export function graphiqlCsp(styleNonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${styleNonce}'`,
    "font-src 'self' data:",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** A fresh nonce for one response of the page. */
export const newStyleNonce = (): string => randomBytes(16).toString('base64');

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface QueryPageOptions {
  /** The query GraphiQL opens with when the browser has none saved. */
  defaultQuery?: string;
  /** The GraphQL endpoint the page posts to (same origin). */
  endpoint?: string;
  /** The nonce of this response's CSP for GraphiQL's <style> elements; a fresh one when left out. */
  styleNonce?: string;
  /** Fragment definitions the editor knows without the query defining them (schema/fragments.graphql). */
  externalFragments?: string;
}

export function queryPageHtml(options: QueryPageOptions | string = {}): string {
  const {
    defaultQuery = SEED_QUERY,
    endpoint = '/graphql',
    styleNonce = newStyleNonce(),
    externalFragments = '',
  } = typeof options === 'string' ? { defaultQuery: options } : options;
  const asset = (name: string): string => `${GRAPHIQL_ASSETS_PATH}/${name}`;
  // The CSP is also sent as a header by graphiqlRoutes(); the meta copy covers the page when Apollo's landing page
  // hook serves it (that path sets no headers of its own).
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(graphiqlCsp(styleNonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cloud-inventory GraphQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('graphiql.min.css')}">
<link rel="stylesheet" href="${asset('page.css')}">
</head>
<body>
<div id="graphiql" data-endpoint="${escapeHtml(endpoint)}" data-default-query="${escapeHtml(defaultQuery)}" data-style-nonce="${escapeHtml(styleNonce)}" data-external-fragments="${escapeHtml(externalFragments)}">Loading GraphiQL...</div>
<noscript>GraphiQL needs JavaScript. Without it, POST or GET <code>${escapeHtml(endpoint)}</code> per the GraphQL over HTTP spec.</noscript>
<script src="${asset('react.production.min.js')}"></script>
<script src="${asset('react-dom.production.min.js')}"></script>
<script src="${asset('graphiql.min.js')}"></script>
<script src="${asset('init.js')}"></script>
</body>
</html>
`;
}
