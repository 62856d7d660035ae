// GraphiQL for browsers at GET /graphql, from files installed with the package: GraphiQL 3's UMD build and React 18's,
// out of node_modules by resolved path, plus the page's own script and style (src/server/graphiql/). Nothing is loaded
// from a CDN or any other origin, and the page's Content-Security-Policy allows only this origin.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express from 'express';
import { PACKAGE_ROOT, SCHEMA_DIR } from '../paths.js';
import { GRAPHIQL_ASSETS_PATH, graphiqlCsp, newStyleNonce, queryPageHtml, type QueryPageOptions } from './query-page.js';

export { GRAPHIQL_ASSETS_PATH, graphiqlCsp } from './query-page.js';

const require = createRequire(import.meta.url);

/** The folder of an installed package (through its package.json: graphiql's "exports" hide its UMD files). */
const packageDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Every file the page may load: name under GRAPHIQL_ASSETS_PATH -> absolute path and content type. No other. */
export function graphiqlAssets(): ReadonlyMap<string, { path: string; contentType: string }> {
  const own = join(PACKAGE_ROOT, 'src', 'server', 'graphiql');
  return new Map([
    ['react.production.min.js', { path: join(packageDir('react'), 'umd', 'react.production.min.js'), contentType: JS }],
    ['react-dom.production.min.js', { path: join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'), contentType: JS }],
    ['graphiql.min.js', { path: join(packageDir('graphiql'), 'graphiql.min.js'), contentType: JS }],
    ['graphiql.min.css', { path: join(packageDir('graphiql'), 'graphiql.min.css'), contentType: CSS }],
    ['init.js', { path: join(own, 'init.js'), contentType: JS }],
    ['page.css', { path: join(own, 'page.css'), contentType: CSS }],
  ]);
}

/**
 * A browser asking for the page (GET, HTML preferred, no query): it holds no inventory data, so it is answered before
 * the token check. Anything else goes on to that check and to Apollo, whose own landing page is off.
 */
export function isQueryPageRequest(req: express.Request): boolean {
  if (req.method !== 'GET' || req.query['query'] !== undefined) return false;
  return req.accepts(['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html']) === 'text/html';
}

export interface GraphiqlRoutesOptions extends QueryPageOptions {
  /** The GraphQL path whose browser GETs get the page; default /graphql. */
  endpoint?: string;
}

/**
 * GET (and HEAD) `endpoint` from a browser (Accept prefers text/html): the GraphiQL page, with its CSP as a header;
 * any other request to it goes on to the next handler (Apollo). GET GRAPHIQL_ASSETS_PATH/<file>: the page's scripts
 * and styles. Mount it before Apollo: `app.use(graphiqlRoutes())`.
 */
export function graphiqlRoutes(options: GraphiqlRoutesOptions = {}): express.Router {
  const endpoint = options.endpoint ?? '/graphql';
  const assets = graphiqlAssets();
  // The stored fragments the server appends to a query that spreads them: the editor knows them too, so it does not
  // mark `...AssetFragment` in the seed query as unknown, and sends their definitions with the query.
  const externalFragments = options.externalFragments ?? readFileSync(join(SCHEMA_DIR, 'fragments.graphql'), 'utf8');
  const router = express.Router({ caseSensitive: true, strict: true });

  router.get(endpoint, (req, res, next) => {
    // The same test the token check exempts: a browser asking for the page, never a query sent with it.
    if (!isQueryPageRequest(req)) return next();
    const styleNonce = newStyleNonce();
    res.set({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `${graphiqlCsp(styleNonce)}; frame-ancestors 'none'`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
      vary: 'accept',
    });
    res.send(queryPageHtml({ ...options, endpoint, styleNonce, externalFragments }));
  });

  router.get(`${GRAPHIQL_ASSETS_PATH}/:file`, (req, res, next) => {
    const asset = assets.get(req.params.file);
    if (!asset) return next();
    res.sendFile(
      asset.path,
      {
        headers: { 'content-type': asset.contentType, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' },
        dotfiles: 'deny',
      },
      (error) => {
        if (error && !res.headersSent) next(error);
      },
    );
  });

  return router;
}
