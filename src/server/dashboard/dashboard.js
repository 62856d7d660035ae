// The posture dashboard served at GET / (README, The dashboard). A client of POST /graphql and nothing else: it sends
// queries only (a read-scope token works), pages every list, and asks for a token when the API answers 401. Globals
// from the files loaded before it: echarts (ECharts 6) and Tabulator (Tabulator 6). A file of its own, so the page's
// CSP allows no inline script.
(() => {
  'use strict';
  var root = document.getElementById('dashboard');
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';
  var assetTypes = (root.getAttribute('data-asset-types') || '').split(',').filter(Boolean);
  var historyTypes = (root.getAttribute('data-history-types') || '').split(',').filter(Boolean);
  var content = document.getElementById('content');
  var statusLine = document.getElementById('status');
  var tokenForm = document.getElementById('token-form');
  var tokenInput = document.getElementById('token-input');
  var tokenMessage = document.getElementById('token-message');
  var TOKEN_KEY = 'cloud-inventory.dashboard.token';
  var SEVERITIES = ['critical', 'high', 'medium', 'low'];
  var VERDICTS = ['PASS', 'FAIL', 'ERROR'];
  // A page of a list the server bounds by its maximum page size: lowered to that maximum when the server says so.
  var pageSize = 1000;
  /** Rows a table shows a page: 25, fewer when the server's maximum page size is smaller (`extra`: rows asked beyond). */
  function tableRows(extra) {
    return Math.max(1, Math.min(25, pageSize - extra));
  }
  // What an inventory check treats as stale by default (inventory check --max-age, README Controls).
  var STALE_HOURS = 48;

  // ---- The API ---------------------------------------------------------------------------------------------------

  function NeedsToken(message) {
    this.message = message;
  }

  /** POSTs one query with the stored token; resolves to its data, rejects with its errors' messages. */
  function gql(query, variables) {
    var headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify({ query: query, variables: variables || {} }), credentials: 'same-origin' }).then(
      (response) =>
        response.text().then((text) => {
          var body;
          try {
            body = JSON.parse(text);
          } catch (_notJson) {
            throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
          }
          var message = body.errors?.length ? body.errors.map((e) => e.message).join('; ') : '';
          if (response.status === 401) throw new NeedsToken(message);
          if (message) throw new Error(message);
          return body.data;
        }),
    );
  }

  /** Every item of a root list paged with limit and offset (`variables.limit`, `variables.offset`), page by page. */
  function pagedAll(query, variables, field) {
    var items = [];
    function next(offset) {
      var vars = Object.assign({}, variables, { limit: pageSize, offset: offset });
      return gql(query, vars).then(
        (data) => {
          var page = data[field];
          items = items.concat(page);
          return page.length < pageSize ? items : next(offset + page.length);
        },
        (error) => {
          var max = /maximum page size of (\d+)/.exec(error.message || '');
          if (max && Number(max[1]) < pageSize) {
            pageSize = Number(max[1]);
            return next(offset);
          }
          throw error;
        },
      );
    }
    return next(0);
  }

  // ---- The page ----------------------------------------------------------------------------------------------------

  /** An element with attributes and children (strings become text: nothing from the API is ever parsed as HTML). */
  function h(tag, attrs, children) {
    var element = document.createElement(tag);
    Object.keys(attrs || {}).forEach((name) => {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name.slice(0, 2) === 'on') element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value === true ? '' : String(value));
    });
    (children || []).forEach((child) => {
      if (child === undefined || child === null) return;
      element.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    });
    return element;
  }

  function show(message) {
    statusLine.textContent = message || '';
  }

  function fail(error) {
    if (error instanceof NeedsToken) return askForToken(error.message);
    show(`Error: ${error?.message ? error.message : String(error)}`);
  }

  function askForToken(message) {
    var had = sessionStorage.getItem(TOKEN_KEY);
    sessionStorage.removeItem(TOKEN_KEY);
    // The token is kept in this tab only (sessionStorage), and sent to this server's API only.
    tokenMessage.textContent = `${had ? 'The API refused the token.' : 'This server requires an API token; one of scope read is enough (`inventory token create --scope read`). It is kept in this tab only.'} The API said: ${message}`;
    tokenForm.hidden = false;
    content.hidden = true;
    show('');
    tokenInput.focus();
  }

  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    var token = tokenInput.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    tokenInput.value = '';
    tokenForm.hidden = true;
    content.hidden = false;
    start();
  });

  /** "3m", "5h", "2d" ago: the age of an ISO time. */
  function age(iso, now) {
    if (!iso) return '';
    var minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
    if (minutes < 1) return '<1m';
    if (minutes < 60) return `${minutes}m`;
    if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h`;
    return `${Math.floor(minutes / 1440)}d`;
  }

  function when(iso) {
    return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
  }

  var VIEWS = [
    ['posture', 'Posture'],
    ['trend', 'Trend'],
    ['coverage', 'Coverage'],
    ['failing', 'Failing assets'],
    ['exceptions', 'Exceptions'],
    ['sync', 'Sync status'],
  ];
  var sections = {};
  var state = { controls: [], selected: undefined, charts: {} };

  function buildViews() {
    var nav = document.getElementById('views');
    nav.textContent = '';
    content.textContent = '';
    VIEWS.forEach((view) => {
      nav.appendChild(h('a', { href: `#${view[0]}`, 'data-view': view[0] }, [view[1]]));
      sections[view[0]] = content.appendChild(h('section', { id: `view-${view[0]}`, class: 'view', hidden: true }, [h('h2', {}, [view[1]])]));
    });
  }

  function currentView() {
    var name = location.hash.slice(1);
    return sections[name] ? name : 'posture';
  }

  function showView() {
    var name = currentView();
    Object.keys(sections).forEach((key) => {
      sections[key].hidden = key !== name;
    });
    document.querySelectorAll('#views a').forEach((link) => {
      link.classList.toggle('active', link.getAttribute('data-view') === name);
    });
    Object.keys(state.charts).forEach((key) => {
      state.charts[key].resize();
    });
    if (loaders[name] && !loaded[name]) {
      loaded[name] = true;
      loaders[name]().catch(fail);
    }
  }
  window.addEventListener('hashchange', showView);

  // ---- 1. Posture ----------------------------------------------------------------------------------------------------

  var CONTROLS_QUERY =
    'query DashboardControls($limit: Int, $offset: Int) { controls(limit: $limit, offset: $offset) { id title severity verdict reason evaluatedAt runId failingCount exceptedCount evaluatedCount } }';

  /** What a verdict says of its own completeness: ERROR's reason; for PASS and FAIL, whether coverage was complete. */
  function completeness(control) {
    if (!control.verdict) return { text: 'never evaluated', complete: false };
    if (control.verdict === 'ERROR') return { text: `undecided: ${control.reason || ''}`, complete: false };
    var partial = /incomplete or stale/.test(control.reason || '');
    return { text: partial ? `coverage incomplete: ${control.reason}` : 'coverage complete', complete: !partial };
  }

  function renderPosture() {
    var section = sections.posture;
    section.querySelectorAll('.body').forEach((old) => {
      old.remove();
    });
    var body = section.appendChild(h('div', { class: 'body' }));
    var controls = state.controls;
    var severities = SEVERITIES.slice();
    controls.forEach((c) => {
      if (severities.indexOf(c.severity) === -1) severities.push(c.severity);
    });

    // Totals: verdict x severity.
    var totals = h('table', { class: 'totals', id: 'verdict-totals' }, [
      h('thead', {}, [h('tr', {}, [h('th', {}, ['Verdict'])].concat(severities.map((s) => h('th', {}, [s]))).concat([h('th', {}, ['all'])]))]),
    ]);
    var tbody = totals.appendChild(h('tbody'));
    VERDICTS.concat(['none']).forEach((verdict) => {
      var row = tbody.appendChild(h('tr', {}, [h('th', { class: `verdict ${verdict}` }, [verdict === 'none' ? 'no verdict' : verdict])]));
      var all = 0;
      severities.forEach((severity) => {
        var n = controls.filter((c) => (c.verdict || 'none') === verdict && c.severity === severity).length;
        all += n;
        row.appendChild(h('td', { 'data-total': `${verdict}:${severity}` }, [n]));
      });
      row.appendChild(h('td', { 'data-total': `${verdict}:all` }, [all]));
    });
    body.appendChild(totals);

    var filter = h(
      'select',
      { id: 'severity-filter', 'aria-label': 'Severity' },
      [h('option', { value: '' }, ['every severity'])].concat(severities.map((s) => h('option', { value: s }, [s]))),
    );
    var verdictFilter = h(
      'select',
      { id: 'verdict-filter', 'aria-label': 'Verdict' },
      [h('option', { value: '' }, ['every verdict'])].concat(VERDICTS.map((v) => h('option', { value: v }, [v]))),
    );
    body.appendChild(h('div', { class: 'filters' }, [h('label', {}, ['Severity ', filter]), h('label', {}, ['Verdict ', verdictFilter])]));
    var list = body.appendChild(h('div', { id: 'control-list' }));

    function draw() {
      list.textContent = '';
      severities.forEach((severity) => {
        if (filter.value && filter.value !== severity) return;
        var group = controls.filter((c) => c.severity === severity && (!verdictFilter.value || c.verdict === verdictFilter.value));
        if (!group.length) return;
        list.appendChild(h('h3', { class: `severity ${severity}` }, [`${severity} (${group.length})`]));
        var table = list.appendChild(
          h('table', { class: 'controls' }, [
            h('thead', {}, [
              h(
                'tr',
                {},
                ['Control', 'Verdict', 'Failing', 'Excepted', 'Evaluated', 'Completeness', 'Evaluated at', ''].map((t) => h('th', {}, [t])),
              ),
            ]),
          ]),
        );
        var rows = table.appendChild(h('tbody'));
        group.forEach((c) => {
          var complete = completeness(c);
          rows.appendChild(
            h('tr', { 'data-control': c.id }, [
              h('td', { title: c.title }, [h('strong', {}, [c.id]), h('div', { class: 'title' }, [c.title])]),
              h('td', { 'data-field': 'verdict', class: `verdict ${c.verdict || 'none'}` }, [c.verdict || '—']),
              h('td', { 'data-field': 'failingCount', class: 'num' }, [c.failingCount === null ? '—' : c.failingCount]),
              h('td', { 'data-field': 'exceptedCount', class: 'num' }, [c.exceptedCount === null ? '—' : c.exceptedCount]),
              h('td', { 'data-field': 'evaluatedCount', class: 'num' }, [c.evaluatedCount === null ? '—' : c.evaluatedCount]),
              h('td', { 'data-field': 'completeness', class: complete.complete ? 'complete' : 'incomplete' }, [
                h('details', {}, [
                  h('summary', {}, [complete.complete ? 'complete' : c.verdict === 'ERROR' ? 'undecided' : c.verdict ? 'partial coverage' : 'never evaluated']),
                  complete.text,
                ]),
              ]),
              h('td', {}, [when(c.evaluatedAt)]),
              h('td', {}, [
                h(
                  'a',
                  {
                    href: '#trend',
                    'data-select': c.id,
                    onclick: () => {
                      select(c.id);
                    },
                  },
                  ['trend'],
                ),
                ' ',
                h(
                  'a',
                  {
                    href: '#failing',
                    'data-select': c.id,
                    onclick: () => {
                      select(c.id);
                    },
                  },
                  ['failing assets'],
                ),
              ]),
            ]),
          );
        });
      });
    }
    filter.addEventListener('change', draw);
    verdictFilter.addEventListener('change', draw);
    draw();
  }

  function loadPosture() {
    show('Loading controls…');
    return pagedAll(CONTROLS_QUERY, {}, 'controls').then((controls) => {
      state.controls = controls;
      if (!state.selected) {
        const firstFailing = controls.filter((c) => c.verdict === 'FAIL')[0] || controls[0];
        state.selected = firstFailing ? firstFailing.id : undefined;
      }
      renderPosture();
      show('');
    });
  }

  /** The control the trend and failing-assets views show; a select in each of them. */
  function select(id) {
    if (state.selected === id) return;
    state.selected = id;
    loaded.trend = false;
    loaded.failing = false;
  }

  function controlPicker(onChange) {
    var picker = h(
      'select',
      { class: 'control-picker', 'aria-label': 'Control' },
      state.controls.map((c) => h('option', { value: c.id, selected: c.id === state.selected }, [`${c.id} (${c.verdict || 'no verdict'})`])),
    );
    picker.addEventListener('change', () => {
      select(picker.value);
      onChange();
    });
    return picker;
  }

  function resetSection(name) {
    var section = sections[name];
    section.querySelectorAll('.body').forEach((old) => {
      old.remove();
    });
    if (state.charts[name]) {
      state.charts[name].dispose();
      delete state.charts[name];
    }
    return section.appendChild(h('div', { class: 'body' }));
  }

  function ensureControls() {
    return state.controls.length ? Promise.resolve() : loadPosture();
  }

  // ---- 2. Trend ------------------------------------------------------------------------------------------------------

  var TREND_QUERY =
    'query DashboardTrend($id: String!, $limit: Int) { controlRuns(controlId: $id, limit: $limit) { id startedAt source results(limit: 1) { verdict failingCount exceptedCount evaluatedCount evaluatedAt reason } } }';
  var VERDICT_COLORS = { PASS: '#2e7d32', FAIL: '#c62828', ERROR: '#ef6c00' };

  function loadTrend() {
    return ensureControls().then(() => {
      var body = resetSection('trend');
      body.appendChild(
        h('div', { class: 'filters' }, [
          h('label', {}, [
            'Control ',
            controlPicker(() => {
              loaded.trend = true;
              loadTrend().catch(fail);
            }),
          ]),
        ]),
      );
      if (!state.selected) return;
      var chartBox = body.appendChild(h('div', { class: 'chart', id: 'trend-chart' }));
      var table = body.appendChild(h('table', { class: 'runs', id: 'trend-runs' }));
      var accountsBox = body.appendChild(h('div', { id: 'trend-accounts' }));
      show('Loading the trend…');
      return gql(TREND_QUERY, { id: state.selected, limit: 100 }).then((data) => {
        var runs = data.controlRuns.slice().reverse();
        var points = runs.map((run) => {
          var r = run.results[0];
          return { run: run.id, at: run.startedAt, verdict: r.verdict, failing: r.failingCount, excepted: r.exceptedCount, evaluated: r.evaluatedCount };
        });
        var chart = echarts.init(chartBox);
        state.charts.trend = chart;
        chart.setOption({
          animation: false,
          title: { text: state.selected, left: 'center', textStyle: { fontSize: 14 } },
          tooltip: {
            trigger: 'axis',
            formatter: (items) => {
              var p = points[items[0].dataIndex];
              return `run ${p.run}<br>${when(p.at)}<br>${p.verdict}: ${p.failing} failing, ${p.excepted} excepted of ${p.evaluated}`;
            },
          },
          legend: { top: 30, data: ['failing', 'excepted'] },
          grid: { left: 60, right: 40, top: 70, bottom: 60 },
          xAxis: { type: 'category', data: points.map((p) => `run ${p.run}, ${when(p.at).slice(0, 16)}`) },
          yAxis: { type: 'value', minInterval: 1, name: 'assets' },
          series: [
            {
              name: 'failing',
              type: 'line',
              data: points.map((p) => ({
                value: p.failing,
                itemStyle: { color: VERDICT_COLORS[p.verdict] },
                label: { show: true, formatter: `${p.verdict} ${p.failing}` },
              })),
              symbolSize: 12,
              itemStyle: { color: '#c62828' },
              lineStyle: { color: '#c62828' },
            },
            { name: 'excepted', type: 'line', data: points.map((p) => p.excepted), itemStyle: { color: '#6d4c41' }, lineStyle: { type: 'dashed', color: '#6d4c41' } },
          ],
        });
        table.appendChild(
          h('thead', {}, [
            h(
              'tr',
              {},
              ['Run', 'Started', 'Verdict', 'Failing', 'Excepted', 'Evaluated'].map((t) => h('th', {}, [t])),
            ),
          ]),
        );
        var rows = table.appendChild(h('tbody'));
        points.forEach((p) => {
          rows.appendChild(
            h('tr', { 'data-run': p.run }, [
              h('td', {}, [p.run]),
              h('td', {}, [when(p.at)]),
              h('td', { 'data-field': 'verdict', class: `verdict ${p.verdict}` }, [p.verdict]),
              h('td', { 'data-field': 'failingCount', class: 'num' }, [p.failing]),
              h('td', { 'data-field': 'exceptedCount', class: 'num' }, [p.excepted]),
              h('td', { 'data-field': 'evaluatedCount', class: 'num' }, [p.evaluated === null ? '—' : p.evaluated]),
            ]),
          );
        });
        accountResults(accountsBox, state.selected);
        show('');
      });
    });
  }

  /** The selected control's latest verdict per account (ControlAccountResult), paged on the server. */
  function accountResults(box, controlId) {
    var control = state.controls.filter((c) => c.id === controlId)[0];
    var index = state.controls.indexOf(control);
    box.appendChild(h('h3', {}, ['Latest verdict by account']));
    var holder = box.appendChild(h('div', { id: 'account-results' }));
    new Tabulator(holder, {
      layout: 'fitColumns',
      pagination: true,
      paginationMode: 'remote',
      // A page sorted in the browser would look like an order of the whole list: the API's order is kept.
      columnDefaults: { headerSort: false },
      paginationSize: tableRows(1),
      ajaxURL: endpoint,
      ajaxRequestFunc: (_url, _config, params) => {
        var size = params.size;
        var query =
          'query DashboardAccountResults($offset: Int, $limit: Int, $size: Int, $skip: Int) { controls(limit: $limit, offset: $offset) { id accounts(limit: $size, offset: $skip) { accountId verdict evaluatedCount failingCount exceptedCount } } }';
        // One more than a page says whether another page follows.
        return gql(query, { offset: index, limit: 1, size: size + 1, skip: (params.page - 1) * size }).then((data) => {
          var rows = data.controls[0] ? data.controls[0].accounts : [];
          return { last_page: rows.length > size ? params.page + 1 : params.page, data: rows.slice(0, size) };
        });
      },
      placeholder: 'No account results',
      columns: [
        { title: 'Account', field: 'accountId' },
        { title: 'Verdict', field: 'verdict', formatter: verdictCell },
        { title: 'Evaluated', field: 'evaluatedCount', hozAlign: 'right' },
        { title: 'Failing', field: 'failingCount', hozAlign: 'right' },
        { title: 'Excepted', field: 'exceptedCount', hozAlign: 'right' },
      ],
    });
  }

  function verdictCell(cell) {
    var value = cell.getValue();
    return h('span', { class: `verdict ${value}` }, [value]);
  }

  // ---- 3. Coverage ---------------------------------------------------------------------------------------------------

  var COVERAGE_QUERY =
    'query DashboardCoverage($type: String!, $limit: Int, $offset: Int) { coverage(assetType: $type, limit: $limit, offset: $offset) { accountId region lastSuccessAt lastAttemptAt lastAttemptStatus latestAttemptFailed accountFailed regionEnabled error { code message } } }';
  var CELL_KINDS = ['fresh (<24h)', 'aging (24-48h)', 'stale (>48h)', 'failed', 'never synced', 'skipped'];
  var CELL_COLORS = ['#2e7d32', '#9ccc65', '#fbc02d', '#c62828', '#9e9e9e', '#e0e0e0'];

  /** A coverage row as one heat-map cell: its kind (CELL_KINDS) and label. */
  function coverageCell(row, now) {
    if (row.latestAttemptFailed || row.lastAttemptStatus === 'FAILED') return { kind: 3, label: 'FAILED' };
    if (row.lastAttemptStatus === 'NEVER' || !row.lastSuccessAt)
      return { kind: row.lastAttemptStatus === 'SKIPPED' ? 5 : 4, label: row.lastAttemptStatus === 'SKIPPED' ? 'SKIPPED' : 'NEVER' };
    if (row.lastAttemptStatus === 'SKIPPED') return { kind: 5, label: 'SKIPPED' };
    var hours = (now - Date.parse(row.lastSuccessAt)) / 3600000;
    return { kind: hours < 24 ? 0 : hours < STALE_HOURS ? 1 : 2, label: age(row.lastSuccessAt, now) };
  }

  function loadCoverage() {
    var body = resetSection('coverage');
    state.coverageType = state.coverageType || assetTypes[0];
    var picker = h(
      'select',
      { id: 'coverage-type', 'aria-label': 'Asset type' },
      assetTypes.map((t) => h('option', { value: t, selected: t === state.coverageType }, [t])),
    );
    picker.addEventListener('change', () => {
      state.coverageType = picker.value;
      loadCoverage().catch(fail);
    });
    body.appendChild(h('div', { class: 'filters' }, [h('label', {}, ['Asset type ', picker])]));
    var summary = body.appendChild(h('p', { id: 'coverage-summary' }));
    var chartBox = body.appendChild(h('div', { class: 'chart heatmap', id: 'coverage-chart' }));
    show('Loading coverage…');
    return pagedAll(COVERAGE_QUERY, { type: state.coverageType }, 'coverage').then((rows) => {
      var now = Date.now();
      var accounts = [];
      var regions = [];
      rows.forEach((row) => {
        if (accounts.indexOf(row.accountId) === -1) accounts.push(row.accountId);
        if (regions.indexOf(row.region) === -1) regions.push(row.region);
      });
      regions.sort();
      var counts = CELL_KINDS.map(() => 0);
      var cells = rows.map((row) => {
        var cell = coverageCell(row, now);
        counts[cell.kind] += 1;
        return {
          value: [regions.indexOf(row.region), accounts.indexOf(row.accountId), cell.kind],
          cellLabel: cell.label,
          accountId: row.accountId,
          region: row.region,
          status: row.lastAttemptStatus,
          lastSuccessAt: row.lastSuccessAt,
          error: row.error ? `${row.error.code}: ${row.error.message}` : '',
        };
      });
      summary.textContent = `${state.coverageType}: ${accounts.length} accounts × ${regions.length} regions; ${CELL_KINDS.map((k, i) => `${k} ${counts[i]}`).join(', ')}`;
      var many = accounts.length > 30;
      var visibleRows = Math.min(accounts.length, 30);
      chartBox.style.height = `${Math.max(260, visibleRows * 26 + 140)}px`;
      var chart = echarts.init(chartBox);
      state.charts.coverage = chart;
      chart.setOption({
        animation: false,
        tooltip: {
          formatter: (p) => {
            var d = p.data;
            var text =
              'account ' +
              d.accountId +
              ', ' +
              (d.region || '(whole account)') +
              '<br>' +
              d.status +
              (d.lastSuccessAt ? `, last success ${when(d.lastSuccessAt)} (${d.cellLabel} ago)` : ', never succeeded');
            return (text + (d.error ? `<br>${d.error}` : ''))
              .replace(/&/g, '&amp;')
              .replace(/</g, '&lt;')
              .replace(/&lt;br>/g, '<br>');
          },
        },
        grid: { left: 110, right: many ? 60 : 20, top: 10, bottom: 110 },
        xAxis: { type: 'category', data: regions.map((r) => r || '(account)'), axisLabel: { rotate: 45 }, splitArea: { show: true } },
        yAxis: { type: 'category', data: accounts, inverse: true, splitArea: { show: true } },
        dataZoom: many
          ? [
              { type: 'slider', yAxisIndex: 0, right: 10, startValue: 0, endValue: visibleRows - 1, zoomLock: false },
              { type: 'inside', yAxisIndex: 0 },
            ]
          : [],
        visualMap: {
          type: 'piecewise',
          dimension: 2,
          orient: 'horizontal',
          left: 'center',
          bottom: 0,
          pieces: CELL_KINDS.map((label, i) => ({ value: i, label: label, color: CELL_COLORS[i] })),
        },
        series: [
          {
            type: 'heatmap',
            data: cells,
            label: { show: regions.length <= 20, formatter: (p) => p.data.cellLabel, fontSize: 10 },
            itemStyle: { borderColor: '#fff', borderWidth: 1 },
            progressive: 0,
          },
        ],
      });
      show('');
    });
  }

  // ---- 4. Failing assets ---------------------------------------------------------------------------------------------

  function assetFields() {
    return (
      '__typename ... on Asset { id arn name assetType accountId region firstSeenAt lastSeenAt deletedAt }' +
      historyTypes.map((t) => ` ... on ${t} { history(limit: 50) { runId changedAt kind field from to } }`).join('')
    );
  }

  function loadFailing() {
    return ensureControls().then(() => {
      var body = resetSection('failing');
      var stateFilter = h('select', { id: 'asset-state', 'aria-label': 'State' }, [
        h('option', { value: 'FAILING' }, ['failing']),
        h('option', { value: 'EXCEPTED' }, ['excepted']),
      ]);
      var total = h('p', { id: 'failing-total' });
      var accountFilter = h('input', { id: 'asset-account', type: 'search', size: 14, placeholder: 'account id' });
      var regionFilter = h('input', { id: 'asset-region', type: 'search', size: 14, placeholder: 'region' });
      // The account and region the API keeps (README "Dashboard"): an exact account id and an exact region.
      function filterOf() {
        return { accountId: accountFilter.value.trim() || null, region: regionFilter.value.trim() || null };
      }
      body.appendChild(
        h('div', { class: 'filters' }, [
          h('label', {}, [
            'Control ',
            controlPicker(() => {
              loaded.failing = true;
              loadFailing().catch(fail);
            }),
          ]),
          h('label', {}, ['State ', stateFilter]),
          h('label', {}, ['Account ', accountFilter]),
          h('label', {}, ['Region ', regionFilter]),
          h('span', { class: 'hint' }, ['Account and region (exact values) are filters of the API: the pages and the total are those of the filtered list.']),
        ]),
      );
      body.appendChild(total);
      var holder = body.appendChild(h('div', { id: 'failing-table' }));
      var detail = body.appendChild(h('div', { id: 'asset-detail', hidden: true }));
      var control = state.controls.filter((c) => c.id === state.selected)[0];
      if (!control) return;
      var index = state.controls.indexOf(control);
      /** How many assets the list keeps with this filter: the result's count without one, else the API's assetCount. */
      function totalOf(list, filter) {
        if (!filter.accountId && !filter.region) return Promise.resolve(list === 'exceptedAssets' ? control.exceptedCount || 0 : control.failingCount || 0);
        var query =
          'query DashboardFailingCount($offset: Int, $state: ControlAssetState!, $accountId: String, $region: String) { controls(limit: 1, offset: $offset) { assetCount(state: $state, accountId: $accountId, region: $region) } }';
        var vars = { offset: index, state: list === 'exceptedAssets' ? 'EXCEPTED' : 'FAILING', accountId: filter.accountId, region: filter.region };
        return gql(query, vars).then((data) => (data.controls[0] ? data.controls[0].assetCount : 0));
      }
      function describe(count, filter) {
        var within = (filter.accountId ? ` in account ${filter.accountId}` : '') + (filter.region ? ` in ${filter.region}` : '');
        total.textContent = `${count} ${stateFilter.value === 'EXCEPTED' ? 'excepted' : 'failing'} assets of ${control.id}${within} (run ${control.runId})`;
      }
      describe(stateFilter.value === 'EXCEPTED' ? control.exceptedCount || 0 : control.failingCount || 0, filterOf());
      var table = new Tabulator(holder, {
        layout: 'fitColumns',
        pagination: true,
        paginationMode: 'remote',
        columnDefaults: { headerSort: false },
        paginationSize: tableRows(0),
        paginationCounter: 'rows',
        ajaxURL: endpoint,
        ajaxRequestFunc: (_url, _config, params) => {
          var list = stateFilter.value === 'EXCEPTED' ? 'exceptedAssets' : 'failingAssets';
          var filter = filterOf();
          var query =
            'query DashboardFailing($offset: Int, $size: Int, $skip: Int, $accountId: String, $region: String) { controls(limit: 1, offset: $offset) { id ' +
            list +
            '(limit: $size, offset: $skip, accountId: $accountId, region: $region) { id accountId region state exceptionOwner exceptionExpires asset { assetType name deletedAt } } } }';
          var vars = { offset: index, size: params.size, skip: (params.page - 1) * params.size, accountId: filter.accountId, region: filter.region };
          return Promise.all([gql(query, vars), totalOf(list, filter)]).then((answers) => {
            var data = answers[0];
            var count = answers[1];
            var rows = data.controls[0] ? data.controls[0][list] : [];
            describe(count, filter);
            return {
              last_page: Math.max(1, Math.ceil(count / params.size)),
              last_row: count,
              data: rows.map((r) => ({
                id: r.id,
                accountId: r.accountId,
                region: r.region,
                state: r.state,
                assetType: r.asset ? r.asset.assetType : '',
                name: r.asset ? r.asset.name : '',
                exceptionOwner: r.exceptionOwner,
                exceptionExpires: r.exceptionExpires,
                deleted: r.asset?.deletedAt ? 'deleted' : '',
              })),
            };
          });
        },
        placeholder: 'No assets',
        columns: [
          {
            title: 'Asset',
            field: 'id',
            widthGrow: 3,
            formatter: (cell) => h('a', { href: '#failing', 'data-asset': cell.getValue() }, [cell.getValue()]),
            cellClick: (_e, cell) => {
              showAsset(detail, cell.getValue());
            },
          },
          { title: 'Type', field: 'assetType' },
          { title: 'Account', field: 'accountId' },
          { title: 'Region', field: 'region' },
          { title: 'State', field: 'state' },
          { title: 'Exception owner', field: 'exceptionOwner' },
          { title: 'Expires', field: 'exceptionExpires' },
          { title: '', field: 'deleted' },
        ],
      });
      stateFilter.addEventListener('change', () => {
        table.setData();
      });
      // A new filter is a new list: its first page, asked for once the typing pauses.
      var typing = null;
      [accountFilter, regionFilter].forEach((input) => {
        input.addEventListener('input', () => {
          clearTimeout(typing);
          typing = setTimeout(() => {
            table.setPage(1);
          }, 250);
        });
      });
    });
  }

  function showAsset(panel, id) {
    panel.hidden = false;
    panel.textContent = `Loading ${id}…`;
    return gql(`query DashboardAsset($id: ID!) { node(id: $id) { ${assetFields()} } }`, { id: id })
      .then((data) => {
        var node = data.node;
        panel.textContent = '';
        panel.appendChild(h('h3', {}, [id]));
        if (!node) return panel.appendChild(h('p', {}, ['The inventory no longer holds this asset.']));
        var facts = h('dl', { class: 'facts' });
        ['assetType', 'name', 'accountId', 'region', 'firstSeenAt', 'lastSeenAt', 'deletedAt'].forEach((field) => {
          facts.appendChild(h('dt', {}, [field]));
          facts.appendChild(h('dd', { 'data-field': field }, [node[field] === null || node[field] === undefined ? '—' : String(node[field])]));
        });
        panel.appendChild(facts);
        if (!node.history) return panel.appendChild(h('p', {}, [`The API keeps no change history for ${node.__typename}.`]));
        panel.appendChild(h('h4', {}, ['History (newest first)']));
        var table = panel.appendChild(
          h('table', { class: 'history' }, [
            h('thead', {}, [
              h(
                'tr',
                {},
                ['Run', 'When', 'Change', 'Field', 'From', 'To'].map((t) => h('th', {}, [t])),
              ),
            ]),
          ]),
        );
        var rows = table.appendChild(h('tbody'));
        node.history.forEach((change) => {
          rows.appendChild(
            h('tr', {}, [
              h('td', {}, [change.runId]),
              h('td', {}, [when(change.changedAt)]),
              h('td', {}, [change.kind]),
              h('td', {}, [change.field || '']),
              h('td', {}, [change.from === null || change.from === undefined ? '' : JSON.stringify(change.from)]),
              h('td', {}, [change.to === null || change.to === undefined ? '' : JSON.stringify(change.to)]),
            ]),
          );
        });
      })
      .catch(fail);
  }

  // ---- 5. Exceptions -------------------------------------------------------------------------------------------------

  function loadExceptions() {
    // The controls first: reading them learns the server's maximum page size, which the table's page keeps to.
    return ensureControls().then(exceptionsTable);
  }

  function exceptionsTable() {
    var body = resetSection('exceptions');
    var revoked = h('input', { type: 'checkbox', id: 'include-revoked', checked: true });
    body.appendChild(h('div', { class: 'filters' }, [h('label', {}, [revoked, ' include revoked'])]));
    var holder = body.appendChild(h('div', { id: 'exceptions-table' }));
    var today = new Date().toISOString().slice(0, 10);
    var table = new Tabulator(holder, {
      layout: 'fitColumns',
      pagination: true,
      paginationMode: 'remote',
      // A page sorted in the browser would look like an order of the whole list: the API's order is kept.
      columnDefaults: { headerSort: false },
      paginationSize: tableRows(1),
      ajaxURL: endpoint,
      ajaxRequestFunc: (_url, _config, params) => {
        var query =
          'query DashboardExceptions($revoked: Boolean, $limit: Int, $offset: Int) { exceptions(includeRevoked: $revoked, limit: $limit, offset: $offset) { id control asset owner approver reason expires state source createdAt createdBy revokedAt } }';
        return gql(query, { revoked: revoked.checked, limit: params.size + 1, offset: (params.page - 1) * params.size }).then((data) => {
          var rows = data.exceptions;
          return { last_page: rows.length > params.size ? params.page + 1 : params.page, data: rows.slice(0, params.size) };
        });
      },
      placeholder: 'No stored exceptions',
      rowFormatter: (row) => {
        row.getElement().setAttribute('data-exception', row.getData().id);
      },
      columns: [
        { title: 'Control', field: 'control' },
        { title: 'Asset', field: 'asset', widthGrow: 2 },
        { title: 'Owner', field: 'owner' },
        { title: 'Approver', field: 'approver' },
        {
          title: 'Expires',
          field: 'expires',
          formatter: (cell) => {
            var d = cell.getRow().getData();
            return h('span', { class: d.state === 'ACTIVE' && d.expires <= today ? 'soon' : '' }, [cell.getValue()]);
          },
        },
        { title: 'State', field: 'state', formatter: (cell) => h('span', { class: `state ${cell.getValue()}` }, [cell.getValue()]) },
        { title: 'Reason', field: 'reason', widthGrow: 2 },
        { title: 'Revoked', field: 'revokedAt' },
      ],
    });
    revoked.addEventListener('change', () => {
      table.setData();
    });
    return Promise.resolve();
  }

  // ---- 6. Sync status ------------------------------------------------------------------------------------------------

  var SYNC_QUERY =
    'query DashboardSyncRuns($limit: Int, $offset: Int) { syncRuns(limit: $limit, offset: $offset) { id collector status startedAt finishedAt heartbeatAt error { code message } totals { scopesOk scopesSkipped scopesFailed accountsFailed seen new changed deleted } } }';

  function loadSync(offset) {
    offset = offset || 0;
    var body = resetSection('sync');
    show('Loading sync runs…');
    var size = 25;
    return gql(SYNC_QUERY, { limit: size + 1, offset: offset }).then((data) => {
      var now = Date.now();
      var runs = data.syncRuns.slice(0, size);
      var table = body.appendChild(
        h('table', { class: 'runs', id: 'sync-runs' }, [
          h('thead', {}, [
            h(
              'tr',
              {},
              ['Run', 'Collector', 'Status', 'Started', 'Finished', 'Scopes ok/skipped/failed', 'Accounts failed', 'Assets seen/new/changed/deleted', 'Error'].map((t) =>
                h('th', {}, [t]),
              ),
            ),
          ]),
        ]),
      );
      var rows = table.appendChild(h('tbody'));
      runs.forEach((run) => {
        var t = run.totals;
        var fresh =
          run.status === 'RUNNING'
            ? `running ${age(run.startedAt, now)}${run.heartbeatAt ? `, alive ${age(run.heartbeatAt, now)} ago` : ''}`
            : `${age(run.finishedAt, now)} ago`;
        rows.appendChild(
          h('tr', { 'data-sync-run': run.id, class: `status-${run.status}` }, [
            h('td', {}, [run.id]),
            h('td', {}, [run.collector]),
            h('td', { 'data-field': 'status', class: `state ${run.status}` }, [run.status === 'RUNNING' ? 'RUNNING (totals so far)' : run.status]),
            h('td', { class: 'when' }, [when(run.startedAt)]),
            // How fresh: how long ago it finished (the time itself on hover), or how long it has run.
            h('td', { title: when(run.finishedAt) }, [fresh]),
            h('td', { 'data-field': 'scopes' }, [`${t.scopesOk}/${t.scopesSkipped}/${t.scopesFailed}`]),
            h('td', { class: 'num' }, [t.accountsFailed]),
            h('td', { 'data-field': 'assets' }, [`${t.seen}/${t.new}/${t.changed}/${t.deleted}`]),
            h('td', {}, [run.error ? h('div', { class: 'error' }, [`${run.error.code}: ${run.error.message}`]) : '']),
          ]),
        );
      });
      var pager = body.appendChild(h('div', { class: 'pager' }));
      if (offset > 0)
        pager.appendChild(
          h(
            'button',
            {
              type: 'button',
              onclick: () => {
                loadSync(Math.max(0, offset - size)).catch(fail);
              },
            },
            ['Newer'],
          ),
        );
      if (data.syncRuns.length > size)
        pager.appendChild(
          h(
            'button',
            {
              type: 'button',
              onclick: () => {
                loadSync(offset + size).catch(fail);
              },
            },
            ['Older'],
          ),
        );
      show('');
    });
  }

  // ---- Start ---------------------------------------------------------------------------------------------------------

  var loaders = { posture: loadPosture, trend: loadTrend, coverage: loadCoverage, failing: loadFailing, exceptions: loadExceptions, sync: () => loadSync(0) };
  var loaded = {};

  function start() {
    loaded = {};
    state.controls = [];
    buildViews();
    // The first query says whether a token is needed before any view is drawn.
    gql('query DashboardProbe { __typename }')
      .then(() => {
        content.hidden = false;
        tokenForm.hidden = true;
        showView();
      })
      .catch(fail);
  }

  window.addEventListener('resize', () => {
    Object.keys(state.charts).forEach((key) => {
      state.charts[key].resize();
    });
  });
  start();
})();
