// Browser test of the dashboard: Debian's chromium driven by playwright-core.
// Loads the dashboard from a running leadledgerd, checks that the channel
// totals it shows equal the API's, switches the window, pages the job list,
// and saves screenshots at phone and laptop sizes (and in print layout).
// Environment: DASH_URL, SITE, TOKEN, OUT (screenshot directory), CHROMIUM.
// Prints TAP lines; exits non-zero when a check fails.
import { chromium } from 'playwright-core';

const { DASH_URL, SITE, TOKEN, OUT, JOBBER_SITE, JOBBER_TOKEN } = process.env;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let n = 0;
let failed = 0;
function ok(cond, desc, detail) {
  n += 1;
  if (!cond) failed += 1;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${desc}${!cond && detail ? ` (${detail})` : ''}`);
}

async function apiGet(path) {
  const res = await fetch(`${DASH_URL}/api/v1/sites/${SITE}${path}`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  return res.json();
}

// The trend at this window: its bucket, a point per bucket, and a hovered
// (or tapped) bucket's figures equal to the API's time series.
async function checkTrend(page, query, bucket, desc, tap) {
  ok(await page.textContent('#trend-bucket') === `(per ${bucket})`, `${desc}: the trend is per ${bucket}`,
    await page.textContent('#trend-bucket'));
  const series = await apiGet(`/timeseries?${query}&bucket=${bucket}`);
  const hits = await page.$$('#trend .hit');
  ok(hits.length === series.buckets.length, `${desc}: one point per ${bucket} (${series.buckets.length})`, hits.length);
  const i = Math.floor(hits.length / 2);
  if (tap) await hits[i].tap(); else await hits[i].hover();
  await page.waitForSelector('#trend-tip:not([hidden])');
  const b = series.buckets[i];
  const want = Object.values(b.categories).reduce((s, c) => s + c.revenue_cents, 0);
  const tip = await page.textContent('#trend-tip');
  const total = (want / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' });
  ok(tip.includes(`Total: ${total}`) && await page.getAttribute('#trend-tip', 'data-bucket') === b.start,
    `${desc}: ${tap ? 'tapping' : 'hovering'} the ${bucket} of ${b.start} shows its revenue (${total})`, tip);
  await page.locator('.chart-wrap').screenshot({ path: `${OUT}/trend-${bucket}${tap ? '-phone' : ''}.png` });
}

async function apiReport(query) {
  const res = await fetch(`${DASH_URL}/api/v1/sites/${SITE}/report?${query}`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  return res.json();
}

// The channel table as the page shows it: {channel: [jobs, cents]}.
async function shownChannels(page) {
  return page.$$eval('#channels tbody tr', (rows) => Object.fromEntries(rows.map((r) => [
    r.dataset.channel,
    [Number(r.querySelector('[data-jobs]').dataset.jobs), Number(r.querySelector('[data-cents]').dataset.cents)],
  ])));
}

function apiChannels(report) {
  return Object.fromEntries(report.categories.map((c) => [c.category, [c.jobs, c.revenue_cents]]));
}

// Choose a window as a user does, by clicking it; check() also makes sure
// the choice took.
async function pick(page, value) {
  await page.check(`input[name=window][value="${value}"]`);
}

function same(a, b) {
  return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
}

async function compareWith(page, query, desc) {
  try {
    await page.waitForSelector(`body[data-loaded="${query}"]`, { timeout: 30000 });
  } catch (e) {
    const shown = await page.evaluate(() => [document.body.dataset.loaded, document.querySelector('#error').textContent]);
    throw new Error(`${desc}: the page did not load ${query} (loaded: ${shown[0]}, error: ${shown[1]})`);
  }
  const api = await apiReport(query);
  const shown = await shownChannels(page);
  ok(same(shown, apiChannels(api)), `${desc}: every channel's jobs and revenue equal the API's`,
    `${JSON.stringify(shown)} vs ${JSON.stringify(apiChannels(api))}`);
  const total = await page.textContent('#total-revenue');
  const want = (api.total.revenue_cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' });
  ok(total === want, `${desc}: the headline revenue is the API's total (${want})`, total);
  const jobs = await page.textContent('#total-jobs');
  ok(jobs === api.total.jobs.toLocaleString('en-US'), `${desc}: the headline job count is the API's`, jobs);
  return api;
}

// The attribution sections against the API's report: the "worth it"
// ranking (channels with spend, ROAS descending) and the new/repeat,
// estimate and cancellation figures per channel.
async function checkAttribution(page, api, desc) {
  const worth = await page.$$eval('#worth tbody tr[data-channel]', (rows) => rows.map((r) => [
    r.dataset.channel, Number(r.querySelector('[data-spend]').dataset.spend), r.querySelector('[data-roas]').dataset.roas]));
  const spent = api.categories.filter((c) => c.spend_cents > 0);
  ok(worth.length === spent.length && worth.every(([ch, cents]) =>
    spent.some((c) => c.category === ch && c.spend_cents === cents)),
  `${desc}: the ranking lists every channel with spend, with the API's spend`, JSON.stringify(worth));
  ok(worth.every((w, i) => i === 0 || Number(worth[i - 1][2]) >= Number(w[2])),
    `${desc}: the ranking is by ROAS, best first`, JSON.stringify(worth));
  const funnel = await page.$$eval('#funnel tbody tr', (rows) => Object.fromEntries(rows.map((r) => [r.dataset.channel, [
    Number(r.querySelector('[data-new]').dataset.new), Number(r.querySelector('[data-repeat]').dataset.repeat),
    Number(r.querySelector('[data-won]').dataset.won), Number(r.querySelector('[data-canceled]').dataset.canceled)]])));
  const want = Object.fromEntries([...api.categories, { ...api.total, category: 'total' }].map((c) => [c.category,
    [c.new_customer_jobs, c.repeat_jobs, c.estimates_won, c.canceled_jobs]]));
  ok(same(funnel, want), `${desc}: new and repeat jobs, estimates won and cancellations equal the API's`,
    `${JSON.stringify(funnel)} vs ${JSON.stringify(want)}`);
  const roas = await page.textContent('#total-roas');
  ok(roas === (api.total.roas ?? '–'), `${desc}: the headline ROAS is the API's (${api.total.roas})`, roas);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-default-apps', '--disable-sync', '--no-first-run',
    '--metrics-recording-only', '--disable-domain-reliability'],
});
const timeout = setTimeout(() => { console.log('Bail out! the browser test took over 240 s'); process.exit(1); }, 240000);
try {
  const laptop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await laptop.newPage();
  const external = [];
  const consoleErrors = [];
  await page.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1' || host === 'localhost') return route.continue();
    external.push(route.request().url());
    return route.abort();
  });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  await page.goto(`${DASH_URL}/#site=${SITE}&token=${TOKEN}`);
  const first = await compareWith(page, 'days=30', '30 days');
  ok(first.total.jobs > 0, 'the demo data has completed jobs in the last 30 days', first.total.jobs);
  ok(!page.url().includes(TOKEN), 'the token leaves the address bar');
  ok((await page.textContent('#site-name')).length > 0, 'the site name is shown');
  ok(await page.isVisible('#connections .conn'), 'a connection card shows the sync status');
  ok(/fresh|stale|attention/.test(await page.textContent('#connections')), 'the card says how fresh the data is');
  ok(await page.$$eval('#trend svg polyline', (l) => l.length) > 0, 'the trend chart draws a line per channel');
  ok(await page.getAttribute('#trend svg', 'aria-label') !== null, 'the trend chart has a text alternative');
  await checkTrend(page, 'days=30', 'day', '30 days');
  await checkAttribution(page, first, '30 days');
  ok(first.total.spend_cents > 0, 'the test site has spend in the last 30 days', first.total.spend_cents);
  await page.locator('section[aria-labelledby="worth-h"]').screenshot({ path: `${OUT}/worth-laptop.png` });

  await page.check('input[name=model][value="first"]');
  await page.waitForSelector('body[data-loaded="days=30&model=first"]', { timeout: 30000 });
  const firstTouch = await apiReport('days=30&model=first');
  ok(same(await shownChannels(page), apiChannels(firstTouch)), 'first touch: every channel equals the API\'s first-touch report');
  ok(firstTouch.total.revenue_cents === first.total.revenue_cents, 'first touch: the same total revenue');
  ok(!same(apiChannels(firstTouch), apiChannels(first)), 'first touch moves revenue between channels');
  await checkAttribution(page, firstTouch, 'first touch');
  await page.check('input[name=model][value="last"]');
  await page.waitForSelector('body[data-loaded="days=30"]', { timeout: 30000 });

  await pick(page, '90');
  await compareWith(page, 'days=90', 'after switching to 90 days');
  await checkTrend(page, 'days=90', 'week', '90 days');
  await pick(page, '365');
  const year = await compareWith(page, 'days=365', 'after switching to 365 days');
  await checkTrend(page, 'days=365', 'month', '365 days');
  ok(year.total.jobs >= first.total.jobs, 'a longer window holds at least as many jobs');
  await pick(page, 'custom');
  await page.fill('#from', '2025-03-01');
  await page.fill('#to', '2025-03-31');
  await page.click('#custom-range button');
  await compareWith(page, 'from=2025-03-01&to=2025-03-31', 'a custom window (March 2025)');

  await pick(page, '365');
  await page.waitForSelector('body[data-loaded="days=365"]');
  const before = await page.textContent('#jobs-page');
  const firstRow = await page.textContent('#jobs tbody tr');
  ok(/^1–25 of /.test(before), 'the job list shows its first page', before);
  await page.click('#jobs-next');
  await page.waitForFunction(() => document.querySelector('#jobs-page').textContent.startsWith('26–'));
  ok(/^26–50 of /.test(await page.textContent('#jobs-page')), 'Next shows the second page');
  ok(await page.textContent('#jobs tbody tr') !== firstRow, 'the second page holds other jobs');
  ok(!(await page.isDisabled('#jobs-prev')), 'Previous is enabled on the second page');
  await page.selectOption('#jobs-channel', 'google');
  await page.waitForFunction(() => document.querySelector('#jobs-page').textContent.startsWith('1–') ||
    document.querySelector('#jobs-page').textContent === 'none');
  const googleJobs = await page.$$eval('#jobs tbody tr td:nth-child(3)', (c) => c.map((x) => x.textContent));
  ok(googleJobs.every((t) => t === 'Google'), 'filtering the job list by channel shows only that channel');
  ok(await page.$$eval('#unknown tbody tr', (r) => r.length) > 0, 'the unknown-sources table is filled');

  await page.screenshot({ path: `${OUT}/dashboard-laptop.png`, fullPage: true });
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: `${OUT}/dashboard-print.png`, fullPage: true });
  ok(!(await page.isVisible('.window')), 'the print layout hides the controls');
  await page.emulateMedia({ media: 'screen' });

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const mobile = await phone.newPage();
  await mobile.goto(`${DASH_URL}/#site=${SITE}&token=${TOKEN}`);
  await compareWith(mobile, 'days=30', 'on a phone');
  await checkTrend(mobile, 'days=30', 'day', 'on a phone', true);
  await checkAttribution(mobile, first, 'on a phone');
  await mobile.locator('section[aria-labelledby="worth-h"]').screenshot({ path: `${OUT}/worth-phone.png` });
  await mobile.locator('section[aria-labelledby="funnel-h"]').screenshot({ path: `${OUT}/funnel-phone.png` });
  const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  ok(overflow <= 1, 'on a phone nothing scrolls sideways', `${overflow}px`);
  await mobile.screenshot({ path: `${OUT}/dashboard-phone.png`, fullPage: true });

  if (JOBBER_SITE) {
    // A Jobber site whose refresh token Jobber refused: the card says so
    // and Reconnect runs the consent flow (the simulator consents at once)
    // back to leadledgerd's /oauth/callback.
    const jobber = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    jobber.on('pageerror', (e) => consoleErrors.push(String(e)));
    await jobber.goto(`${DASH_URL}/#site=${JOBBER_SITE}&token=${JOBBER_TOKEN}`);
    await jobber.waitForSelector('#connections .conn[data-provider="jobber"]');
    const card = '#connections .conn[data-provider="jobber"]';
    ok(/reconnect/.test(await jobber.textContent(`${card} .badge`)), 'a refused Jobber grant shows "reconnect" on its card');
    ok(await jobber.textContent(`${card} button.connect`) === 'Reconnect', 'the card offers Reconnect');
    await jobber.locator(card).screenshot({ path: `${OUT}/jobber-reconnect.png` });
    await Promise.all([jobber.waitForURL('**/oauth/callback?**'), jobber.click(`${card} button.connect`)]);
    ok(/Connected: green\/jobber/.test(await jobber.textContent('body')), 'Reconnect ends on leadledgerd\'s callback: connected');
    await jobber.goto(`${DASH_URL}/#site=${JOBBER_SITE}&token=${JOBBER_TOKEN}`);
    await jobber.waitForSelector(`${card} button.connect`);
    ok(await jobber.textContent(`${card} button.connect`) === 'Connect again', 'afterwards the card is connected again');
    ok(!/reconnect/.test(await jobber.textContent(`${card} .badge`)), '... and no longer says reconnect');
  }

  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(`${DASH_URL}/#site=${SITE}&token=llt_wrongwrongwrongwrongwrongwrongwrongwrongwro`);
  await stranger.waitForSelector('#error:not([hidden])');
  ok(/not available/.test(await stranger.textContent('#error')), 'a wrong token says the site is not available');
  ok(await stranger.isVisible('#login'), '... and offers to enter another site and token');
  ok(external.length === 0, 'the dashboard makes no external requests', external.join(' '));
  ok(consoleErrors.filter((e) => !/404/.test(e)).length === 0, 'no script or content-security errors',
    consoleErrors.join(' | '));
} catch (e) {
  ok(false, 'the browser test ran to the end', e.stack);
} finally {
  clearTimeout(timeout);
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
