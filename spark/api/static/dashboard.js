// Dashboard of the Spark applications of this Jupyter server. Served under {base_url}sparkmonitor/; every URL is
// relative to the page. Text is set with textContent only.
(function () {
  'use strict';
  const apps = new Map();
  const body = document.querySelector('#apps tbody');
  const pastBody = document.querySelector('#past-apps tbody');
  const pastEmpty = document.getElementById('past-empty');
  const fileInput = document.getElementById('eventlog-file');
  const uploadStatus = document.getElementById('eventlog-status');
  const status = document.getElementById('status');
  const empty = document.getElementById('empty');
  const configError = document.getElementById('config-error');
  let retry = 500;

  // The config file's error (api/health "config.error"): a banner while the file is broken. The server fills it in
  // the page already; this keeps it current while the page stays open (a hot reload fixes or breaks it).
  function showConfig(c) {
    if (!c || !c.error) {
      configError.hidden = true;
      configError.textContent = '';
      return;
    }
    const inUse = c.loadedAt ? 'the last good configuration is in use' : 'the defaults are in use';
    configError.textContent =
      `The monitor's config file is broken; ${inUse} until it is fixed (no restart needed).\n${c.error}`;
    configError.hidden = false;
  }

  function checkHealth() {
    fetch('api/health', { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .then((body) => { if (body && body.data) showConfig(body.data.config); })
      .catch(() => {});
  }

  // "1 job", "2 jobs".
  function counted(n, noun) {
    return `${n} ${noun}${n === 1 ? '' : 's'}`;
  }

  function cell(row, cls, text) {
    const td = document.createElement('td');
    td.className = cls;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  // The app's Spark UI, proxied under the monitor (relative to this page: {prefix}ui/{appId}/), in a new tab; none
  // when the app has no UI (uiPath null: no UI, or it ended).
  function uiCell(row, a) {
    const td = cell(row, 'app-ui', '');
    if (!a.uiPath) {
      td.textContent = '—';
      td.className += ' muted';
      td.title = 'No Spark UI (the application ended or has none)';
      return;
    }
    const link = document.createElement('a');
    link.className = 'sm-ui-link';
    link.dataset.kind = 'app';
    link.href = `ui/${encodeURIComponent(a.appId)}/`;
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'Spark UI';
    link.title = `Open the Spark UI of ${a.appName || a.appId} (new tab)`;
    td.appendChild(link);
  }

  // Applications replayed from event logs (source "history" or "upload") are past ones.
  const isPast = (a) => a.source === 'history' || a.source === 'upload';

  function render() {
    body.textContent = '';
    pastBody.textContent = '';
    let live = 0;
    let past = 0;
    for (const a of apps.values()) {
      if (isPast(a)) past++;
      else live++;
    }
    empty.hidden = live > 0;
    pastEmpty.hidden = past > 0;
    for (const a of apps.values()) {
      const tr = document.createElement('tr');
      tr.className = 'app';
      tr.dataset.appId = a.appId;
      tr.dataset.state = a.state;
      cell(tr, 'app-name', a.appName || '');
      cell(tr, 'app-id', a.appId);
      cell(tr, 'app-notebook', a.notebookPath || '');
      cell(tr, 'app-kernel', a.kernelId || '');
      // An app that ended without its application end (its listener went away for good): "driver lost".
      const st = cell(tr, 'app-state', a.driverLost ? 'driver lost' : a.state);
      st.dataset.state = a.driverLost ? 'DRIVER_LOST' : a.state;
      if (a.driverLost) st.title = 'The driver stopped without ending the application: its listener went away and did not come back.';
      const jobs = cell(tr, 'app-jobs',
        `${counted(a.numJobs, 'job')}: ${a.numActiveJobs} running, ${a.numCompletedJobs} succeeded, ${a.numFailedJobs} failed`);
      jobs.dataset.total = a.numJobs;
      jobs.dataset.running = a.numActiveJobs;
      jobs.dataset.succeeded = a.numCompletedJobs;
      jobs.dataset.failed = a.numFailedJobs;
      if (a.evictedJobs > 0) { // the monitor keeps retention.maxJobsPerApp jobs per application
        jobs.textContent += ` (${counted(a.evictedJobs, 'older job')} not kept)`;
        jobs.dataset.evicted = a.evictedJobs;
      }
      cell(tr, 'app-executors', `${counted(a.numExecutors, 'executor')}, ${counted(a.totalCores, 'core')}`);
      cell(tr, 'app-start', a.startTime ? new Date(a.startTime).toLocaleString() : '');
      if (isPast(a)) {
        cell(tr, 'app-source', a.source === 'upload' ? 'opened event log' : 'history');
        pastBody.appendChild(tr);
      } else {
        uiCell(tr, a);
        body.appendChild(tr);
      }
    }
  }

  // Opens a Spark event log: the file goes to api/eventlogs (with the CSRF header every POST needs); its
  // application then arrives through the WebSocket like any other.
  function showUpload(kind, text) {
    uploadStatus.dataset.kind = kind;
    uploadStatus.textContent = text;
  }

  fileInput.addEventListener('change', () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    showUpload('busy', `Opening ${file.name}…`);
    fetch('api/eventlogs', {
      method: 'POST',
      body: file,
      headers: { 'X-Sparkmonitor-Csrf': '1', 'Content-Type': 'application/octet-stream' },
      cache: 'no-store',
    })
      .then((r) => r.json().catch(() => null).then((b) => ({ ok: r.ok, status: r.status, b })))
      .then(({ ok, status, b }) => {
        if (ok && b && b.data) showUpload('ok', `Opened ${file.name}: application ${b.data.appId}`);
        else showUpload('error', `${file.name} was not opened: ${(b && b.error) || `HTTP ${status}`}`);
      })
      .catch((e) => showUpload('error', `${file.name} was not opened: ${e}`))
      .finally(() => { fileInput.value = ''; });
  });

  function connect() {
    const url = new URL('api/ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    ws.onopen = () => { retry = 500; status.textContent = 'Live'; };
    ws.onmessage = (m) => {
      const u = JSON.parse(m.data);
      if (u.type === 'snapshot') apps.clear();
      for (const a of u.apps || []) apps.set(a.appId, a);
      render();
    };
    ws.onclose = () => {
      status.textContent = 'Disconnected from the monitor; reconnecting…';
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }
  render();
  connect();
  checkHealth();
  setInterval(checkHealth, 5000);
})();
