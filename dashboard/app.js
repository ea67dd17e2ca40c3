// leadledger dashboard: reads the site's API (/api/v1/sites/<site>/...) with
// the token given in the link's fragment (#site=ID&token=...), which never
// reaches a server log; the token is kept in this tab's sessionStorage.
// No build step, no external requests.
'use strict';

const CHANNELS = ['website', 'google', 'social', 'repeat_customer', 'ai_phone', 'referral', 'direct', 'unknown'];
const LABELS = {
  website: 'Website', google: 'Google', social: 'Social', repeat_customer: 'Repeat customer',
  ai_phone: 'AI phone', referral: 'Referral', direct: 'Direct', unknown: 'Unknown',
};
const PAGE = 25;

const state = { site: '', token: '', query: 'days=30', model: 'last', jobsOffset: 0, customersOffset: 0, generation: 0 };

const $ = (id) => document.getElementById(id);

function money(cents) {
  return (cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' });
}

function moneyShort(cents) {
  const d = cents / 100;
  if (Math.abs(d) >= 1e6) return '$' + (d / 1e6).toFixed(1) + 'M';
  if (Math.abs(d) >= 1e3) return '$' + (d / 1e3).toFixed(d >= 1e4 ? 0 : 1) + 'k';
  return '$' + d.toFixed(0);
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k === 'style') e.style.cssText = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
}

function swatch(ch) {
  return el('span', { class: 'swatch', style: `background: var(--ch-${ch})`, 'aria-hidden': 'true' });
}

async function api(path) {
  const res = await fetch(`/api/v1/sites/${encodeURIComponent(state.site)}${path}`, {
    headers: { Authorization: `Bearer ${state.token}` }, cache: 'no-store', credentials: 'omit',
  });
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) {
    const err = new Error(res.status === 404 ? 'This site is not available with this token.'
      : (body && body.error) || `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

function showError(e) {
  $('error').textContent = e.message;
  $('error').hidden = false;
  if (e.status === 404) {
    sessionStorage.removeItem('leadledger');
    showLogin();
  }
}

function age(seconds) {
  if (seconds == null) return 'never';
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

const CRM_NAMES = { housecallpro: 'Housecall Pro', jobber: 'Jobber', servicetitan: 'ServiceTitan' };

// Connect (or reconnect) an OAuth CRM: the server mints a single-use state
// and answers the CRM's consent page, which sends the browser back to
// leadledgerd's /oauth/callback.
async function connect(provider) {
  try {
    const r = await api(`/connect?provider=${encodeURIComponent(provider)}`);
    location.assign(r.url);
  } catch (e) {
    showError(e);
  }
}

function renderConnections(data) {
  const byProvider = new Map();
  for (const s of data.integrations) {
    if (!byProvider.has(s.provider)) byProvider.set(s.provider, []);
    byProvider.get(s.provider).push(s);
  }
  const box = $('connections');
  box.replaceChildren();
  for (const [provider, streams] of byProvider) {
    const bad = streams.find((s) => s.state === 'attention' || s.state === 'disabled' || s.state === 'reconnect');
    const stale = streams.some((s) => s.stale);
    const badge = bad ? el('span', { class: 'badge attention' }, bad.state === 'disabled' ? 'disabled'
      : bad.state === 'reconnect' ? 'reconnect' : 'needs attention')
      : stale ? el('span', { class: 'badge stale' }, 'stale')
      : el('span', { class: 'badge ok' }, 'fresh');
    const list = el('ul');
    for (const s of streams) {
      list.append(el('li', {}, `${s.stream || 'not synced yet'}: ${s.jobs !== undefined && s.stream === 'jobs' ? s.jobs + ' rows, ' : ''}` +
        `synced ${age(s.age_seconds)}${s.last_error ? ' (error: ' + s.last_error + ')' : ''}`));
    }
    if (bad && bad.needs_attention) list.append(el('li', {}, `Needs attention: ${bad.needs_attention}`));
    const card = el('div', { class: 'card conn', 'data-provider': provider },
      el('h3', {}, `${CRM_NAMES[provider] || provider} `, badge), list);
    if ((data.connectable || []).includes(provider)) {
      const button = el('button', { type: 'button', class: 'connect' },
        bad && bad.state === 'reconnect' ? 'Reconnect' : 'Connect again');
      button.addEventListener('click', () => connect(provider));
      card.append(button);
    }
    box.append(card);
  }
  if (!byProvider.size) box.append(el('div', { class: 'card' }, 'No CRM connected yet.'));
}

// Change against the previous window, as a signed percentage.
function change(now, before) {
  if (!before) return { text: '–', cls: '' };
  const pct = 100 * (now - before) / before;
  return { text: `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`, cls: pct >= 0 ? 'up' : 'down' };
}

const dash = (v, f) => (v == null ? '–' : f(v));
const pct = (ratio) => dash(ratio, (x) => `${(100 * Number(x)).toFixed(0)}%`);

// Channels with spend, best return first: ROAS descending, then cost per
// job ascending; spend without jobs last.
function renderWorth(r) {
  const spent = r.categories.filter((c) => c.spend_cents > 0).sort((a, b) =>
    (Number(b.roas) - Number(a.roas)) ||
    ((a.cost_per_job_cents ?? Infinity) - (b.cost_per_job_cents ?? Infinity)));
  const body = $('worth').tBodies[0];
  body.replaceChildren(...spent.map((c, i) => {
    const verdict = c.spend_without_jobs ? ['spend without jobs', 'verdict-bad']
      : Number(c.roas) >= 1 ? ['paid for itself', 'verdict-good'] : ['did not pay back', 'verdict-bad'];
    return el('tr', { 'data-channel': c.category },
      el('td', {}, i + 1), el('th', { scope: 'row' }, swatch(c.category), LABELS[c.category]),
      el('td', { class: 'num', 'data-spend': c.spend_cents }, money(c.spend_cents)),
      el('td', { class: 'num' }, money(c.revenue_cents)),
      el('td', { class: 'num', 'data-roas': c.roas ?? '' }, dash(c.roas, (x) => x)),
      el('td', { class: 'num', 'data-cost-per-job': c.cost_per_job_cents ?? '' }, dash(c.cost_per_job_cents, money)),
      el('td', { class: 'num' }, dash(c.cost_per_new_customer_cents, money)),
      el('td', { class: verdict[1] }, verdict[0]));
  }));
  if (!spent.length) {
    body.append(el('tr', {}, el('td', { colspan: 8 },
      'No spend entered for this window. Enter it with leadledger spend set or spend import.')));
  }
}

function renderFunnel(r) {
  const body = $('funnel').tBodies[0];
  body.replaceChildren(...[...r.categories, { ...r.total, category: 'total' }].map((c) => {
    const ch = change(c.revenue_cents, c.previous.revenue_cents);
    const name = c.category === 'total' ? el('th', { scope: 'row' }, 'Total')
      : el('th', { scope: 'row' }, swatch(c.category), LABELS[c.category]);
    return el('tr', { 'data-channel': c.category }, name,
      el('td', { class: 'num', 'data-new': c.new_customer_jobs }, c.new_customer_jobs.toLocaleString('en-US')),
      el('td', { class: 'num', 'data-repeat': c.repeat_jobs }, c.repeat_jobs.toLocaleString('en-US')),
      el('td', { class: 'num' }, money(c.repeat_revenue_cents)),
      el('td', { class: 'num', 'data-won': c.estimates_won }, `${c.estimates_won} of ${c.estimates_given}`),
      el('td', { class: 'num', 'data-close': c.close_rate ?? '' }, pct(c.close_rate)),
      el('td', { class: 'num', 'data-canceled': c.canceled_jobs }, c.canceled_jobs),
      el('td', { class: 'num' }, pct(c.cancel_rate)),
      el('td', { class: `num ${ch.cls}` }, ch.text));
  }));
}

function renderReport(r) {
  $('range').textContent = `${r.from} to ${r.to} (${r.timezone})`;
  $('total-revenue').textContent = money(r.total.revenue_cents);
  $('total-jobs').textContent = r.total.jobs.toLocaleString('en-US');
  $('total-avg').textContent = r.total.jobs ? money(Math.round(r.total.revenue_cents / r.total.jobs)) : '–';
  const top = r.categories[0];
  $('total-top').textContent = top && top.revenue_cents > 0 ? LABELS[top.category] : '–';
  $('total-spend').textContent = money(r.total.spend_cents);
  $('total-roas').textContent = dash(r.total.roas, (x) => x);
  $('total-repeat').textContent = r.total.revenue_cents > 0
    ? `${money(r.total.repeat_revenue_cents)} (${(100 * r.total.repeat_revenue_cents / r.total.revenue_cents).toFixed(0)}%)` : '–';
  const ch = change(r.total.revenue_cents, r.total.previous.revenue_cents);
  $('total-change').textContent = ch.text;
  $('total-change').className = `value ${ch.cls}`;
  $('total-previous').textContent = `${r.total.previous.from} to ${r.total.previous.to}: ${money(r.total.previous.revenue_cents)}`;
  renderWorth(r);
  renderFunnel(r);
  const body = $('channels').tBodies[0];
  body.replaceChildren();
  const max = Math.max(1, ...r.categories.map((c) => c.revenue_cents));
  for (const c of r.categories) {
    const share = r.total.revenue_cents > 0 ? (100 * c.revenue_cents / r.total.revenue_cents) : 0;
    body.append(el('tr', { 'data-channel': c.category },
      el('th', { scope: 'row' }, swatch(c.category), LABELS[c.category]),
      el('td', { class: 'num', 'data-cents': c.revenue_cents }, money(c.revenue_cents)),
      el('td', { class: 'num', 'data-jobs': c.jobs }, c.jobs.toLocaleString('en-US')),
      el('td', { class: 'num' }, share.toFixed(1) + '%'),
      el('td', { class: 'bar-col' }, el('div', {
        class: 'bar' + (c.revenue_cents > 0 ? '' : ' empty'), role: 'presentation',
        style: `width: ${(100 * c.revenue_cents / max).toFixed(1)}%; background: var(--ch-${c.category})`,
      }))));
  }
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

const BUCKET_NOUN = { day: 'day', week: 'week starting', month: 'month' };

// The label of a bucket, from its first local date (YYYY-MM-DD).
function bucketLabel(bucket, start) {
  const [y, m, d] = start.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const opts = bucket === 'month' ? { month: 'short', year: 'numeric', timeZone: 'UTC' }
    : { month: 'short', day: 'numeric', timeZone: 'UTC' };
  return date.toLocaleDateString('en-US', opts);
}

// One line per channel that earned anything, a dot per bucket; hovering
// or tapping a bucket shows every channel's revenue in it.
function renderTrend(series) {
  const W = 900, H = 260, L = 56, R = 12, T = 12, B = 28;
  const buckets = series.buckets;
  const active = CHANNELS.filter((ch) => buckets.some((b) => b.categories[ch].revenue_cents > 0));
  const max = Math.max(1, ...buckets.flatMap((b) => active.map((ch) => b.categories[ch].revenue_cents)));
  const span = (W - L - R) / Math.max(1, buckets.length - 1);
  const x = (i) => L + (buckets.length > 1 ? i * span : (W - L - R) / 2);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `Revenue per ${series.bucket} and channel from ${series.from} to ${series.to}` });
  for (let k = 0; k <= 4; k++) {
    const v = max * k / 4;
    root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#d0d7de', 'stroke-width': 1 }));
    root.append(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, moneyShort(v)));
  }
  const step = Math.max(1, Math.ceil(buckets.length / 8));
  buckets.forEach((b, i) => {
    if (i % step === 0) {
      const anchor = i === 0 ? 'start' : i === buckets.length - 1 ? 'end' : 'middle';
      root.append(svg('text', { x: x(i), y: H - 8, 'text-anchor': anchor }, bucketLabel(series.bucket, b.start)));
    }
  });
  const guide = svg('line', { y1: T, y2: H - B, stroke: '#57606a', 'stroke-width': 1, visibility: 'hidden' });
  root.append(guide);
  for (const ch of active) {
    const pts = buckets.map((b, i) => `${x(i).toFixed(1)},${y(b.categories[ch].revenue_cents).toFixed(1)}`).join(' ');
    const line = svg('polyline', { points: pts, fill: 'none', 'stroke-width': 2.2,
      'stroke-linejoin': 'round', 'data-channel': ch });
    line.style.stroke = `var(--ch-${ch})`; // CSS variables work in style, not in attributes
    root.append(line);
    if (buckets.length <= 60) {
      buckets.forEach((b, i) => {
        const dot = svg('circle', { cx: x(i).toFixed(1), cy: y(b.categories[ch].revenue_cents).toFixed(1), r: 3 });
        dot.style.fill = `var(--ch-${ch})`;
        root.append(dot);
      });
    }
  }
  const tip = $('trend-tip');
  const show = (i) => {
    const b = buckets[i];
    guide.setAttribute('x1', x(i));
    guide.setAttribute('x2', x(i));
    guide.setAttribute('visibility', 'visible');
    const total = active.reduce((s, ch) => s + b.categories[ch].revenue_cents, 0);
    tip.replaceChildren(el('strong', {}, `${BUCKET_NOUN[series.bucket]} ${bucketLabel(series.bucket, b.start)}`),
      el('ul', {}, ...active.map((ch) => el('li', { 'data-channel': ch }, swatch(ch),
        `${LABELS[ch]}: ${money(b.categories[ch].revenue_cents)} (${b.categories[ch].jobs} jobs)`))),
      el('div', {}, `Total: ${money(total)}`));
    tip.hidden = false;
    tip.dataset.bucket = b.start;
  };
  // A column per bucket takes the pointer: hover on a laptop, tap on a phone.
  buckets.forEach((b, i) => {
    const hit = svg('rect', { x: x(i) - span / 2, y: T, width: Math.max(span, 4), height: H - T - B,
      fill: 'transparent', class: 'hit', 'data-start': b.start, tabindex: 0 });
    hit.addEventListener('pointerenter', () => show(i));
    hit.addEventListener('click', () => show(i));
    hit.addEventListener('focus', () => show(i));
    root.append(hit);
  });
  root.addEventListener('pointerleave', (ev) => {
    if (ev.pointerType === 'mouse') { tip.hidden = true; guide.setAttribute('visibility', 'hidden'); }
  });
  tip.hidden = true;
  $('trend').replaceChildren(root);
  $('trend-bucket').textContent = `(per ${series.bucket})`;
  const legend = $('trend-legend');
  legend.replaceChildren(...active.map((ch) => {
    const total = buckets.reduce((s, b) => s + b.categories[ch].revenue_cents, 0);
    return el('li', {}, swatch(ch), `${LABELS[ch]}: ${money(total)}`);
  }));
}

function renderUnknown(u) {
  const body = $('unknown').tBodies[0];
  body.replaceChildren(...u.unknown_lead_sources.map((s) => el('tr', {},
    el('td', {}, (s.lead_source || '(blank)') + (s.fallback ? ` (${s.fallback})` : '')), el('td', { class: 'num' }, s.jobs),
    el('td', { class: 'num' }, money(s.revenue_cents)))));
  if (!u.unknown_lead_sources.length) body.append(el('tr', {}, el('td', { colspan: 3 }, 'None: every job has a channel.')));
}

function pager(name, data, offset) {
  const last = Math.min(offset + data[name].length, data.total);
  $(`${name}-page`).textContent = data.total ? `${offset + 1}–${last} of ${data.total.toLocaleString('en-US')}` : 'none';
  $(`${name}-prev`).disabled = offset === 0;
  $(`${name}-next`).disabled = last >= data.total;
}

async function loadJobs() {
  const ch = $('jobs-channel').value, st = $('jobs-status').value;
  const data = await api(`/jobs?${state.query}&limit=${PAGE}&offset=${state.jobsOffset}` +
    (ch ? `&channel=${ch}` : '') + (st ? `&status=${st}` : ''));
  $('jobs').tBodies[0].replaceChildren(...data.jobs.map((j) => el('tr', {},
    el('td', {}, j.date || ''), el('td', {}, j.customer || j.customer_id || ''),
    el('td', {}, swatch(j.channel), LABELS[j.channel] || j.channel), el('td', {}, j.lead_source || ''),
    el('td', {}, j.status), el('td', { class: 'num' }, money(j.amount_cents)))));
  pager('jobs', data, state.jobsOffset);
}

async function loadCustomers() {
  const ch = $('customers-channel').value;
  const data = await api(`/customers?${state.query}&limit=${PAGE}&offset=${state.customersOffset}` +
    (ch ? `&channel=${ch}` : ''));
  $('customers').tBodies[0].replaceChildren(...data.customers.map((c) => el('tr', {},
    el('td', {}, c.created || ''), el('td', {}, c.name || c.id),
    el('td', {}, swatch(c.channel), LABELS[c.channel] || c.channel), el('td', {}, c.lead_source || ''),
    el('td', { class: 'num' }, c.jobs), el('td', { class: 'num' }, money(c.revenue_cents)))));
  pager('customers', data, state.customersOffset);
}

// Day up to a month, week up to a quarter, month beyond: about 30 points
// at most on a day scale, and never hundreds.
function bucketFor(r) {
  const days = Math.round((Date.parse(r.to) - Date.parse(r.from)) / 86400000) + 1;
  return days <= 31 ? 'day' : days <= 92 ? 'week' : 'month';
}

// A newer window may be chosen while an older one loads: only the newest
// refresh renders.
async function refresh() {
  const query = state.query;
  const model = state.model;
  const generation = ++state.generation;
  const current = () => generation === state.generation;
  $('error').hidden = true;
  document.body.setAttribute('aria-busy', 'true');
  try {
    const report = await api(`/report?${query}&model=${model}`);
    if (!current()) return;
    renderReport(report);
    const [series, unknown, integrations] = await Promise.all([
      api(`/timeseries?${query}&bucket=${bucketFor(report)}`),
      api(`/unknown-sources?${query}&limit=20`),
      api('/integrations'),
    ]);
    if (!current()) return;
    renderTrend(series);
    renderUnknown(unknown);
    renderConnections(integrations);
    state.jobsOffset = 0;
    state.customersOffset = 0;
    await Promise.all([loadJobs(), loadCustomers()]);
    if (current()) document.body.dataset.loaded = model === 'last' ? query : `${query}&model=${model}`;
  } catch (e) {
    if (current()) showError(e);
  } finally {
    if (current()) document.body.removeAttribute('aria-busy');
  }
}

function showLogin() {
  $('main').hidden = true;
  $('login').hidden = false;
  $('logout').hidden = true;
}

async function open() {
  $('login').hidden = true;
  $('main').hidden = false;
  $('logout').hidden = false;
  try {
    const site = await api('');
    $('site-name').textContent = site.name;
    $('site-meta').textContent = `Where ${site.name}'s customers come from, in dollars (${site.timezone}).`;
    document.title = `${site.name}: leadledger`;
  } catch (e) {
    showError(e);
    return;
  }
  await refresh();
}

function readCredentials() {
  const frag = new URLSearchParams(location.hash.slice(1));
  if (frag.get('site') && frag.get('token')) {
    sessionStorage.setItem('leadledger', JSON.stringify({ site: frag.get('site'), token: frag.get('token') }));
    history.replaceState(null, '', location.pathname); // the token leaves the address bar
  }
  try {
    const saved = JSON.parse(sessionStorage.getItem('leadledger') || 'null');
    if (saved) { state.site = saved.site; state.token = saved.token; }
  } catch (e) { sessionStorage.removeItem('leadledger'); }
}

function init() {
  for (const id of ['jobs-channel', 'customers-channel']) {
    for (const ch of CHANNELS) $(id).append(el('option', { value: ch }, LABELS[ch]));
  }
  $('window-form').addEventListener('change', (ev) => {
    if (ev.target.name === 'model') { state.model = ev.target.value; refresh(); return; }
    if (ev.target.name !== 'window') return;
    const custom = ev.target.value === 'custom';
    $('custom-range').hidden = !custom;
    if (!custom) { state.query = `days=${ev.target.value}`; refresh(); }
  });
  $('window-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const from = $('from').value, to = $('to').value;
    if (!from || !to || from > to) { showError(new Error('Choose a start date on or before the end date.')); return; }
    state.query = `from=${from}&to=${to}`;
    refresh();
  });
  $('jobs-channel').addEventListener('change', () => { state.jobsOffset = 0; loadJobs().catch(showError); });
  $('jobs-status').addEventListener('change', () => { state.jobsOffset = 0; loadJobs().catch(showError); });
  $('customers-channel').addEventListener('change', () => { state.customersOffset = 0; loadCustomers().catch(showError); });
  $('jobs-prev').addEventListener('click', () => { state.jobsOffset = Math.max(0, state.jobsOffset - PAGE); loadJobs().catch(showError); });
  $('jobs-next').addEventListener('click', () => { state.jobsOffset += PAGE; loadJobs().catch(showError); });
  $('customers-prev').addEventListener('click', () => { state.customersOffset = Math.max(0, state.customersOffset - PAGE); loadCustomers().catch(showError); });
  $('customers-next').addEventListener('click', () => { state.customersOffset += PAGE; loadCustomers().catch(showError); });
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.site = $('login-site').value.trim();
    state.token = $('login-token').value.trim();
    sessionStorage.setItem('leadledger', JSON.stringify({ site: state.site, token: state.token }));
    open();
  });
  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem('leadledger');
    state.token = '';
    showLogin();
  });
  readCredentials();
  if (state.site && state.token) open(); else showLogin();
}

document.addEventListener('DOMContentLoaded', init);
