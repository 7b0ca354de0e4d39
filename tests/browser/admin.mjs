#!/usr/bin/env node
// Browser test of the organizer console (/admin) on a 1280×800 laptop screen:
// an empty form and a wrong password are refused with a message, the sixth
// wrong password for a name is paused with the wait in minutes (429), the
// right password signs in; every page opens (overview, bank with an image
// question expanded, question analysis, members, districts, histories, days,
// ladder seasons) and is saved as admin-<page>.png; a CSV export downloads;
// on the ladder seasons page a start in the past, an overlapping start and a
// length of 400 days are refused at their field, a new season is scheduled
// and listed as upcoming, and a season's standings open (an empty state or a
// table) with their tier tabs; the language toggles; signing out returns to
// the sign-in page, and a page opened signed out asks to sign in first and
// then shows that page.
//
// Usage: node admin.mjs BASE_URL SCREENSHOT_DIR ORGANIZER_NAME PASSWORD
//   CHROMIUM=/path/to/chromium   (default /usr/bin/chromium)
// Exit code 0 on success, 1 on a failed check, 2 on the overall timeout.

import { chromium } from 'playwright-core';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const [baseArg, shotArg, nameArg, passwordArg] = process.argv.slice(2);
if (!baseArg || !shotArg || !nameArg || !passwordArg) {
  console.error('usage: node admin.mjs BASE_URL SCREENSHOT_DIR ORGANIZER_NAME PASSWORD');
  process.exit(64);
}
const BASE = baseArg.replace(/\/+$/, '');
const SHOTS = path.resolve(shotArg);
const OVERALL_MS = 180_000;

const started = Date.now();
const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const step = (msg) => console.log(`[${stamp()}] ${msg}`);

class Failure extends Error {}
const fail = (msg) => { throw new Failure(msg); };

let browser;
const overall = setTimeout(async () => {
  console.error(`FAIL: overall timeout of ${OVERALL_MS / 1000} s exceeded`);
  try { await browser?.close(); } catch { /* ignore */ }
  process.exit(2);
}, OVERALL_MS);

async function main() {
  await mkdir(SHOTS, { recursive: true });

  step(`launching chromium (${process.env.CHROMIUM || '/usr/bin/chromium'})`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    reducedMotion: 'reduce', // charts draw without animation: stable screenshots
    acceptDownloads: true,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();

  const pageErrors = [];
  page.on('pageerror', (err) => { pageErrors.push(err.message); console.log(`  [page error] ${err.message}`); });
  page.on('console', (msg) => { if (msg.type() === 'error') console.log(`  [console.error] ${msg.text()}`); });
  const byId = (id) => page.locator(`[data-testid="${id}"]`);
  const shot = async (name) => {
    const file = path.join(SHOTS, `admin-${name}.png`);
    await page.screenshot({ path: file, fullPage: false });
    step(`  saved ${file}`);
  };
  const rowsOf = (testid) => page.locator(`[data-testid="${testid}"] tbody tr`);
  const waitRows = async (testid, what) => {
    await rowsOf(testid).first().waitFor({ state: 'visible' }).catch(() => fail(`${what}: the table did not appear`));
    const n = await rowsOf(testid).count();
    const empty = await page.locator(`[data-testid="${testid}"] td.empty`).count();
    if (!n || empty) fail(`${what}: the table is empty`);
    return n;
  };
  const waitChart = (testid, what) => page.locator(`[data-testid="${testid}"][data-ready="1"]`)
    .waitFor({ state: 'visible' }).catch(() => fail(`${what}: the chart was not drawn`));
  const open = async (name) => {
    step(`opening ${name}`);
    await byId(`nav-${name}`).click();
    await byId(`page-${name}`).waitFor({ state: 'visible' }).catch(() => fail(`the ${name} page did not appear`));
    const current = await byId(`nav-${name}`).getAttribute('aria-current');
    if (current !== 'page') fail(`the ${name} link is not marked as the current page`);
  };

  // ---- sign-in ----
  step(`opening ${BASE}/admin/`);
  const res = await page.goto(`${BASE}/admin/`, { waitUntil: 'domcontentloaded' })
    .catch((err) => fail(`cannot open ${BASE}/admin/: ${err.message.split('\n')[0]}`));
  if (!res || !res.ok()) fail(`GET /admin/ answered ${res ? res.status() : 'nothing'}`);
  await byId('signin-name').waitFor({ state: 'visible' }).catch(() => fail('the sign-in form did not appear'));

  step('submitting an empty form');
  await byId('signin-submit').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="signin-error"]')?.textContent.trim(), null, { timeout: 5_000 })
    .catch(() => fail('an empty form gave no message'));
  step(`  message: ${(await byId('signin-error').textContent()).trim()}`);

  step('five wrong passwords for another name, then a sixth try');
  const stranger = `nobody-${Date.now()}`;
  for (let i = 1; i <= 6; i++) {
    await byId('signin-name').fill(stranger);
    await byId('signin-password').fill(`wrong-${i}`);
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/admin/session') && r.request().method() === 'POST');
    await byId('signin-submit').click();
    const r = await answered;
    const want = i <= 5 ? 401 : 429;
    if (r.status() !== want) fail(`wrong password ${i} answered ${r.status()}, expected ${want}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="signin-submit"]') && !document.querySelector('[data-testid="signin-submit"]').disabled);
  }
  const paused = (await byId('signin-error').textContent()).trim();
  if (!/密码错误次数过多，请 \d+ 分钟后再试/.test(paused)) fail(`after too many wrong passwords the form says "${paused}"`);
  step(`  message: ${paused}`);

  step(`signing in as ${nameArg} with a wrong password`);
  await byId('signin-name').fill(nameArg);
  await byId('signin-password').fill(`${passwordArg}-wrong`);
  await byId('signin-submit').click();
  await page.waitForFunction(() => (document.querySelector('[data-testid="signin-error"]')?.textContent || '').includes('用户名或密码不正确'), null, { timeout: 10_000 })
    .catch(async () => fail(`a wrong password did not say so (message: "${(await byId('signin-error').textContent()).trim()}")`));
  step(`  message: ${(await byId('signin-error').textContent()).trim()}`);
  if (await byId('nav-overview').count()) fail('a wrong password showed the navigation');
  await shot('signin');

  step('signing in with the right password');
  await byId('signin-password').fill(passwordArg);
  await byId('signin-submit').click();
  await byId('page-overview').waitFor({ state: 'visible' }).catch(async () => {
    const err = await byId('signin-error').textContent().catch(() => '');
    fail(`sign-in did not reach the overview${err ? `: ${err}` : ''}`);
  });
  const who = (await byId('admin-name').textContent()).trim();
  if (!who.includes(nameArg)) fail(`the header shows "${who}", not ${nameArg}`);
  step(`  header names ${who}`);

  // ---- overview ----
  await byId('ov-answers').waitFor({ state: 'visible' }).catch(() => fail('the overview cards did not load'));
  const answers = (await byId('ov-answers').locator('.stat-value').textContent()).trim();
  const accuracy = (await byId('ov-accuracy').locator('.stat-value').textContent()).trim();
  if (!/^[1-9][\d,]*$/.test(answers)) fail(`the answers card shows "${answers}"`);
  if (!/%$/.test(accuracy)) fail(`the accuracy card shows "${accuracy}", not a percentage`);
  step(`  overview: ${answers} answers, ${accuracy} right`);
  await waitChart('chart-days', 'overview, last 30 days');
  await waitChart('chart-histories', 'overview, accuracy per history');
  await shot('overview');

  // ---- bank ----
  await open('bank');
  await byId('bank-item').first().waitFor({ state: 'visible' }).catch(() => fail('the bank list did not load'));
  const all = (await byId('bank-count').textContent()).trim();
  step(`  bank: ${all}`);
  await byId('bank-filter-media').selectOption('image');
  await page.waitForFunction((before) => {
    const c = document.querySelector('[data-testid="bank-count"]')?.textContent.trim();
    return c && c !== before && document.querySelector('[data-testid="bank-item"]');
  }, all, { timeout: 10_000 }).catch(() => fail('filtering the bank by images did not change the list'));
  step(`  images only: ${(await byId('bank-count').textContent()).trim()}`);
  const first = byId('bank-item').first();
  const firstId = await first.getAttribute('data-id');
  step(`  expanding ${firstId}`);
  await first.locator('summary').click();
  const img = first.locator('[data-testid="bank-media-image"]');
  await img.waitFor({ state: 'visible' }).catch(() => fail(`${firstId}: no image preview after expanding`));
  await page.waitForFunction((id) => {
    const el = document.querySelector(`[data-testid="bank-item"][data-id="${id}"] [data-testid="bank-media-image"]`);
    return el && el.complete && el.naturalWidth > 0;
  }, firstId, { timeout: 10_000 }).catch(() => fail(`${firstId}: the image preview did not load`));
  const right = await first.locator('[data-testid="bank-option-right"]').count();
  if (right < 1) fail(`${firstId}: no option is marked right`);
  const explanation = (await first.locator('.q-explanation').textContent()).trim();
  if (explanation.length < 5) fail(`${firstId}: no explanation shown`);
  step(`  ${right} option(s) marked right, explanation and image shown`);
  await shot('bank');

  // ---- question analysis ----
  await open('questions');
  const qRows = await waitRows('questions-table', 'question analysis');
  step(`  ${qRows} rows`);
  if (!(await byId('choice-bar').count())) fail('no option distribution bars');
  const badges = page.locator('[data-testid="questions-table"] .badge');
  if (!(await badges.count())) fail('no flag badges on the first page (the seeded data has flagged questions)');
  const flag = (await badges.first().getAttribute('data-testid')).replace(/^flag-/, '');
  step(`  ${await badges.count()} flag badge(s), the first: ${flag}`);
  const sortedBy = async (key, order, what) => page.waitForFunction(([k, o]) => {
    const th = document.querySelector(`[data-testid="sort-${k}"]`)?.closest('th');
    return th && th.getAttribute('aria-sort') === o && document.querySelector('[data-testid="questions-table"] tbody tr');
  }, [key, order], { timeout: 10_000 }).catch(() => fail(`${what} did not mark the column`));
  step('  sorting by accuracy');
  await byId('sort-accuracy').click();
  await sortedBy('accuracy', 'descending', 'sorting by accuracy');
  const accs = await page.locator('[data-testid="questions-table"] tbody tr td:nth-child(5)').allTextContents();
  const nums = accs.map((s) => Number.parseFloat(s.replace(/,/g, ''))).filter((n) => !Number.isNaN(n));
  if (nums.length < 2 || nums.some((n, i) => i && n > nums[i - 1])) fail(`accuracy is not descending: ${nums.join(', ')}`);
  step(`  accuracy from ${nums[0]} % down to ${nums[nums.length - 1]} %`);

  step(`  filtering by the flag ${flag}`);
  await byId('questions-filter-flag').selectOption(flag);
  await page.waitForFunction((f) => {
    const rows = [...document.querySelectorAll('[data-testid="questions-table"] tbody tr')];
    return rows.length && rows.every((r) => r.querySelector(`[data-testid="flag-${f}"]`));
  }, flag, { timeout: 10_000 }).catch(() => fail(`filtering by ${flag} left rows without that flag`));
  step(`  ${await rowsOf('questions-table').count()} row(s) flagged ${flag}`);
  await byId('questions-filter-flag').selectOption('');

  step('  recomputing the groups');
  await byId('groups-refresh').click();
  await page.locator('.toast-ok').first().waitFor({ state: 'visible' }).catch(() => fail('recompute gave no confirmation'));
  const groupsAt = (await byId('groups-at').textContent()).trim();
  if (!/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(groupsAt)) fail(`the groups time reads "${groupsAt}"`);
  step(`  ${groupsAt}`);
  await byId('sort-attempts').click();
  await sortedBy('attempts', 'descending', 'sorting by attempts');
  await waitRows('questions-table', 'question analysis after recompute');
  // Let the confirmation go, then show a flag's tooltip if one is on screen.
  await page.locator('.toast').first().waitFor({ state: 'detached', timeout: 8_000 }).catch(() => {});
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = (await badges.count()) ? await badges.first().boundingBox() : null;
  if (box && box.y + box.height < 800) await badges.first().hover();
  await shot('questions');

  // ---- members ----
  await open('members');
  const mRows = await waitRows('members-table', 'members');
  const status = (await page.locator('[data-testid="members-pager"] .pager-status').textContent()).trim();
  step(`  ${mRows} rows; ${status}`);
  if (await byId('members-pager-next').isEnabled()) {
    await byId('members-pager-next').click();
    await page.waitForFunction((s) => document.querySelector('[data-testid="members-pager"] .pager-status')?.textContent.trim() !== s, status)
      .catch(() => fail('the next page of members did not load'));
    step(`  next page: ${(await page.locator('[data-testid="members-pager"] .pager-status').textContent()).trim()}`);
    await byId('members-pager-prev').click();
    await page.waitForFunction((s) => document.querySelector('[data-testid="members-pager"] .pager-status')?.textContent.trim() === s, status)
      .catch(() => fail('the first page of members did not come back'));
  }
  step('  searching members by nickname');
  const firstName = (await page.locator('[data-testid="members-table"] tbody tr th').first().textContent()).trim();
  await byId('members-search').fill(firstName);
  await page.waitForFunction((n) => {
    const cells = [...document.querySelectorAll('[data-testid="members-table"] tbody tr th')];
    return cells.length > 0 && cells.every((c) => c.textContent.includes(n));
  }, firstName).catch(() => fail(`searching members for ${firstName} did not filter the table`));
  await byId('members-search').fill('');
  await waitRows('members-table', 'members');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('members');

  step('  exporting members as CSV');
  const link = byId('members-export-csv');
  const href = await link.getAttribute('href');
  if (!/format=csv/.test(href || '')) fail(`the CSV link is ${href}`);
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 15_000 }).catch(() => fail('clicking 导出 CSV started no download')),
    link.click(),
  ]);
  const file = await download.path();
  const csv = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  const firstLine = csv.split(/\r?\n/)[0];
  if (!firstLine.startsWith('会员编号,昵称,区市')) fail(`the CSV starts with "${firstLine}"`);
  const lines = csv.split(/\r?\n/).filter(Boolean).length;
  step(`  downloaded ${download.suggestedFilename()}: "${firstLine}" and ${lines - 1} rows`);
  if (download.suggestedFilename() !== 'members.csv') fail(`the download is named ${download.suggestedFilename()}`);
  const fetched = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, type: r.headers.get('content-type'), first: (await r.text()).replace(/^\uFEFF/, '').split(/\r?\n/)[0] };
  }, href);
  if (fetched.status !== 200 || fetched.first !== firstLine) fail(`fetching ${href}: ${JSON.stringify(fetched)}`);

  // ---- districts ----
  await open('districts');
  const dRows = await waitRows('districts-table', 'districts');
  await waitChart('chart-districts', 'participation rate per district');
  step(`  ${dRows} districts`);
  await shot('districts');

  // ---- histories ----
  await open('histories');
  const hRows = await waitRows('histories-table', 'histories');
  if (hRows !== 4) fail(`${hRows} histories, expected 4`);
  await waitChart('chart-histories-answers', 'answers and accuracy per history');
  await shot('histories');

  // ---- days ----
  await open('days');
  const dayRows = await waitRows('days-table', 'days');
  await waitChart('chart-days-line', 'answers per day');
  step(`  ${dayRows} days`);
  await shot('days');

  // ---- ladder seasons ----
  await open('ladder');
  await byId('seasons-table').waitFor({ state: 'visible' }).catch(() => fail('the seasons table did not appear'));
  // The server may already have started an automatic season (a member touched
  // the ladder): read the list to know which days are free.
  const listed = await page.evaluate(async () => {
    const r = await fetch('/api/admin/ladder/seasons');
    return { status: r.status, body: await r.json() };
  });
  if (listed.status !== 200 || !Array.isArray(listed.body.seasons)) fail(`GET /api/admin/ladder/seasons: ${JSON.stringify(listed)}`);
  const before = listed.body.seasons;
  const beijingDay = (ms) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
  const addDays = (iso, n) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const today = beijingDay(Date.now());
  const latestEnd = before.length ? beijingDay(Math.max(...before.map((s) => s.ends_at_ms))) : null;
  const expected = latestEnd && latestEnd > addDays(today, 1) ? latestEnd : addDays(today, 1);
  step(`  ${before.length} season(s) listed${latestEnd ? `, the latest ends ${latestEnd}` : ''}`);
  if ((await rowsOf('seasons-table').count()) !== Math.max(1, before.length)) fail('the seasons table does not list every season');
  for (const s of before) {
    const row = page.locator(`[data-testid="seasons-table"] tr[data-id="${s.id}"]`);
    const text = (await row.locator('th, td').allTextContents()).join(' | ');
    if (!text.includes(`第${s.id}赛季`)) fail(`season ${s.id} reads "${text}"`);
  }
  const prefilled = await byId('season-starts-on').inputValue();
  if (prefilled !== expected) fail(`the start date is prefilled with ${prefilled}, expected ${expected}`);
  if ((await byId('season-days').inputValue()) !== '30') fail('the length does not default to 30 days');
  const autoNote = (await byId('season-auto-note').textContent()).trim();
  if (!autoNote.includes('30 天')) fail(`the note on automatic seasons reads "${autoNote}"`);
  step(`  the form is prefilled with ${prefilled}, 30 days`);

  const refused = async (field, what, pattern) => {
    await page.waitForFunction((f) => document.querySelector(`[data-testid="season-${f}-error"]`)?.textContent.trim(), field, { timeout: 10_000 })
      .catch(() => fail(`${what}: no message at the field`));
    const msg = (await byId(`season-${field}-error`).textContent()).trim();
    if (!pattern.test(msg)) fail(`${what}: the field says "${msg}"`);
    if ((await byId(`season-${field}`).getAttribute('aria-invalid')) !== 'true') fail(`${what}: the field is not marked invalid`);
    step(`  ${what}: "${msg}"`);
  };
  const submitSeason = async (startsOn, days) => {
    await byId('season-starts-on').fill(startsOn);
    await byId('season-days').fill(String(days));
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/admin/ladder/seasons') && r.request().method() === 'POST');
    await byId('season-submit').click();
    return answered;
  };

  step('  a season starting yesterday');
  let r = await submitSeason(addDays(today, -1), 30);
  if (r.status() !== 400) fail(`a start in the past answered ${r.status()}`);
  await refused('starts-on', 'a start in the past', /过去/);
  const overlapped = [...before].reverse().find((s) => addDays(beijingDay(s.ends_at_ms), -1) > today);
  if (overlapped) {
    step(`  a season overlapping 第${overlapped.id}赛季`);
    r = await submitSeason(addDays(beijingDay(overlapped.ends_at_ms), -1), 30);
    if (r.status() !== 400) fail(`an overlapping start answered ${r.status()}`);
    await refused('starts-on', 'an overlapping start', /重叠/);
  }
  step('  a season of 400 days');
  r = await submitSeason(expected, 400);
  if (r.status() !== 400) fail(`400 days answered ${r.status()}`);
  await refused('days', 'a length of 400 days', /365/);
  if ((await byId('season-starts-on-error').textContent()).trim()) fail('the start date still shows an error after a days refusal');

  step(`  scheduling a 14-day season from ${expected}`);
  r = await submitSeason(expected, 14);
  if (r.status() !== 201) fail(`scheduling answered ${r.status()}: ${await r.text()}`);
  const created = await r.json();
  const newRow = page.locator(`[data-testid="seasons-table"] tr[data-id="${created.id}"]`);
  await newRow.waitFor({ state: 'visible' }).catch(() => fail(`第${created.id}赛季 is not listed after scheduling it`));
  const newText = (await newRow.locator('th, td').allTextContents()).map((c) => c.trim()).join(' | ');
  const lastDay = addDays(expected, 13);
  if (!newText.includes(`第${created.id}赛季`) || !newText.includes(expected) || !newText.includes(lastDay) || !newText.includes('14 天')) {
    fail(`the new season reads "${newText}"`);
  }
  const newStatus = (await newRow.locator('[data-testid="season-status"]').textContent()).trim();
  if (newStatus !== '未开始') fail(`the new season's status is "${newStatus}"`);
  if ((await byId('season-starts-on-error').textContent()).trim()) fail('an error is still shown after scheduling');
  step(`  listed: ${newText}`);
  const next = await byId('season-starts-on').inputValue();
  if (next !== addDays(expected, 14)) fail(`after scheduling the start is prefilled with ${next}, expected ${addDays(expected, 14)}`);

  step(`  the same start again overlaps 第${created.id}赛季`);
  r = await submitSeason(expected, 30);
  if (r.status() !== 400) fail(`an overlapping start answered ${r.status()}`);
  await refused('starts-on', 'an overlapping start', new RegExp(`第${created.id}赛季.*重叠`));
  await byId('season-starts-on').fill(next);
  await byId('season-days').fill('30');

  // Standings: the running season by default, else the one chosen.
  const runningNow = before.find((s) => s.status === 'running');
  const standingsOf = async (id, what) => {
    await page.locator(`[data-testid="standings"][data-season="${id}"] [role="tabpanel"]:not([aria-busy])`).waitFor({ state: 'visible' })
      .catch(() => fail(`${what}: the standings did not load`));
    const empty = await byId('standings-empty').count();
    const rows = empty ? 0 : await rowsOf('standings-table').count();
    if (!empty && !rows) fail(`${what}: neither standings nor an empty state`);
    const bars = await page.locator('[data-testid="tier-dist"] li').count();
    if (bars !== 6) fail(`${what}: ${bars} tiers in the distribution, expected 6`);
    return { empty, rows };
  };
  if (runningNow) {
    const seen = await standingsOf(runningNow.id, `第${runningNow.id}赛季 (running, by default)`);
    step(`  第${runningNow.id}赛季 shown by default: ${seen.empty ? 'nobody yet' : `${seen.rows} rows`}`);
    if (!(await page.locator(`[data-testid="seasons-table"] tr.is-running[data-id="${runningNow.id}"]`).count())) fail('the running season is not highlighted');
  }
  step(`  opening the standings of 第${created.id}赛季`);
  await byId(`season-view-${created.id}`).click();
  const seen = await standingsOf(created.id, `第${created.id}赛季`);
  if (!seen.empty) fail(`the season not started yet has ${seen.rows} ranked members`);
  const emptyText = (await byId('standings-empty').textContent()).trim();
  if (!emptyText.includes('本赛季还没有人参赛')) fail(`the empty standings say "${emptyText}"`);
  if ((await byId(`season-view-${created.id}`).getAttribute('aria-pressed')) !== 'true') fail('the chosen season is not marked in the table');
  step(`  empty: "${emptyText}"`);
  await byId('standings-tab-gold').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="standings-tab-gold"]')?.getAttribute('aria-selected') === 'true'
    && document.querySelector('[data-testid="standings"] [role="tabpanel"]:not([aria-busy])'), null, { timeout: 10_000 })
    .catch(() => fail('the 黄金 tab did not open'));
  if (!/tier=gold/.test(page.url())) fail(`the address does not record the tier: ${page.url()}`);
  await byId('standings-tab-all').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="standings-tab-all"]')?.getAttribute('aria-selected') === 'true'
    && document.querySelector('[data-testid="standings"] [role="tabpanel"]:not([aria-busy])'), null, { timeout: 10_000 })
    .catch(() => fail('the 全部 tab did not come back'));
  if (runningNow) {
    await byId(`season-view-${runningNow.id}`).click();
    await standingsOf(runningNow.id, `第${runningNow.id}赛季 again`);
  }
  await page.locator('.toast').first().waitFor({ state: 'detached', timeout: 8_000 }).catch(() => {});
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('ladder');

  // ---- language ----
  step('switching to English and back');
  await byId('lang-toggle').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="nav-overview"]')?.textContent.trim() === 'Overview')
    .catch(() => fail('the navigation did not switch to English'));
  await waitRows('seasons-table', 'ladder seasons in English');
  const heading = (await page.locator('h1').first().textContent()).trim();
  if (heading !== 'Ladder seasons') fail(`the English heading is "${heading}"`);
  const enStatus = (await page.locator(`[data-testid="seasons-table"] tr[data-id="${created.id}"] [data-testid="season-status"]`).textContent()).trim();
  if (enStatus !== 'Upcoming') fail(`in English the new season's status reads "${enStatus}"`);
  await page.locator('[data-testid="standings"] [role="tabpanel"]:not([aria-busy])').waitFor({ state: 'visible' })
    .catch(() => fail('the standings did not load in English'));
  await byId('lang-toggle').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="nav-overview"]')?.textContent.trim() === '概览')
    .catch(() => fail('the navigation did not switch back to Chinese'));

  // ---- 区市管理 ----
  await open('district-admin');
  const daRows = await waitRows('district-admin-table', 'district management');
  step(`  ${daRows} districts listed`);
  const stamp4 = String(Date.now() % 100000).padStart(5, '0');
  const newDistrict = `测试新区${stamp4}`;
  const districtRow = (name) => page.locator(`[data-testid="district-admin-table"] tr[data-name="${name}"]`);
  const addDistrict = async (name) => {
    await byId('district-add-name').fill(name);
    const answered = page.waitForResponse((x) => x.url().endsWith('/api/admin/districts') && x.request().method() === 'POST');
    await byId('district-add-submit').click();
    return answered;
  };
  step(`  adding ${newDistrict}`);
  let dr = await addDistrict(newDistrict);
  if (dr.status() !== 201) fail(`adding ${newDistrict} answered ${dr.status()}: ${await dr.text()}`);
  await districtRow(newDistrict).waitFor({ state: 'visible' }).catch(() => fail(`${newDistrict} is not listed after adding it`));
  if ((await rowsOf('district-admin-table').count()) !== daRows + 1) fail('adding a district did not add one row');
  const addedStatus = (await districtRow(newDistrict).locator('[data-testid="district-status"]').textContent()).trim();
  if (addedStatus !== '使用中') fail(`the new district's status reads "${addedStatus}"`);
  if ((await byId('district-add-name').inputValue()) !== '') fail('the name field was not cleared after adding');

  step('  adding it again');
  dr = await addDistrict(newDistrict);
  if (dr.status() !== 409) fail(`a duplicate name answered ${dr.status()}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="district-add-error"]')?.textContent.trim(), null, { timeout: 10_000 })
    .catch(() => fail('a duplicate name gave no message at the field'));
  const dupMsg = (await byId('district-add-error').textContent()).trim();
  if (!dupMsg.includes(newDistrict) || !/已有/.test(dupMsg)) fail(`a duplicate name says "${dupMsg}"`);
  if ((await byId('district-add-name').getAttribute('aria-invalid')) !== 'true') fail('the duplicate name is not marked invalid');
  step(`  refused: "${dupMsg}"`);
  step('  a name of 21 characters');
  await byId('district-add-name').fill('区'.repeat(21));
  await byId('district-add-submit').click();
  const longMsg = (await byId('district-add-error').textContent()).trim();
  if (!/20/.test(longMsg)) fail(`a long name says "${longMsg}"`);
  await byId('district-add-name').fill('');

  const renamed = `${newDistrict}改`;
  step(`  renaming it to ${renamed}`);
  await districtRow(newDistrict).locator('[data-testid="district-rename"]').click();
  await byId('district-rename-input').fill(renamed);
  const patched = page.waitForResponse((x) => x.url().includes('/api/admin/districts/') && x.request().method() === 'PATCH');
  await byId('district-rename-save').click();
  dr = await patched;
  if (dr.status() !== 200) fail(`renaming answered ${dr.status()}: ${await dr.text()}`);
  await districtRow(renamed).waitFor({ state: 'visible' }).catch(() => fail(`${renamed} is not listed after renaming`));
  if (await districtRow(newDistrict).count()) fail(`${newDistrict} is still listed after renaming it`);

  step(`  retiring ${renamed}`);
  await districtRow(renamed).locator('[data-testid="district-retire"]').click();
  await byId('district-retire-confirm').waitFor({ state: 'visible' }).catch(() => fail('retiring asked for no confirmation'));
  const confirmText = (await byId('district-retire-confirm').textContent()).trim();
  if (!/保留/.test(confirmText) || !/注册/.test(confirmText)) fail(`the confirmation reads "${confirmText}"`);
  await byId('district-retire-confirm-cancel').click();
  await byId('district-retire-confirm').waitFor({ state: 'detached' }).catch(() => fail('cancelling did not close the confirmation'));
  if ((await districtRow(renamed).getAttribute('data-retired')) !== 'false') fail('cancelling retired the district anyway');
  await districtRow(renamed).locator('[data-testid="district-retire"]').click();
  const retiring = page.waitForResponse((x) => x.url().includes('/api/admin/districts/') && x.request().method() === 'PATCH');
  await byId('district-retire-confirm-ok').click();
  dr = await retiring;
  if (dr.status() !== 200) fail(`retiring answered ${dr.status()}: ${await dr.text()}`);
  await page.locator(`[data-testid="district-admin-table"] tr[data-name="${renamed}"][data-retired="true"]`).waitFor({ state: 'visible' })
    .catch(() => fail(`${renamed} is not shown as retired`));
  const retiredStatus = (await districtRow(renamed).locator('[data-testid="district-status"]').textContent()).trim();
  if (retiredStatus !== '已停用') fail(`the retired district's status reads "${retiredStatus}"`);
  if (!(await districtRow(renamed).locator('[data-testid="district-restore"]').count())) fail('a retired district offers no 恢复');
  step(`  ${renamed}: ${retiredStatus}`);
  await page.locator('.toast').first().waitFor({ state: 'detached', timeout: 8_000 }).catch(() => {});
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('district-admin');

  // ---- 区域PK赛 ----
  await open('competitions');
  await byId('competitions-table').waitFor({ state: 'visible' }).catch(() => fail('the competitions table did not appear'));
  await byId('competition-new').click();
  await page.locator('[data-testid="competition-editor"][data-id="new"]').waitFor({ state: 'visible' })
    .catch(() => fail('新建比赛 opened no form'));
  for (const [id, want] of [['competition-team-size', '5'], ['competition-questions-per-battle', '5'], ['competition-daily-battles', '5']]) {
    const v = await byId(id).inputValue();
    if (v !== want) fail(`${id} defaults to ${v}, expected ${want}`);
  }
  const beijingLocal = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
  const startMs = Math.ceil((Date.now() + 3_600_000) / 60_000) * 60_000;
  const startLocal = beijingLocal(startMs);
  const endLocal = beijingLocal(startMs + 86_400_000);
  await byId('competition-title').fill('');
  await byId('competition-start').fill(startLocal);
  await byId('competition-end').fill(endLocal);
  await byId('competition-history-party').check();
  await byId('competition-history-reform').check();
  const offeredNames = await page.locator('[data-testid="competition-district"]').evaluateAll((els) => els.map((e) => e.dataset.name));
  if (offeredNames.includes(renamed)) fail(`the retired ${renamed} is offered for a new competition`);
  if (offeredNames.length < 2) fail(`only ${offeredNames.length} district(s) offered`);
  const boxes = page.locator('[data-testid="competition-district"]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  step(`  a draft with no title, ${startLocal} to ${endLocal}, ${offeredNames.slice(0, 2).join(' vs ')}`);
  let cr = await Promise.all([
    page.waitForResponse((x) => x.url().endsWith('/api/admin/competitions') && x.request().method() === 'POST'),
    byId('competition-save').click(),
  ]).then(([x]) => x);
  if (cr.status() !== 201) fail(`saving the draft answered ${cr.status()}: ${await cr.text()}`);
  const draft = await cr.json();
  const sent = JSON.parse(cr.request().postData());
  if (sent.starts_at_ms !== startMs) fail(`the start was sent as ${sent.starts_at_ms}, expected ${startMs} (Beijing ${startLocal})`);
  if (JSON.stringify(sent.questions) !== JSON.stringify({ kind: 'filter', histories: ['party', 'reform'], min_difficulty: 1, max_difficulty: 5 })) {
    fail(`the question set was sent as ${JSON.stringify(sent.questions)}`);
  }
  if (!draft.problems.some((p) => p.field === 'title')) fail(`a draft without a title has problems ${JSON.stringify(draft.problems)}`);
  const editorOf = (id) => page.locator(`[data-testid="competition-editor"][data-id="${id}"]`);
  await editorOf(draft.id).waitFor({ state: 'visible' }).catch(() => fail('the saved draft is not shown'));
  const problem = (await byId('competition-title-error').textContent()).trim();
  if (!problem) fail('the missing title is not shown at the title field');
  const draftRow = page.locator(`[data-testid="competitions-table"] tr[data-id="${draft.id}"]`);
  if ((await draftRow.locator('[data-testid="competition-status"]').textContent()).trim() !== '草稿') fail('the new draft is not listed as 草稿');
  step(`  problem at the title: "${problem}"`);

  step('  publishing it anyway');
  cr = await Promise.all([
    page.waitForResponse((x) => x.url().endsWith(`/competitions/${draft.id}/publish`)),
    byId('competition-publish').click(),
  ]).then(([x]) => x);
  if (cr.status() !== 400) fail(`publishing without a title answered ${cr.status()}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="competition-title"]')?.getAttribute('aria-invalid') === 'true', null, { timeout: 10_000 })
    .catch(() => fail('the refusal did not mark the title field'));
  step(`  refused at the title: "${(await byId('competition-title-error').textContent()).trim()}"`);

  const title = `四史知识区域PK赛 ${stamp4}`;
  step(`  titling it "${title}" and saving`);
  await byId('competition-title').fill(title);
  cr = await Promise.all([
    page.waitForResponse((x) => x.url().endsWith(`/api/admin/competitions/${draft.id}`) && x.request().method() === 'PUT'),
    byId('competition-save').click(),
  ]).then(([x]) => x);
  if (cr.status() !== 200) fail(`saving the title answered ${cr.status()}: ${await cr.text()}`);
  const fixed = await cr.json();
  if (fixed.problems.length) fail(`after the fix the draft still has problems ${JSON.stringify(fixed.problems)}`);
  await byId('competition-ready').waitFor({ state: 'visible' }).catch(() => fail('the fixed draft is not said to be ready'));
  if ((await byId('competition-title-error').textContent()).trim()) fail('the title still shows a problem after the fix');

  step('  publishing it');
  cr = await Promise.all([
    page.waitForResponse((x) => x.url().endsWith(`/competitions/${draft.id}/publish`)),
    byId('competition-publish').click(),
  ]).then(([x]) => x);
  if (cr.status() !== 200) fail(`publishing answered ${cr.status()}: ${await cr.text()}`);
  await page.locator(`[data-testid="competition-editor"][data-id="${draft.id}"][data-status="published"]`).waitFor({ state: 'visible' })
    .catch(() => fail('the editor does not show the competition as published'));
  const pubStatus = (await draftRow.locator('[data-testid="competition-status"]').textContent()).trim();
  if (pubStatus !== '已发布') fail(`the published competition is listed as "${pubStatus}"`);
  const pubText = (await draftRow.locator('th, td').allTextContents()).join(' | ');
  if (!pubText.includes(title) || !pubText.includes(startLocal.replace('T', ' '))) fail(`the published competition reads "${pubText}"`);
  await byId('competition-live').waitFor({ state: 'visible' }).catch(() => fail('the published competition shows no overview'));
  step(`  listed: ${pubText}`);

  step('  copying it');
  cr = await Promise.all([
    page.waitForResponse((x) => x.url().endsWith(`/competitions/${draft.id}/clone`)),
    byId('competition-clone').click(),
  ]).then(([x]) => x);
  if (cr.status() !== 201) fail(`copying answered ${cr.status()}: ${await cr.text()}`);
  const copy = await cr.json();
  const copyRow = page.locator(`[data-testid="competitions-table"] tr[data-id="${copy.id}"]`);
  await copyRow.waitFor({ state: 'visible' }).catch(() => fail('the copy is not listed'));
  const copyText = (await copyRow.locator('th, td').allTextContents()).join(' | ');
  if (!copyText.includes(`${title}（副本）`) || !copyText.includes('草稿')) fail(`the copy reads "${copyText}"`);
  await editorOf(copy.id).waitFor({ state: 'visible' }).catch(() => fail('the copy is not opened for editing'));
  if ((await draftRow.locator('[data-testid="competition-status"]').textContent()).trim() !== '已发布') fail('the original is no longer 已发布');
  step(`  copy listed: ${copyText}`);
  await page.locator('.toast').first().waitFor({ state: 'detached', timeout: 8_000 }).catch(() => {});
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('competitions');

  // ---- sign out ----
  step('signing out');
  await byId('signout').click();
  await byId('signin-name').waitFor({ state: 'visible' }).catch(() => fail('signing out did not show the sign-in form'));
  const me = await page.evaluate(async () => (await fetch('/api/admin/me')).status);
  if (me !== 401) fail(`after signing out /api/admin/me answers ${me}`);
  if (await byId('nav-overview').count()) fail('the navigation is still shown after signing out');

  step('opening the members page signed out');
  await page.goto(`${BASE}/admin/#/members`, { waitUntil: 'domcontentloaded' });
  await byId('signin-name').waitFor({ state: 'visible' }).catch(() => fail('a page opened signed out did not ask to sign in'));
  await byId('signin-name').fill(nameArg);
  await byId('signin-password').fill(passwordArg);
  await byId('signin-submit').click();
  await byId('page-members').waitFor({ state: 'visible' }).catch(() => fail('after signing in the members page asked for did not open'));
  step('  signed in again and landed on the members page');
  await byId('signout').click();
  await byId('signin-name').waitFor({ state: 'visible' }).catch(() => fail('the second sign-out did not show the sign-in form'));

  if (pageErrors.length) fail(`uncaught page errors: ${pageErrors.join(' | ')}`);
  step('PASS');
}

main()
  .then(async () => {
    clearTimeout(overall);
    await browser?.close();
    process.exit(0);
  })
  .catch(async (err) => {
    clearTimeout(overall);
    console.error(`FAIL: ${err instanceof Failure ? err.message : err && err.stack ? err.stack : err}`);
    try { await browser?.close(); } catch { /* ignore */ }
    process.exit(1);
  });
