// The page a browser gets at GET /graphql: a self-contained query form (no CDN, works offline).

export const SEED_QUERY = '{ trails(where:{kmsKeyID:""}){...AssetFragment} }';

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function queryPageHtml(defaultQuery = SEED_QUERY): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cloud-inventory GraphQL</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 72rem; }
  textarea, pre { width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; font-size: 0.9rem; }
  textarea { height: 10rem; }
  pre { background: #f4f4f4; padding: 1rem; min-height: 10rem; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>cloud-inventory GraphQL</h1>
<p>POST or GET <code>/graphql</code> per the GraphQL over HTTP spec. Stored fragments such as <code>AssetFragment</code> are appended when a query spreads them.</p>
<form id="query-form">
  <textarea id="query" name="query" spellcheck="false">${escapeHtml(defaultQuery)}</textarea>
  <p><button type="submit">Run query</button></p>
</form>
<pre id="result" aria-live="polite"></pre>
<script>
document.getElementById('query-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = document.getElementById('result');
  result.textContent = 'Running...';
  try {
    const response = await fetch(location.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: document.getElementById('query').value }),
    });
    result.textContent = JSON.stringify(await response.json(), null, 2);
  } catch (error) {
    result.textContent = String(error);
  }
});
</script>
</body>
</html>
`;
}
