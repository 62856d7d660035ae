// Starts GraphiQL on the page served at GET /graphql. A file of its own, so the page's CSP allows no inline script.
// Globals from the UMD builds loaded before it: React, ReactDOM (18) and GraphiQL (3).
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';
  // GraphiQL's dialogs add <style> elements (scroll lock); its bundle gives them the nonce found in this global, the
  // one the page's CSP allows.
  window.__webpack_nonce__ = root.getAttribute('data-style-nonce') || undefined;

  // Every request is POST with content-type: application/json, which the server's CSRF prevention requires. Headers
  // typed in GraphiQL's header editor (e.g. {"Authorization": "Bearer ..."}) are sent too; content-type stays JSON.
  function fetcher(params, options) {
    var headers = {};
    var extra = (options && options.headers) || {};
    Object.keys(extra).forEach(function (name) {
      if (name.toLowerCase() !== 'content-type' && extra[name] != null) headers[name] = String(extra[name]);
    });
    headers['content-type'] = 'application/json';
    headers.accept = 'application/graphql-response+json, application/json';
    return fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify(params), credentials: 'same-origin' }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (_notJson) {
          return { errors: [{ message: 'HTTP ' + response.status + ' ' + response.statusText + ': ' + text }] };
        }
      });
    });
  }

  root.textContent = '';
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: root.getAttribute('data-default-query') || undefined,
      // The stored fragments (schema/fragments.graphql): the editor validates `...AssetFragment` against them.
      externalFragments: root.getAttribute('data-external-fragments') || undefined,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  );
})();
