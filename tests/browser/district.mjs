#!/usr/bin/env node
// Browser test of a whole 区域PK赛, end to end: an organizer signs in to the
// console (1280×800), creates a competition through the form (a Chinese
// title, starting now and ending in an hour, 2 per team, 3 questions, 3
// battles a day, 市南区 and 崂山区), saves and publishes it. The big screen
// (/screen/{id}, 1920×1080) shows both districts at zero. Four members on
// phone viewports (two of 市南区, two of 崂山区) sign in as guests, see the
// competition's card running, tap 进入区域PK and play the 2 v 2 battle: the
// 市南区 members answer every question right and the 崂山区 members wrong
// (the answer key comes from the bank the server plays from). The result
// screens say win +2 and lose +0; the big screen follows without a reload
// (市南区 2 points, first; 崂山区 0, second; the feed's version advanced);
// a member's standings put their district first with their own
// contribution; the console's 实时战况 shows 市南区 with 2 points and offers
// the exports (the standings CSV downloads with the organizer's cookie).
//
// Usage: node district.mjs BASE_URL SCREENSHOT_DIR ORGANIZER_NAME PASSWORD ANSWER_KEY
//   ANSWER_KEY: a JSON file of [{prompt, options, answer: [option texts]}]
//   CHROMIUM=/path/to/chromium   (default /usr/bin/chromium)
// Prints "COMPETITION_ID <id>" and "BATTLE_ID <id>" for the caller's checks.
// Exit code 0 on success, 1 on a failed check, 2 on the overall timeout.

import { chromium } from 'playwright-core';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const [baseArg, shotArg, nameArg, passwordArg, keyArg] = process.argv.slice(2);
if (!baseArg || !shotArg || !nameArg || !passwordArg || !keyArg) {
  console.error('usage: node district.mjs BASE_URL SCREENSHOT_DIR ORGANIZER_NAME PASSWORD ANSWER_KEY');
  process.exit(64);
}
const BASE = baseArg.replace(/\/+$/, '');
const SHOTS = path.resolve(shotArg);
const OVERALL_MS = 120_000;
const TITLE = '市南崂山·四史知识区域PK赛';
const HOME_DISTRICT = '市南区';
const AWAY_DISTRICT = '崂山区';
const QUESTIONS = 3;
const BEIJING_MS = 8 * 3_600_000;

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

const pageErrors = [];
const text = async (loc) => ((await loc.textContent()) || '').replace(/\s+/g, ' ').trim();

async function newPage(name, options) {
  const context = await browser.newContext({ deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...options });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('pageerror', (err) => { pageErrors.push(`${name}: ${err.message}`); console.log(`  [${name} page error] ${err.message}`); });
  page.on('console', (msg) => { if (msg.type() === 'error') console.log(`  [${name} console.error] ${msg.text()}`); });
  page.on('dialog', (d) => { step(`  ${name} confirms: ${d.message()}`); d.accept(); });
  const byId = (id) => page.locator(`[data-testid="${id}"]`);
  const shot = async (file, fullPage = false) => {
    const to = path.join(SHOTS, `district-${file}.png`);
    await page.screenshot({ path: to, fullPage });
    step(`  saved ${to}`);
  };
  return { name, context, page, byId, shot };
}

// ---- the answer key --------------------------------------------------------------------

let answerKey = [];

/** The shown positions of the right options of the question on `p`'s screen. */
async function shownQuestion(p) {
  const q = await p.page.evaluate(() => ({
    prompt: document.querySelector('[data-testid="district-prompt"]')?.textContent ?? '',
    options: [...document.querySelectorAll('[data-testid^="district-option-"] .opt-text')].map((e) => e.textContent),
    multiple: !!document.querySelector('[data-testid="district-submit"]'),
  }));
  const sameOptions = (k) => k.options.length === q.options.length && q.options.every((o) => k.options.includes(o));
  const found = answerKey.filter((k) => k.prompt.trim() === q.prompt.trim() && sameOptions(k));
  if (found.length !== 1) fail(`${p.name}: ${found.length} bank questions match "${q.prompt}" (${q.options.join(' | ')})`);
  const right = q.options.map((o, i) => (found[0].answer.includes(o) ? i : -1)).filter((i) => i >= 0);
  const wrong = q.options.map((_, i) => i).filter((i) => !right.includes(i));
  if (!right.length || !wrong.length) fail(`${p.name}: no right or no wrong option in "${q.prompt}"`);
  return { ...q, right, wrong };
}

// ---- members -----------------------------------------------------------------------------

async function signIn(p) {
  const res = await p.page.goto(`${BASE}/`, { waitUntil: 'domcontentloaded' })
    .catch((err) => fail(`cannot open ${BASE}/: ${err.message.split('\n')[0]}`));
  if (!res || !res.ok()) fail(`GET / answered ${res ? res.status() : 'nothing'}`);
  await p.byId('signin-nickname').waitFor({ state: 'visible' }).catch(() => fail(`${p.name}: the sign-in form did not appear`));
  await p.byId('signin-nickname').fill(p.name);
  await p.page.waitForFunction((d) => [...(document.querySelector('[data-testid="signin-district"]') || { options: [] }).options].some((o) => o.value === d), p.district, { timeout: 10_000 })
    .catch(() => fail(`${p.name}: the district list has no ${p.district}`));
  await p.byId('signin-district').selectOption({ label: p.district });
  await p.byId('signin-submit').click();
  await p.byId('mode-practice').waitFor({ state: 'visible' }).catch(() => fail(`${p.name} did not reach the home screen`));
}

async function waitForQuestion(p, n, matchId) {
  await p.page.waitForFunction(([n, matchId]) => {
    if (document.querySelector('[data-testid="district-result"]')) return true;
    const v = document.querySelector('[data-testid="district-battle"]');
    const b = document.querySelector('[data-testid="district-option-0"]');
    return v && v.dataset.matchId === matchId && v.dataset.seq === String(n) && v.dataset.phase === 'question' && b && !b.disabled;
  }, [n, matchId], { timeout: 30_000 }).catch(async () => {
    const state = await p.page.evaluate(() => window.__datiMatch && window.__datiMatch.state()).catch(() => null);
    fail(`${p.name}: question ${n} never became answerable (state ${JSON.stringify(state)})`);
  });
  if (await p.byId('district-result').count()) fail(`${p.name}: the battle ended before question ${n}`);
}

/** One member's whole battle: right answers when `p.right`, else wrong ones. */
async function play(p, matchId, hooks = {}) {
  for (let n = 1; n <= QUESTIONS; n++) {
    await waitForQuestion(p, n, matchId);
    if (hooks[n]) await hooks[n]();
    const q = await shownQuestion(p);
    const picks = p.right ? (q.multiple ? q.right : q.right.slice(0, 1)) : q.wrong.slice(0, 1);
    for (const i of picks) await p.byId(`district-option-${i}`).click();
    if (q.multiple) await p.byId('district-submit').click();
    step(`  ${p.name} q${n}: ${picks.map((i) => String.fromCharCode(65 + i)).join('')} (${p.right ? 'right' : 'wrong'})`);
    await p.page.waitForFunction(([n, matchId]) => {
      if (document.querySelector('[data-testid="district-result"]')) return true;
      const v = document.querySelector('[data-testid="district-battle"]');
      return v && v.dataset.matchId === matchId && (Number(v.dataset.seq) > n || (v.dataset.seq === String(n) && v.dataset.phase === 'reveal'));
    }, [n, matchId], { timeout: 30_000 }).catch(() => fail(`${p.name}: no reveal of question ${n}`));
    if (hooks[`reveal${n}`]) await hooks[`reveal${n}`]();
  }
  await p.byId('district-result').waitFor({ state: 'visible', timeout: 20_000 }).catch(() => fail(`${p.name}: no result screen`));
}

// ---- the big screen ------------------------------------------------------------------------

/** The big screen's row of `district`: {points, place, wins, losses}, as shown. */
async function screenRow(screen, district) {
  return screen.page.evaluate((d) => {
    const row = document.querySelector(`[data-district="${d}"]`);
    if (!row) return null;
    const f = (name) => row.querySelector(`[data-field="${name}"]`)?.textContent.trim();
    return { points: f('points'), place: f('place'), wins: f('wins'), losses: f('losses') };
  }, district);
}

/** What the big screen's modules are served as, for a failure's message. */
async function moduleTypes() {
  const types = await Promise.all(['/screen/screen.js', '/screen/feed.js', '/screen/screen.css'].map(async (url) => {
    const r = await fetch(`${BASE}${url}`).catch(() => null);
    return `${url}: ${r ? `${r.status} ${r.headers.get('content-type')}` : 'unreachable'}`;
  }));
  return ` (${types.join(', ')})`;
}

async function main() {
  await mkdir(SHOTS, { recursive: true });
  answerKey = JSON.parse(await readFile(keyArg, 'utf8'));
  if (!answerKey.length) fail(`the answer key ${keyArg} is empty`);

  step(`launching chromium (${process.env.CHROMIUM || '/usr/bin/chromium'})`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  // ---- 1. the organizer creates and publishes the competition ----
  const org = await newPage('organizer', { viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce', acceptDownloads: true });
  step(`organizer ${nameArg} signs in at /admin/`);
  const res = await org.page.goto(`${BASE}/admin/`, { waitUntil: 'domcontentloaded' })
    .catch((err) => fail(`cannot open ${BASE}/admin/: ${err.message.split('\n')[0]}`));
  if (!res || !res.ok()) fail(`GET /admin/ answered ${res ? res.status() : 'nothing'}`);
  await org.byId('signin-name').fill(nameArg);
  await org.byId('signin-password').fill(passwordArg);
  await org.byId('signin-submit').click();
  await org.byId('page-overview').waitFor({ state: 'visible' }).catch(() => fail('the organizer did not reach the overview'));

  step('opening 区域PK赛 and 新建比赛');
  await org.byId('nav-competitions').click();
  await org.byId('competitions-table').waitFor({ state: 'visible' }).catch(() => fail('the competitions table did not appear'));
  await org.byId('competition-new').click();
  await org.page.locator('[data-testid="competition-editor"][data-id="new"]').waitFor({ state: 'visible' })
    .catch(() => fail('新建比赛 opened no form'));

  // The form takes whole minutes: "now" is the current minute, up to 59 s
  // ago, and the server takes a start up to START_TOLERANCE_MS (60 s) ago.
  // Late in a minute, let it turn first so that saving and publishing keep a
  // margin.
  if (new Date().getSeconds() >= 50) {
    step('  waiting for the minute to turn (the form takes whole minutes)');
    await org.page.waitForFunction(() => new Date().getSeconds() < 50, null, { timeout: 15_000, polling: 200 });
  }
  const beijingLocal = (ms) => new Date(ms + BEIJING_MS).toISOString().slice(0, 16);
  const startMs = Math.floor(Date.now() / 60_000) * 60_000;
  const endMs = startMs + 3_600_000;
  await org.byId('competition-title').fill(TITLE);
  await org.byId('competition-start').fill(beijingLocal(startMs));
  await org.byId('competition-end').fill(beijingLocal(endMs));
  await org.byId('competition-team-size').fill('2');
  await org.byId('competition-questions-per-battle').fill('3');
  await org.byId('competition-daily-battles').fill('3');
  for (const d of [HOME_DISTRICT, AWAY_DISTRICT]) {
    const box = org.page.locator(`[data-testid="competition-district"][data-name="${d}"]`);
    if (!(await box.count())) fail(`${d} is not offered in the competition form`);
    await box.check();
  }
  const preview = await text(org.byId('competition-window-preview'));
  step(`  "${TITLE}", ${beijingLocal(startMs)} → ${beijingLocal(endMs)} (${preview}), 2 per team, 3 questions, 3 a day, ${HOME_DISTRICT} vs ${AWAY_DISTRICT}`);

  step('  saving the draft');
  let cr = await Promise.all([
    org.page.waitForResponse((x) => x.url().endsWith('/api/admin/competitions') && x.request().method() === 'POST'),
    org.byId('competition-save').click(),
  ]).then(([x]) => x);
  if (cr.status() !== 201) fail(`saving the draft answered ${cr.status()}: ${await cr.text()}`);
  const draft = await cr.json();
  const sent = JSON.parse(cr.request().postData());
  const want = { title: TITLE, starts_at_ms: startMs, ends_at_ms: endMs, team_size: 2, questions_per_battle: 3, daily_battles: 3 };
  for (const [k, v] of Object.entries(want)) if (sent[k] !== v) fail(`the form sent ${k} = ${JSON.stringify(sent[k])}, expected ${JSON.stringify(v)}`);
  if ([...sent.districts].sort().join() !== [HOME_DISTRICT, AWAY_DISTRICT].sort().join()) fail(`the form sent the districts ${sent.districts}`);
  if (draft.problems?.length) fail(`the draft has problems: ${JSON.stringify(draft.problems)}`);
  const editor = org.page.locator(`[data-testid="competition-editor"][data-id="${draft.id}"]`);
  await editor.waitFor({ state: 'visible' }).catch(() => fail('the saved draft is not shown'));
  await org.byId('competition-ready').waitFor({ state: 'visible' }).catch(() => fail('the draft is not said to be ready'));
  console.log(`COMPETITION_ID ${draft.id}`);

  step('  publishing it');
  cr = await Promise.all([
    org.page.waitForResponse((x) => x.url().endsWith(`/competitions/${draft.id}/publish`)),
    org.byId('competition-publish').click(),
  ]).then(([x]) => x);
  if (cr.status() !== 200) fail(`publishing answered ${cr.status()}: ${await cr.text()}`);
  await org.page.locator(`[data-testid="competition-editor"][data-id="${draft.id}"][data-status="running"]`).waitFor({ state: 'visible' })
    .catch(() => fail('the editor does not show the competition as running (it started now)'));
  const row = org.page.locator(`[data-testid="competitions-table"] tr[data-id="${draft.id}"]`);
  const listed = (await row.locator('th, td').allTextContents()).map((s) => s.trim()).join(' | ');
  if (!listed.includes(TITLE) || !listed.includes('进行中')) fail(`the competition is listed as "${listed}"`);
  step(`  listed: ${listed}`);
  await org.byId('competition-live').waitFor({ state: 'visible' }).catch(() => fail('the running competition shows no overview'));
  // 实时战况 (js/live.js), when the console has it.
  const live = org.byId('competition-standings');
  const hasLive = (await org.page.locator('.comp-rt-slot').count()) > 0;
  if (hasLive) {
    await org.page.locator(`[data-testid="competition-standings"][data-id="${draft.id}"][data-connected="true"]`).waitFor({ state: 'visible' })
      .catch(async () => fail(`实时战况 did not connect${await moduleTypes()}`));
    await org.page.locator(`[data-testid="competition-standings-table"] tr[data-district="${HOME_DISTRICT}"]`).waitFor({ state: 'visible' })
      .catch(() => fail(`实时战况 shows no row for ${HOME_DISTRICT}`));
  } else {
    step('  SKIPPED: the console has no 实时战况 yet');
  }
  await org.page.evaluate(() => window.scrollTo(0, 0));
  await org.shot('console');

  // ---- 2. the big screen, before the battle ----
  step(`opening the big screen /screen/${draft.id} at 1920×1080`);
  const screen = await newPage('screen', { viewport: { width: 1920, height: 1080 } });
  await screen.page.goto(`${BASE}/screen/${draft.id}`, { waitUntil: 'domcontentloaded' });
  await screen.page.waitForFunction(([a, b]) => document.body.dataset.connected === 'true' && document.body.dataset.status === 'running'
    && document.querySelector(`[data-district="${a}"] [data-field="points"]`) && document.querySelector(`[data-district="${b}"] [data-field="points"]`),
  [HOME_DISTRICT, AWAY_DISTRICT], { timeout: 15_000 }).catch(async () => fail(`the big screen did not connect and show both districts${await moduleTypes()}`));
  for (const d of [HOME_DISTRICT, AWAY_DISTRICT]) {
    const r = await screenRow(screen, d);
    if (r.points !== '0' || r.wins !== '0' || r.losses !== '0') fail(`before any battle the big screen shows ${d} as ${JSON.stringify(r)}`);
  }
  const versionBefore = Number(await screen.page.evaluate(() => document.body.dataset.version));
  const screenTitle = await text(screen.page.locator('#title'));
  if (screenTitle !== TITLE) fail(`the big screen is titled "${screenTitle}"`);
  step(`  "${screenTitle}", ${await text(screen.page.locator('#status'))}, version ${versionBefore}; both districts at 0`);
  await screen.shot('screen-before');

  // ---- 3. four members play the battle ----
  const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
  const member = async (name, district, right) => ({ ...(await newPage(name, phone)), district, right });
  const players = [
    await member('赵一', HOME_DISTRICT, true), await member('钱二', HOME_DISTRICT, true),
    await member('孙三', AWAY_DISTRICT, false), await member('李四', AWAY_DISTRICT, false),
  ];
  const [A, B, C, D] = players;
  step('four members sign in as guests');
  await Promise.all(players.map(signIn));
  const card = (p) => p.page.locator(`[data-testid="district-card"][data-competition-id="${draft.id}"]`);
  await Promise.all(players.map(async (p) => {
    await card(p).locator('[data-testid="district-enter"]').waitFor({ state: 'visible' })
      .catch(() => fail(`${p.name}: the competition's card offers no 进入区域PK`));
    const status = await card(p).getAttribute('data-status');
    if (status !== 'running') fail(`${p.name}: the card reads ${status}, not running`);
  }));
  step(`  the card: ${await text(card(A).locator('[data-testid="district-status"]'))} · ${await text(card(A).locator('.comp-title'))}`);
  await A.shot('home', true);

  step('all four tap 进入区域PK');
  await Promise.all(players.map((p) => card(p).locator('[data-testid="district-enter"]').click()));
  const matchIds = await Promise.all(players.map(async (p) => {
    await p.byId('district-battle').waitFor({ state: 'visible', timeout: 20_000 }).catch(() => fail(`${p.name}: the battle did not start`));
    return p.byId('district-battle').getAttribute('data-match-id');
  }));
  if (new Set(matchIds).size !== 1) fail(`the four are in different battles: ${matchIds}`);
  const matchId = matchIds[0];
  console.log(`BATTLE_ID ${matchId}`);
  for (const p of players) {
    const teams = await p.page.evaluate(() => [...document.querySelectorAll('[data-testid="district-team"]')].map((c) => `${c.dataset.side}:${c.dataset.district}:${c.dataset.members}`));
    const other = p.district === HOME_DISTRICT ? AWAY_DISTRICT : HOME_DISTRICT;
    if (teams.join() !== `mine:${p.district}:2,theirs:${other}:2`) fail(`${p.name}'s team columns: ${teams}`);
  }
  step(`  battle ${matchId}: ${HOME_DISTRICT} 2 v 2 ${AWAY_DISTRICT}`);

  await Promise.all([
    play(A, matchId, {
      reveal1: async () => {
        await A.byId('district-reveal').waitFor({ state: 'visible' }).catch(() => fail('赵一 sees no reveal of question 1'));
        await A.shot('reveal', true);
      },
      2: async () => {
        await A.shot('battle', true);
        step(`  赵一 sees the averages ${await text(A.byId('district-averages'))}`);
      },
    }),
    play(B, matchId),
    play(C, matchId),
    play(D, matchId),
  ]);

  step('the result screens');
  for (const p of players) {
    const outcome = await p.byId('district-result').getAttribute('data-outcome');
    const points = await p.byId('district-points-earned').getAttribute('data-points');
    const [wantOutcome, wantPoints] = p.right ? ['win', '2'] : ['lose', '0'];
    step(`  ${p.name} (${p.district}): ${outcome}, +${points}: "${await text(p.byId('district-points-earned'))}"; ${await text(p.byId('district-my-result'))}`);
    if (outcome !== wantOutcome || points !== wantPoints) fail(`${p.name} sees ${outcome} +${points}, expected ${wantOutcome} +${wantPoints}`);
  }
  const decided = await A.byId('district-result').getAttribute('data-decided-by');
  step(`  decided by ${decided}`);
  await A.shot('result-win', true);
  await C.shot('result-lose', true);

  // ---- 4. the big screen follows, without a reload ----
  step('the big screen follows');
  await screen.page.waitForFunction(([a, b, before]) => {
    const f = (d, name) => document.querySelector(`[data-district="${d}"] [data-field="${name}"]`)?.textContent.trim();
    const v = Number(document.body.dataset.version);
    return f(a, 'points') === '2' && f(a, 'place') === '1' && f(a, 'wins') === '1'
      && f(b, 'points') === '0' && f(b, 'place') === '2' && f(b, 'losses') === '1'
      && v > before && v > 1;
  }, [HOME_DISTRICT, AWAY_DISTRICT, versionBefore], { timeout: 15_000 }).catch(async () => {
    fail(`the big screen shows ${HOME_DISTRICT} ${JSON.stringify(await screenRow(screen, HOME_DISTRICT))}, ${AWAY_DISTRICT} ${JSON.stringify(await screenRow(screen, AWAY_DISTRICT))}, version ${await screen.page.evaluate(() => document.body.dataset.version)}`);
  });
  const versionAfter = Number(await screen.page.evaluate(() => document.body.dataset.version));
  const order = await screen.page.evaluate(() => [...document.querySelectorAll('#rows [data-district]')].map((r) => r.dataset.district));
  if (order[0] !== HOME_DISTRICT) fail(`the big screen lists ${order.join(', ')}`);
  step(`  ${HOME_DISTRICT} ${JSON.stringify(await screenRow(screen, HOME_DISTRICT))}, ${AWAY_DISTRICT} ${JSON.stringify(await screenRow(screen, AWAY_DISTRICT))}; version ${versionBefore} → ${versionAfter}; ${await text(screen.page.locator('#summary'))}`);
  // Let the rows' flash settle for a calm picture (the values are already checked).
  await screen.page.waitForFunction(() => !document.querySelector('.row-flash, .row-rise, .cell-flash, .is-moving'), null, { timeout: 5_000 }).catch(() => {});
  await screen.shot('screen-after');

  // ---- 5. a member's standings ----
  step('赵一 opens the standings');
  await A.byId('district-view-standings').click();
  await A.page.waitForFunction(() => (document.querySelector('[data-testid="district-standings"]') || { dataset: {} }).dataset.loaded === '1')
    .catch(() => fail('the standings did not load'));
  const rows = await A.page.evaluate(() => [...document.querySelectorAll('[data-testid="district-row"]')].map((r) => ({ ...r.dataset })));
  step(`  ranking ${rows.map((r) => `${r.place}.${r.district}=${r.points}${r.me === '1' ? '*' : ''}`).join(' ')}`);
  if (rows.length !== 2 || rows[0].district !== HOME_DISTRICT || rows[0].place !== '1' || rows[0].points !== '2' || rows[0].me !== '1') fail(`the ranking: ${JSON.stringify(rows)}`);
  if (rows[1].district !== AWAY_DISTRICT || rows[1].points !== '0') fail(`the ranking: ${JSON.stringify(rows)}`);
  const mine = A.byId('district-my-contribution');
  await mine.waitFor({ state: 'visible' }).catch(() => fail('赵一 sees no contribution of their own'));
  const contribution = { ...(await mine.evaluate((e) => ({ ...e.dataset }))) };
  step(`  contribution ${JSON.stringify(contribution)}: ${await text(mine)}`);
  if (!['1', '2'].includes(contribution.rank) || contribution.battles !== '1') fail(`赵一's contribution reads ${JSON.stringify(contribution)}`);
  await A.shot('standings', true);

  // ---- 6. the console's 实时战况 ----
  if (hasLive) {
    step('the console\'s 实时战况 follows');
    await org.page.waitForFunction(([a, b]) => {
      const f = (d, name) => document.querySelector(`[data-testid="competition-standings-table"] tr[data-district="${d}"] [data-field="${name}"]`)?.textContent.trim();
      return f(a, 'points') === '2' && f(a, 'place') === '1' && f(b, 'points') === '0';
    }, [HOME_DISTRICT, AWAY_DISTRICT], { timeout: 15_000 }).catch(() => fail(`实时战况 does not show ${HOME_DISTRICT} first with 2 points`));
    for (const table of ['standings', 'members']) {
      for (const format of ['csv', 'xlsx']) {
        const href = await org.byId(`competition-export-${table}-${format}`).getAttribute('href').catch(() => null);
        if (!href || !href.includes(`/competitions/${draft.id}/export`)) fail(`实时战况 has no ${table} ${format} export link (${href})`);
      }
    }
    const csvHref = await org.byId('competition-export-standings-csv').getAttribute('href');
    const csv = await org.page.request.get(new URL(csvHref, BASE).href);
    const body = await csv.text();
    if (!csv.ok() || !body.includes(HOME_DISTRICT)) fail(`the standings CSV answered ${csv.status()}: ${body.slice(0, 200)}`);
    step(`  ${await text(org.byId('competition-rt-summary'))}; export links present, the standings CSV downloads (${body.split('\n').length} lines)`);
    // The live view at the top, below the console's sticky header.
    await live.evaluate((e) => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 72));
    await org.shot('console-live');
  } else {
    step('SKIPPED the console\'s 实时战况: not in the console yet');
  }

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
