'use strict';
(() => {
  const rank = Object.fromEntries(codebContract.roles.map((role, index) => [role, index]));
  const store = window.sessionStorage;
  let key = store.getItem('codeb.key');
  let events = null;          // the events stream's AbortController
  let logs = null;            // a followed log's AbortController
  let refreshTimer = null;
  let current = null;         // { render, project }
  let showRaw = false;        // the events table shows the planner's actions too
  window.codebConsole = { loadedAt: Date.now(), renders: 0, lastEventAt: 0 };

  // ---- helpers ------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function who() {
    const parts = (key || '').split('_');
    return { team: parts[1] || '?', role: parts[2] || 'viewer' };
  }
  // Whether the key's role may call operation `id`, as the contract declares it.
  const may = (id) => rank[who().role] >= rank[codebContract.operations[id].role];
  function time(iso) {
    if (!iso) return el('span', { class: 'muted' }, '—');
    const date = new Date(iso);
    return el('time', { datetime: iso, title: date.toISOString() }, date.toLocaleString());
  }
  function ago(iso) {
    if (!iso) return '—';
    const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (seconds < 90) return seconds + ' s';
    if (seconds < 5400) return Math.round(seconds / 60) + ' min';
    if (seconds < 129600) return Math.round(seconds / 3600) + ' h';
    return Math.round(seconds / 86400) + ' d';
  }
  function left(iso) {
    if (!iso) return '—';
    const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
    return seconds <= 0 ? 'ending' : ago(new Date(Date.now() - seconds * 1000).toISOString()) + ' left';
  }
  class APIError extends Error { constructor(status, message) { super(message); this.status = status; } }
  // The URL of operation `id`: its path with each {name} filled (encoded), and the query.
  function url(id, parameters = {}, query = {}) {
    const path = codebContract.operations[id].path.replace(/\{([^}]+)\}/g, (_, name) => encodeURIComponent(parameters[name]));
    const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== undefined && value !== null).map(([name, value]) => [name, String(value)]));
    return search.toString() ? path + '?' + search.toString() : path;
  }
  const call = (id, parameters, query, body) => api(codebContract.operations[id].method, url(id, parameters, query), body);
  async function api(method, path, body) {
    const headers = { Authorization: 'Bearer ' + key, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    if (!response.ok) {
      const message = (data && data.error && data.error.message) || ('HTTP ' + response.status);
      if (response.status === 401) signOut('The key was refused: ' + message);
      throw new APIError(response.status, message);
    }
    return data;
  }
  function show(...parts) {
    const view = $('view');
    // Sections that have nothing to show are null; a section may be several nodes.
    const nodes = parts.flat(Infinity).filter((node) => node !== null && node !== undefined && node !== false);
    view.replaceChildren(...nodes);
    window.codebConsole.renders += 1;
    // Since navigation start: what the console benchmark reads as time to first render.
    if (!window.codebConsole.firstRenderAt && nodes.length && current) window.codebConsole.firstRenderAt = performance.now();
  }
  function failure(error) { return el('p', { class: 'notice', role: 'alert' }, String(error.message || error)); }

  // ---- conditions ---------------------------------------------------------------------
  function condition(environment, kind) {
    return ((environment.status && environment.status.conditions) || []).find((c) => c.kind === kind);
  }
  function light(environment) {
    const degraded = condition(environment, 'Degraded'), progressing = condition(environment, 'Progressing'), ready = condition(environment, 'Ready');
    if (degraded && degraded.status) return ['bad', 'degraded: ' + degraded.message];
    if (progressing && progressing.status) return ['progress', 'progressing: ' + progressing.message];
    if (ready && ready.status) return ['ok', 'ready'];
    return ['', 'unknown'];
  }
  const slotOf = (environment, state) => environment.slots.find((s) => s.state === state);

  // ---- sign-in ------------------------------------------------------------------------
  function signOut(message) {
    store.removeItem('codeb.key');
    key = null;
    if (events) { events.abort(); events = null; }
    if (logs) { logs.abort(); logs = null; }
    renderSignIn(message);
  }
  function renderSignIn(message) {
    $('nav').replaceChildren();
    $('who').replaceChildren();
    const input = el('input', { id: 'key', type: 'password', autocomplete: 'off', placeholder: 'codeb_team_role_…', required: true });
    const form = el('form', { class: 'signin', id: 'signin' },
      el('h1', {}, 'Sign in'),
      el('label', { for: 'key' }, 'API key'), input,
      message ? el('p', { class: 'error', role: 'alert', id: 'signin-error' }, message) : null,
      el('button', { class: 'primary', type: 'submit' }, 'Sign in'),
      el('p', { class: 'muted' }, 'The key stays in this tab (session storage) and is sent only to this controller.'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      key = input.value.trim();
      try {
        await call('listProjects');
        store.setItem('codeb.key', key);
        startEvents();
        if (location.hash === '' || location.hash === '#/') route(); else location.hash = '#/';
      } catch (error) {
        if (error.status !== 401) renderSignIn(String(error.message));
      }
    });
    show(form);
    input.focus();
  }
  function renderBar() {
    const links = [el('a', { href: '#/' }, 'Projects')];
    if (may('listKeys')) links.push(el('a', { href: '#/keys' }, 'Keys'));
    if (may('auditLog')) links.push(el('a', { href: '#/audit' }, 'Audit'));
    $('nav').replaceChildren(...links);
    const me = who();
    $('who').replaceChildren(el('span', { id: 'identity' }, me.team + ' · ' + me.role), el('button', { id: 'signout', onclick: () => signOut() }, 'Sign out'));
  }

  // ---- live ---------------------------------------------------------------------------
  // Server-Sent Events read with fetch (an EventSource cannot send the key as a header):
  // calls onEvent({event, data, id}) per event until the stream ends or is aborted.
  async function serverSentEvents(path, controller, onEvent) {
    const response = await fetch(path, { headers: { Authorization: 'Bearer ' + key, Accept: 'text/event-stream' }, signal: controller.signal });
    if (!response.ok || !response.body) throw new Error('HTTP ' + response.status);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = { event: null, data: '', id: null };
        for (const line of buffer.slice(0, end).split('\n')) {
          if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) event.data += (event.data ? '\n' : '') + line.slice(6);
          else if (line.startsWith('id: ')) event.id = line.slice(4);
        }
        buffer = buffer.slice(end + 2);
        // A comment alone (the server's heartbeat) is no event.
        if (event.event !== null || event.data !== '') onEvent(event);
      }
    }
  }

  async function startEvents() {
    if (events) events.abort();
    const controller = new AbortController();
    events = controller;
    try {
      await serverSentEvents(url('recentEvents', {}, { follow: '1' }), controller, (event) => {
        if (event.data) { try { onEvent(JSON.parse(event.data)); } catch (e) { /* a line that is not JSON is skipped */ } }
      });
    } catch (error) {
      if (controller.signal.aborted) return;
    }
    // The stream ended (a controller restart): reconnect after a pause.
    if (events === controller && key) setTimeout(() => { if (events === controller) startEvents(); }, 2000);
  }
  function onEvent(event) {
    window.codebConsole.lastEventAt = Date.now();
    const project = event.key && (event.key.project || String(event.key).split('/')[0]);
    if (!current || (current.project && project && current.project !== project)) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => { if (current) current.render(true); }, 120);
  }

  // ---- pages --------------------------------------------------------------------------
  async function renderProjects() {
    current = { render: renderProjects, project: null };
    let projects;
    try { projects = await call('listProjects'); } catch (error) { return show(failure(error)); }
    const cards = projects.map((project) => el('section', { class: 'card', 'data-project': project.project },
      el('h3', {}, el('a', { href: '#/p/' + encodeURIComponent(project.project) + '/' + encodeURIComponent((project.environments[0] || {}).environment || 'production') }, project.project)),
      project.environments.map((environment) => {
        const [color, title] = light(environment);
        const active = slotOf(environment, 'active');
        return el('div', { class: 'env', 'data-environment': environment.environment },
          el('span', { class: 'light ' + color, title, role: 'img', 'aria-label': title }),
          el('a', { href: '#/p/' + encodeURIComponent(project.project) + '/' + encodeURIComponent(environment.environment) }, environment.environment),
          active ? el('span', { class: 'live' }, 'r' + active.revision) : el('span', { class: 'muted' }, 'not live'),
          active ? el('code', {}, environment.images[active.slot] || '') : null);
      })));
    show(el('h1', {}, 'Projects'), projects.length ? el('div', { class: 'grid', id: 'projects' }, cards)
      : el('p', { class: 'muted', id: 'projects' }, 'No projects yet: apply a codeb.yaml with `codeb apply -f codeb.yaml`.'));
  }

  function rolloutCard(environment) {
    const latest = environment.generation;
    const failed = environment.slots.find((s) => s.state === 'failed' && s.revision === latest);
    const rolling = environment.slots.find((s) => s.state === 'deployed' && s.revision === latest);
    const live = environment.slots.find((s) => s.state === 'active' && s.revision === latest);
    if (failed && failed.failureReason === 'Reverted') return el('section', { class: 'card rollout failed', id: 'rollout', 'data-phase': 'reverted' },
      el('h3', {}, 'Revision ' + latest + ' reverted by its bake'), el('p', {}, failed.failure));
    if (failed) return el('section', { class: 'card rollout failed', id: 'rollout', 'data-phase': 'failed' },
      el('h3', {}, 'Revision ' + latest + ' failed'), el('p', {}, failed.failure || 'no reason recorded'));
    if (rolling) {
      const threshold = environment.healthyThreshold || 1;
      const waiting = environment.promote === 'manual' && rolling.healthyStreak >= threshold;
      return el('section', { class: 'card rollout', id: 'rollout', 'data-phase': waiting ? 'waiting' : 'health' },
        el('h3', {}, 'Rolling out revision ' + latest),
        el('p', {}, rolling.pulling ? rolling.pulling : waiting ? 'healthy, waiting for promotion' : 'health ' + rolling.healthyStreak + '/' + threshold),
        rolling.lastProbe ? el('p', { class: 'muted' }, 'last probe: ' + rolling.lastProbe) : null);
    }
    if (live && live.bakeUntil) return el('section', { class: 'card rollout', id: 'rollout', 'data-phase': 'baking' },
      el('h3', {}, 'Live: revision ' + latest + ', baking'), el('p', { class: 'muted' }, 'on ' + live.slot + ', port ' + live.port + '; watched until ' + new Date(live.bakeUntil).toLocaleTimeString()));
    if (live) return el('section', { class: 'card rollout live', id: 'rollout', 'data-phase': 'live' },
      el('h3', {}, 'Live: revision ' + latest), el('p', { class: 'muted' }, 'on ' + live.slot + ', port ' + live.port));
    return null;
  }

  function slotCard(environment, slot) {
    const image = environment.images[slot.slot];
    return el('section', { class: 'card', 'data-slot': slot.slot, 'data-state': slot.state },
      el('h3', {}, slot.slot, el('span', { class: 'badge ' + slot.state }, slot.state)),
      el('dl', { class: 'facts' },
        el('dt', {}, 'revision'), el('dd', {}, slot.revision ? 'r' + slot.revision : '—'),
        el('dt', {}, 'image'), el('dd', {}, image ? el('code', {}, image) : '—'),
        el('dt', {}, 'health'), el('dd', {}, slot.state === 'empty' ? '—' : (slot.lastProbe || 'not probed yet') + ' (' + slot.healthyStreak + ' in a row)'),
        el('dt', {}, 'age'), el('dd', {}, slot.deployedAt ? el('span', { title: new Date(slot.deployedAt).toISOString() }, ago(slot.deployedAt)) : '—'),
        el('dt', {}, 'grace'), el('dd', {}, slot.state === 'grace' ? left(slot.graceUntil) : '—'),
        el('dt', {}, 'port'), el('dd', {}, String(slot.port)),
        environment.previews && environment.previews[slot.slot] ? [el('dt', {}, 'preview'),
          el('dd', {}, el('a', { href: 'https://' + environment.previews[slot.slot] + '/', rel: 'noreferrer', target: '_blank', class: 'preview' }, environment.previews[slot.slot]))] : null,
        slot.failure ? [el('dt', {}, 'failure'), el('dd', { class: 'error' }, slot.failure)] : null));
  }

  // What Caddy serves over HTTPS per live hostname: issuer, end and days left — red when it
  // does not verify or ends within 14 days (Caddy renews 30 days ahead).
  // Backing services: state, volume, newest backup; back up now, restore (typed confirmation).
  function servicesSection(project, environment) {
    const services = environment.services || [];
    if (!services.length) return null;
    const target = (s) => ({ project, environment: environment.environment, service: s.name });
    const rows = services.map((s) => el('tr', { 'data-service': s.name, class: s.problem || s.restoreFailure ? 'error' : '' },
      el('td', {}, el('code', {}, s.name)),
      el('td', {}, el('code', {}, s.image)),
      el('td', { class: 'state' }, s.problem || (s.restoring ? (s.restoreFailure ? 'restore of ' + s.restoring + ': ' + s.restoreFailure : 'restoring ' + s.restoring) : s.state)),
      el('td', {}, s.volume ? [el('code', {}, s.volume), s.volumeBytes !== undefined ? ' (' + (s.volumeBytes / 1e6).toFixed(1) + ' MB)' : ''] : '—'),
      el('td', { class: 'backup' }, s.lastBackup ? [time(s.lastBackup), ' (' + s.backups + ' kept)'] : (s.volume ? 'none' : '—')),
      el('td', {}, s.volume && may('createBackup') ? el('button', { 'data-action': 'backup', onclick: () => act('createBackup', target(s)) }, 'Back up now') : null,
        s.volume && s.lastBackupID && may('restoreBackup') ? el('button', { class: 'danger', 'data-action': 'restore', onclick: () => confirmRestore(target(s), s) }, 'Restore…') : null)));
    return [el('h2', {}, 'Services'), el('div', { class: 'scroll' }, el('table', { id: 'services' },
      el('thead', {}, el('tr', {}, el('th', {}, 'service'), el('th', {}, 'image'), el('th', {}, 'state'), el('th', {}, 'volume'), el('th', {}, 'last backup'), el('th', {}, ''))),
      el('tbody', {}, rows)))];
  }

  function confirmRestore(target, service) {
    const expected = target.project + '/' + target.environment + '/' + target.service;
    typedConfirm('Restore ' + expected + ' from its backup ' + service.lastBackupID + '?',
      'Its data is replaced by the backup\'s: what was written since is lost. The service is stopped meanwhile.', expected,
      () => act('restoreBackup', target, { backup: service.lastBackupID }));
  }

  // The confirm dialog, enabled only once `expected` is typed; then `confirmed()`.
  function typedConfirm(title, text, expected, confirmed) {
    const dialog = $('confirm'), input = $('confirm-input'), ok = $('confirm-ok');
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-label').textContent = 'Type ' + expected + ' to confirm';
    input.value = '';
    ok.disabled = true;
    input.oninput = () => { ok.disabled = input.value !== expected; };
    $('confirm-cancel').onclick = () => dialog.close();
    $('confirm-form').onsubmit = async (event) => {
      event.preventDefault();
      if (input.value !== expected) return;
      dialog.close();
      await confirmed();
    };
    dialog.showModal();
    input.focus();
  }

  function certificateSection(environment) {
    const certificates = (environment.status && environment.status.certificates) || [];
    if (!certificates.length) return null;
    const rows = certificates.map((c) => {
      const days = c.notAfter ? Math.floor((new Date(c.notAfter).getTime() - Date.now()) / 86400000) : null;
      const bad = !c.verified || days === null || days < 14;
      return el('tr', { 'data-domain': c.domain, class: bad ? 'error' : '' },
        el('td', {}, el('code', {}, c.domain)),
        el('td', {}, c.verified ? (c.issuer || 'verified') : 'none that verifies' + (c.issuer ? ' (served: ' + c.issuer + ')' : '') + ': ' + (c.problem || '')),
        el('td', {}, c.notAfter ? time(c.notAfter) : '—'),
        el('td', { class: 'days' }, days === null ? '—' : days < 0 ? 'expired' : days + (days === 1 ? ' day' : ' days')));
    });
    return [el('h2', {}, 'Certificates'), el('div', { class: 'scroll' }, el('table', { id: 'certificates' },
      el('thead', {}, el('tr', {}, el('th', {}, 'domain'), el('th', {}, 'issuer'), el('th', {}, 'ends'), el('th', {}, 'left'))),
      el('tbody', {}, rows)))];
  }

  // SVG nodes (the chart): made like `el`, in the SVG namespace; colours come from the CSS.
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // Requests (and, in red, server errors) per minute for the last hour, per slot, with the
  // moments a slot took traffic marked; a baking slot's numbers since its switch beside its bars.
  function trafficSection(environment) {
    const slots = environment.slots.filter((s) => s.traffic);
    if (!slots.length) return null;
    const width = 600, height = 120, top = 8, bottom = 18;
    const charts = slots.map((slot) => {
      const minutes = slot.traffic.minutes;
      const start = minutes.length ? new Date(minutes[0].start).getTime() : Date.now() - 3600000;
      const span = 60 * 60000, peak = Math.max(1, ...minutes.map((m) => m.requests));
      const x = (t) => Math.max(0, Math.min(width, (t - start) / span * width));
      const y = (n) => top + (height - top - bottom) * (1 - n / peak);
      const bar = width / 60 - 1;
      const bars = minutes.map((m) => {
        const left = x(new Date(m.start).getTime());
        return [
          m.requests ? svg('rect', { class: 'requests', x: left.toFixed(1), y: y(m.requests).toFixed(1), width: bar.toFixed(1), height: (y(0) - y(m.requests)).toFixed(1) },
            svg('title', {}, new Date(m.start).toLocaleTimeString() + ': ' + m.requests + ' requests, ' + m.serverErrors + ' 5xx')) : null,
          m.serverErrors ? svg('rect', { class: 'errors', x: left.toFixed(1), y: y(m.serverErrors).toFixed(1), width: bar.toFixed(1), height: (y(0) - y(m.serverErrors)).toFixed(1) }) : null,
        ];
      });
      const switched = environment.slots.filter((s) => s.promotedAt && new Date(s.promotedAt).getTime() >= start)
        .sort((a, b) => new Date(a.promotedAt) - new Date(b.promotedAt));
      const switches = switched.map((s) => {
        const at = x(new Date(s.promotedAt).getTime());
        return svg('g', { class: 'switch' }, svg('line', { x1: at, x2: at, y1: 0, y2: height - bottom }),
          svg('title', {}, s.slot + ' took traffic at ' + new Date(s.promotedAt).toLocaleTimeString()));
      });
      const last = slot.traffic.lastMinute;
      return el('figure', { class: 'card chart', 'data-slot': slot.slot },
        el('figcaption', {}, el('strong', {}, slot.slot), ' — last minute: ', (last.requests / 60).toFixed(1), ' req/s, ',
          last.requests ? (last.serverErrors * 100 / last.requests).toFixed(1) + '% 5xx' : 'no requests',
          last.p95Milliseconds !== undefined ? ', p95 ' + last.p95Milliseconds + ' ms' : ''),
        svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'Requests per minute on ' + slot.slot + ' for the last hour' },
          svg('line', { class: 'axis', x1: 0, x2: width, y1: y(0), y2: y(0) }),
          bars, switches,
          svg('text', { class: 'axis', x: 0, y: height - 4 }, '60 min ago'), svg('text', { class: 'axis', x: width, y: height - 4, 'text-anchor': 'end' }, 'now'),
          svg('text', { class: 'axis', x: 0, y: top + 2 }, peak + ' requests/min')),
        switched.length ? el('p', { class: 'muted switches' }, 'switches (dashed): ', switched.map((s, i) => [i ? ', ' : '', s.slot + ' at ' + new Date(s.promotedAt).toLocaleTimeString()])) : null,
        bakeLine(environment, slot));
    });
    return [el('h2', {}, 'Traffic'), el('div', { class: 'charts', id: 'traffic' }, charts)];
  }

  function bakeLine(environment, slot) {
    const bake = environment.bake, since = slot.traffic && slot.traffic.sinceSwitch;
    if (!slot.bakeUntil || !since || !bake) return null;
    const share = since.requests ? since.serverErrors * 100 / since.requests : 0;
    const over = since.requests >= bake.minRequests && share > parseFloat(bake.maxErrorRate);
    return el('p', { class: 'bake' + (over ? ' error' : ''), id: 'bake' },
      'Baking, ' + left(slot.bakeUntil) + ': ', since.requests + ' requests',
      since.requests < bake.minRequests ? ' (judged from ' + bake.minRequests + ')' : '',
      ', ' + share.toFixed(1) + '% 5xx (bar ' + bake.maxErrorRate + ')',
      since.p95Milliseconds !== undefined ? ', p95 ' + since.p95Milliseconds + ' ms' + (bake.maxP95 ? ' (bar ' + bake.maxP95 + ')' : '') : '');
  }

  function actionButtons(project, environment) {
    const target = { project, environment: environment.environment };
    const buttons = [];
    const waiting = environment.slots.find((s) => s.state === 'deployed' && s.revision === environment.generation && s.healthyStreak >= (environment.healthyThreshold || 1));
    if (environment.promote === 'manual' && waiting && may('promote')) buttons.push(el('button', { class: 'primary', 'data-action': 'promote', onclick: () => act('promote', target) }, 'Promote'));
    if (slotOf(environment, 'grace') && may('rollback')) buttons.push(el('button', { 'data-action': 'rollback', onclick: () => act('rollback', target) }, 'Roll back to r' + slotOf(environment, 'grace').revision));
    if (may('setMaintenance')) {
      buttons.push(environment.maintenance
        ? el('button', { 'data-action': 'maintenance-off', onclick: () => act('clearMaintenance', target) }, 'End maintenance')
        : el('button', { 'data-action': 'maintenance-on', onclick: () => askMaintenance(target) }, 'Maintenance…'));
    }
    if (may('deleteEnvironment')) buttons.push(el('button', { class: 'danger', 'data-action': 'delete', onclick: () => confirmDelete(target, false) }, 'Delete…'));
    if (may('deleteEnvironment') && (environment.services || []).some((s) => s.volume)) {
      buttons.push(el('button', { class: 'danger', 'data-action': 'delete-purge', onclick: () => confirmDelete(target, true) }, 'Delete with its data…'));
    }
    return buttons.length ? el('div', { class: 'actions', id: 'actions' }, buttons) : null;
  }

  async function act(id, target, body, query) {
    const status = $('action-status');
    try {
      await call(id, target, query, body);
      if (status) status.textContent = 'Accepted; the page follows the controller.';
      if (current) current.render(true);
    } catch (error) {
      if (status) status.textContent = String(error.message);
    }
  }

  // The confirm dialog, asking for the message users will read while the site answers 503.
  function askMaintenance(target) {
    const dialog = $('confirm'), input = $('confirm-input'), ok = $('confirm-ok');
    $('confirm-title').textContent = 'Put ' + target.project + '/' + target.environment + ' in maintenance?';
    $('confirm-text').textContent = 'Its domains answer 503 with this message; the containers keep running.';
    $('confirm-label').textContent = 'Message (one line, no braces or quotes)';
    input.value = 'This site is down for maintenance. Please try again shortly.';
    ok.disabled = false;
    input.oninput = () => { ok.disabled = !input.value.trim(); };
    $('confirm-cancel').onclick = () => dialog.close();
    $('confirm-form').onsubmit = async (event) => {
      event.preventDefault();
      dialog.close();
      await act('setMaintenance', target, { message: input.value.trim() });
    };
    dialog.showModal();
    input.focus();
  }

  // Typed confirmations: the environment's name, and `purge …` to remove its services' data too.
  function confirmDelete(target, purge) {
    const name = target.project + '/' + target.environment;
    typedConfirm('Delete ' + name + (purge ? ' and its services\' data?' : '?'),
      purge
        ? 'Its containers, site and ports are released, and its backing services\' volumes are removed with their data. Backups stay. This cannot be undone.'
        : 'Its containers, site and ports are released; its backing services\' volumes are kept for a later apply. This cannot be undone.',
      purge ? 'purge ' + name : name,
      async () => {
        await act('deleteEnvironment', target, undefined, purge ? { purge_data: '1' } : undefined);
        location.hash = '#/';
      });
  }

  async function renderEnvironment(project, name, refreshing) {
    current = { render: (again) => renderEnvironment(project, name, again), project };
    let view, history, recent;
    try {
      [view, history, recent] = await Promise.all([
        call('projectStatus', { project }),
        call('history', { project, environment: name }),
        call('recentEvents', {}, { project }),
      ]);
    } catch (error) { return show(failure(error)); }
    const environment = view.environments.find((e) => e.environment === name);
    if (!environment) return show(failure(new Error(project + ' has no environment ' + name)));
    const [color, title] = light(environment);
    const tabs = view.environments.map((e) => el('a', { href: '#/p/' + encodeURIComponent(project) + '/' + encodeURIComponent(e.environment), 'aria-current': e.environment === name ? 'page' : null }, e.environment));
    const logPanel = may('logs') ? logSection(project, name, refreshing) : null;
    show(
      el('h1', {}, el('span', { class: 'light ' + color, title, role: 'img', 'aria-label': title }), ' ', project + ' / ' + name),
      el('nav', { class: 'actions', 'aria-label': 'Environments' }, tabs, may('secretsSet') ? el('a', { href: '#/p/' + encodeURIComponent(project) + '/' + encodeURIComponent(name) + '/secrets' }, 'Secrets') : null),
      environment.domains.length ? el('p', {}, environment.domains.map((d) => [el('code', {}, d), ' '])) : null,
      environment.maintenance ? el('section', { class: 'card rollout failed', id: 'maintenance' },
        el('h3', {}, 'In maintenance'), el('p', {}, 'Users get 503: “' + environment.maintenance.message + '” (Retry-After ' + environment.maintenance.retryAfter + ' s)'),
        el('p', { class: 'muted' }, 'since ', time(environment.maintenance.since), ', by ' + environment.maintenance.by)) : null,
      rolloutCard(environment),
      actionButtons(project, environment),
      el('p', { id: 'action-status', class: 'muted', role: 'status' }),
      el('h2', {}, 'Slots'), el('div', { class: 'grid', id: 'slots' }, environment.slots.map((slot) => slotCard(environment, slot))),
      trafficSection(environment),
      servicesSection(project, environment),
      certificateSection(environment),
      el('h2', {}, 'History'),
      el('div', { class: 'scroll' }, el('table', { id: 'history' },
        el('thead', {}, el('tr', {}, el('th', {}, 'revision'), el('th', {}, 'image'), el('th', {}, 'source'), el('th', {}, 'author'), el('th', {}, 'when'))),
        el('tbody', {}, history.map((r) => el('tr', { class: r.reverted ? 'reverted' : null }, el('td', {}, 'r' + r.number), el('td', {}, el('code', {}, r.image)),
          el('td', {}, r.source + (r.rollbackOf ? ' of r' + r.rollbackOf : ''), r.reverted ? el('div', { class: 'error' }, r.reverted) : null),
          el('td', {}, r.author), el('td', {}, time(r.createdAt))))))),
      el('h2', {}, 'Recent events'),
      el('label', { class: 'muted' }, el('input', { type: 'checkbox', id: 'raw-events', class: 'toggle', checked: showRaw,
        onchange: (event) => { showRaw = event.target.checked; if (current) current.render(true); } }), ' planner actions'),
      el('div', { class: 'scroll' }, el('table', { id: 'events' },
        el('tbody', {}, recent.filter((e) => (!e.key || e.key.environment === undefined || e.key.environment === name) && (showRaw || !e.raw)).slice(-15).reverse()
          .map((e) => el('tr', { class: e.raw ? 'raw' : null }, el('td', {}, time(e.time)), el('td', { class: e.level === 'warning' ? 'error' : '' }, e.message)))))),
      logPanel);
  }

  function logSection(project, name, refreshing) {
    const existing = $('logs-section');
    if (refreshing && existing && logs) return existing;   // a followed log keeps streaming
    if (logs) { logs.abort(); logs = null; }
    const pre = el('pre', { class: 'logs', id: 'logs' }, 'Loading…');
    const target = { project, environment: name };
    const follow = el('button', { id: 'follow', onclick: () => followLogs(target, pre, follow) }, 'Follow');
    fetch(url('logs', target, { tail: 100 }), { headers: { Authorization: 'Bearer ' + key } }).then(async (response) => {
      const text = await response.text();
      const lines = text.split('\n').filter(Boolean);
      pre.replaceChildren(...(!response.ok ? [document.createTextNode(response.status === 404 ? 'no container to read' : 'HTTP ' + response.status)]
        : lines.length ? lines.map(logLine) : [document.createTextNode('(the container has printed nothing)')]));
    }).catch(() => { pre.textContent = 'the logs could not be read'; });
    return el('section', { id: 'logs-section' }, el('h2', {}, 'Logs ', follow), pre);
  }
  function logLine(line) {
    const bar = line.indexOf('|');
    const stream = bar > 0 ? line.slice(0, bar) : 'stdout';
    return el('div', { class: stream }, bar > 0 ? line.slice(bar + 1) : line);
  }
  async function followLogs(target, pre, button) {
    if (logs) { logs.abort(); logs = null; button.textContent = 'Follow'; return; }
    const controller = new AbortController();
    logs = controller;
    button.textContent = 'Stop';
    pre.replaceChildren();
    try {
      await serverSentEvents(url('logs', target, { tail: 50 }), controller, (event) => {
        pre.append(el('div', { class: event.event || 'stdout' }, event.data));
        while (pre.childNodes.length > 1000) pre.firstChild.remove();
        pre.scrollTop = pre.scrollHeight;
      });
    } catch (error) { /* stopped */ }
    if (logs === controller) { logs = null; button.textContent = 'Follow'; }
  }

  async function renderSecrets(project, name) {
    current = { render: () => renderSecrets(project, name), project };
    let secrets;
    try { secrets = await call('secretsList', { project }); } catch (error) { return show(failure(error)); }
    show(el('h1', {}, project + ' — secrets'),
      el('p', {}, el('a', { href: '#/p/' + encodeURIComponent(project) + '/' + encodeURIComponent(name) }, '← ' + name)),
      el('p', { class: 'muted' }, 'Names and versions only: no value ever leaves the controller.'),
      el('div', { class: 'scroll' }, el('table', { id: 'secrets' },
        el('thead', {}, el('tr', {}, el('th', {}, 'name'), el('th', {}, 'environment'), el('th', {}, 'version'), el('th', {}, 'set by'), el('th', {}, 'when'))),
        el('tbody', {}, (secrets.secrets || secrets).map((s) => el('tr', {}, el('td', {}, el('code', {}, s.name)), el('td', {}, s.environment || 'every'),
          el('td', {}, String(s.version)), el('td', {}, s.setBy || s.author || ''), el('td', {}, time(s.setAt || s.at))))))));
  }

  async function renderKeys() {
    current = { render: renderKeys, project: null };
    let keys;
    try { keys = await call('listKeys'); } catch (error) { return show(failure(error)); }
    show(el('h1', {}, 'Keys'), el('div', { class: 'scroll' }, el('table', { id: 'keys' },
      el('thead', {}, el('tr', {}, el('th', {}, 'id'), el('th', {}, 'role'), el('th', {}, 'name'), el('th', {}, 'created by'), el('th', {}, 'created'), el('th', {}, 'revoked'))),
      el('tbody', {}, keys.map((k) => el('tr', {}, el('td', {}, el('code', {}, k.id)), el('td', {}, k.role), el('td', {}, k.name || ''),
        el('td', {}, k.createdBy || ''), el('td', {}, time(k.createdAt)), el('td', {}, k.revokedAt ? time(k.revokedAt) : '—')))))));
  }

  async function renderAudit() {
    current = { render: renderAudit, project: null };
    let entries;
    try { entries = await call('auditLog', {}, { limit: 200 }); } catch (error) { return show(failure(error)); }
    show(el('h1', {}, 'Audit log'), el('div', { class: 'scroll' }, el('table', { id: 'audit' },
      el('thead', {}, el('tr', {}, el('th', {}, 'when'), el('th', {}, 'action'), el('th', {}, 'target'), el('th', {}, 'result'), el('th', {}, 'key'), el('th', {}, 'detail'))),
      el('tbody', {}, entries.slice().reverse().map((a) => el('tr', {}, el('td', {}, time(a.time || a.at)), el('td', {}, a.action), el('td', {}, a.target),
        el('td', { class: a.result === 'ok' ? '' : 'error' }, a.result), el('td', {}, el('code', {}, a.keyID || a.keyId || '')), el('td', {}, a.detail || '')))))));
  }

  // ---- routing ------------------------------------------------------------------------
  function route() {
    if (!key) return renderSignIn();
    renderBar();
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    if (logs && !(parts[0] === 'p' && parts.length === 3)) { logs.abort(); logs = null; }
    if (parts[0] === 'p' && parts[1] && parts[2] && parts[3] === 'secrets' && may('secretsSet')) return renderSecrets(parts[1], parts[2]);
    if (parts[0] === 'p' && parts[1] && parts[2]) return renderEnvironment(parts[1], parts[2], false);
    if (parts[0] === 'keys' && may('listKeys')) return renderKeys();
    if (parts[0] === 'audit' && may('auditLog')) return renderAudit();
    return renderProjects();
  }
  window.addEventListener('hashchange', route);
  document.addEventListener('DOMContentLoaded', () => {
    if (key) startEvents();
    route();
  });
})();
