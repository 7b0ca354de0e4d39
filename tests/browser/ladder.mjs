#!/usr/bin/env node
// Browser test of the 争上游 ladder web client: four members in four browser
// contexts on 360×740 phone viewports. Each signs in and opens 争上游 (the
// home shows a 青铜 badge, the season and its days left); three start matching
// and see the seats fill, the fourth completes a race of four members (no
// bots); all four play every question to the end on the live race track (one
// member's socket drops once and another reloads the page once, and both must
// come back to the race); the result screens agree on places 1–4 and show
// each member's star change; the season leaderboard then ranks the four
// members. Then one member races again (queues), cancels, and reads the
// ladder home in English.
//
// Usage: node ladder.mjs BASE_URL SCREENSHOT_DIR
//   CHROMIUM=/path/to/chromium   (default /usr/bin/chromium)
//   VIEWPORT=1280x800            (optional; default 360x740)
// Prints "RACE_ID <id>" for the caller's checks.
// Exit code 0 on success, 1 on a failed check, 2 on the overall timeout.

import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

const [baseArg, shotArg] = process.argv.slice(2);
if (!baseArg || !shotArg) {
  console.error('usage: node ladder.mjs BASE_URL SCREENSHOT_DIR');
  process.exit(64);
}
const BASE = baseArg.replace(/\/+$/, '');
const SHOTS = path.resolve(shotArg);
const OVERALL_MS = 240_000;
const [vw, vh] = (process.env.VIEWPORT || '360x740').split('x').map(Number);

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

async function newPlayer(name) {
  const context = await browser.newContext({
    viewport: { width: vw, height: vh },
    deviceScaleFactor: 1,
    isMobile: vw < 600,
    hasTouch: vw < 600,
    locale: 'zh-CN',
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('pageerror', (err) => { pageErrors.push(`${name}: ${err.message}`); console.log(`  [${name} page error] ${err.message}`); });
  page.on('console', (msg) => { if (msg.type() === 'error') console.log(`  [${name} console.error] ${msg.text()}`); });
  page.on('dialog', (d) => { step(`  ${name} confirms: ${d.message()}`); d.accept(); });
  const byId = (id) => page.locator(`[data-testid="${id}"]`);
  return { name, context, page, byId };
}

async function signIn(p) {
  const { page, byId } = p;
  const res = await page.goto(`${BASE}/`, { waitUntil: 'domcontentloaded' })
    .catch((err) => fail(`cannot open ${BASE}/: ${err.message.split('\n')[0]}`));
  if (!res || !res.ok()) fail(`GET / answered ${res ? res.status() : 'nothing'}`);
  await byId('signin-nickname').waitFor({ state: 'visible' }).catch(() => fail(`${p.name}: the sign-in form did not appear`));
  await byId('signin-nickname').fill(p.name);
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid="signin-district"]');
    return s && [...s.options].some((o) => o.value === '市南区');
  }, null, { timeout: 10_000 }).catch(() => fail('the district list (GET /api/districts) did not load'));
  await byId('signin-district').selectOption({ label: '市南区' });
  await byId('signin-submit').click();
  await byId('mode-ladder').waitFor({ state: 'visible' }).catch(() => fail(`${p.name} did not reach the home screen`));
}

async function openLadder(p) {
  const { byId } = p;
  if (await byId('mode-ladder').isDisabled()) fail('the 争上游 entry on the home screen is disabled');
  await byId('home-tier').waitFor({ state: 'visible', timeout: 10_000 }).catch(() => fail(`${p.name}: no tier badge in the home header`));
  await byId('mode-ladder').click();
  await byId('ladder-home').waitFor({ state: 'visible' }).catch(() => fail(`${p.name}: the 争上游 home did not open`));
  await byId('ladder-rank').waitFor({ state: 'visible' }).catch(() => fail(`${p.name}: the 争上游 home shows no tier (GET /api/ladder)`));
  const tier = await byId('ladder-rank').getAttribute('data-tier');
  const stars = await byId('ladder-rank').getAttribute('data-stars');
  if (tier !== 'bronze' || stars !== '1') fail(`${p.name}: a new member starts at ${tier} ${stars}★, not 青铜 1★`);
  const name = (await byId('ladder-tier-name').textContent()).trim();
  if (name !== '青铜') fail(`${p.name}: the tier is named "${name}", not 青铜`);
  const season = (await byId('ladder-season').textContent()).replace(/\s+/g, ' ').trim();
  if (!/第 \d+ 赛季/.test(season) || !/剩余 \d+ 天/.test(season)) fail(`${p.name}: the season line reads "${season}"`);
  return season;
}

async function raceMatchId(p) {
  const v = p.byId('ladder-race');
  await v.waitFor({ state: 'visible', timeout: 20_000 }).catch(async () => {
    const found = await p.byId('ladder-found').textContent().catch(() => '?');
    fail(`${p.name}: the race did not start (queue says "${found}")`);
  });
  return v.getAttribute('data-match-id');
}

/** Wait until question `n` is open for answers; false when the result came instead. */
async function waitForQuestion(p, n, matchId) {
  await p.page.waitForFunction(([n, matchId]) => {
    if (document.querySelector('[data-testid="ladder-result"]')) return true;
    const v = document.querySelector('[data-testid="ladder-race"]');
    const b = document.querySelector('[data-testid="ladder-option-0"]');
    return v && v.dataset.matchId === matchId && v.dataset.seq === String(n) && v.dataset.phase === 'question' && b && !b.disabled;
  }, [n, matchId], { timeout: 45_000 }).catch(async () => {
    const state = await p.page.evaluate(() => window.__datiMatch && window.__datiMatch.state()).catch(() => null);
    fail(`${p.name}: question ${n} never became answerable (state ${JSON.stringify(state)})`);
  });
  return !(await p.byId('ladder-result').count());
}

async function waitForReveal(p, n, matchId) {
  await p.page.waitForFunction(([n, matchId]) => {
    if (document.querySelector('[data-testid="ladder-result"]')) return true;
    const v = document.querySelector('[data-testid="ladder-race"]');
    return v && v.dataset.matchId === matchId && (Number(v.dataset.seq) > n || (v.dataset.seq === String(n) && v.dataset.phase === 'reveal'));
  }, [n, matchId], { timeout: 45_000 }).catch(() => fail(`${p.name}: no reveal of question ${n}`));
}

/** The lanes of the race track as [{seat, me, bot, points, answered}]. */
async function lanes(p) {
  return p.page.evaluate(() => [...document.querySelectorAll('[data-testid="ladder-lane"]')].map((l) => ({
    seat: Number(l.dataset.seat),
    me: l.dataset.me === '1',
    bot: l.dataset.bot === '1',
    points: Number(l.dataset.points),
    answered: l.dataset.answered === '1',
    name: l.querySelector('[data-testid="ladder-lane-name"]').textContent.trim(),
  })));
}

async function checkTrack(p, n) {
  const ls = await lanes(p);
  if (ls.length !== 4) fail(`${p.name}: the race track has ${ls.length} lanes, not 4`);
  if (ls.filter((l) => l.me).length !== 1) fail(`${p.name}: ${ls.filter((l) => l.me).length} lanes are marked as mine`);
  if (ls.some((l) => l.bot)) fail(`${p.name}: a lane is labelled 机器人 in a race of four members`);
  const mine = ls.find((l) => l.me);
  if (!mine.name.startsWith(p.name)) fail(`${p.name}: my lane is named "${mine.name}"`);
  if (n === 1 && ls.some((l) => l.points !== 0)) fail(`${p.name}: points on the track before any reveal: ${JSON.stringify(ls)}`);
  return ls;
}

/** One player's whole race, answering option `option` (mod the option count). */
async function playRace(p, option, matchId, total, hooks = {}) {
  for (let n = 1; n <= total; n++) {
    if (!(await waitForQuestion(p, n, matchId))) fail(`${p.name}: the result came before question ${n}`);
    await checkTrack(p, n);
    if (hooks[n]) await hooks[n]();
    const count = await p.page.locator('[data-testid^="ladder-option-"]').count();
    const pick = (option + n) % count;
    const multiple = await p.byId('ladder-submit').count() > 0;
    await p.byId(`ladder-option-${pick}`).click();
    if (multiple) await p.byId('ladder-submit').click();
    await waitForReveal(p, n, matchId);
    if (!(await p.byId('ladder-result').count())) {
      const me = (await p.byId('ladder-reveal-me').textContent({ timeout: 1_000 }).catch(() => '')).replace(/\s+/g, ' ').trim();
      const ls = await lanes(p).catch(() => []);
      step(`  ${p.name} q${n}${multiple ? ' [multiple]' : ''} option ${pick}: ${me} | track ${ls.map((l) => `${l.name.slice(0, 2)}=${l.points}`).join(' ')}`);
    }
    if (hooks[`reveal${n}`]) await hooks[`reveal${n}`]();
  }
  await p.byId('ladder-result').waitFor({ state: 'visible', timeout: 30_000 }).catch(() => fail(`${p.name}: no result screen after question ${total}`));
}

async function readResult(p) {
  const r = p.byId('ladder-result');
  const place = Number(await r.getAttribute('data-place'));
  const standings = await p.page.evaluate(() => [...document.querySelectorAll('[data-testid="ladder-standing"]')].map((row) => {
    const stars = row.querySelector('[data-testid="ladder-standing-stars"]');
    return {
      seat: Number(row.dataset.seat),
      place: Number(row.dataset.place),
      points: Number(row.dataset.points),
      me: row.dataset.me === '1',
      stars: stars ? Number(stars.dataset.stars) : null,
      starsText: stars ? stars.textContent.trim() : null,
      name: row.querySelector('.standing-name').textContent.trim(),
    };
  }));
  const change = p.byId('ladder-star-change');
  const stars = (await change.count()) ? Number(await change.getAttribute('data-stars')) : null;
  return { place, standings, stars, title: (await p.byId('ladder-result-place').textContent()).trim() };
}

async function main() {
  await mkdir(SHOTS, { recursive: true });
  step(`launching chromium (${process.env.CHROMIUM || '/usr/bin/chromium'})`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const players = [];
  for (const name of ['赵一', '钱二', '孙三', '李四']) players.push(await newPlayer(name));
  const [A, B, C, D] = players;

  // ---- sign in, open 争上游 ----
  step('four members sign in and open 争上游');
  await Promise.all(players.map(signIn));
  await A.byId('home-tier').waitFor({ state: 'visible', timeout: 10_000 }).catch(() => fail('no tier badge in the home header'));
  await A.page.screenshot({ path: path.join(SHOTS, 'ladder-home-header.png'), fullPage: false });
  const seasons = await Promise.all(players.map(openLadder));
  step(`  ladder home: 青铜 1★, ${seasons[0]}`);
  await A.page.screenshot({ path: path.join(SHOTS, 'ladder-home.png'), fullPage: false });

  // ---- queue: three wait and see the seats fill, the fourth completes the race ----
  step('赵一, 钱二 and 孙三 start matching');
  await Promise.all([A, B, C].map(async (p) => {
    await p.byId('ladder-start').click();
    await p.byId('ladder-queue-screen').waitFor({ state: 'visible' }).catch(() => fail(`${p.name}: no queue screen after 开始匹配`));
  }));
  await A.page.waitForFunction(() => {
    const s = document.querySelector('[data-testid="ladder-queue-screen"]');
    return s && Number(s.dataset.found) >= 3;
  }, null, { timeout: 6_000 }).catch(async () => {
    const found = await A.byId('ladder-found').textContent().catch(() => '?');
    fail(`赵一's queue never found three players (shows "${found}")`);
  });
  const found = (await A.byId('ladder-found').textContent()).trim();
  const filled = await A.page.locator('[data-testid^="ladder-seat-"][data-filled="1"]').count();
  const note = (await A.byId('ladder-bot-note').textContent()).trim();
  step(`  赵一 sees "${found}", ${filled} of 4 seats filled; "${note}"`);
  if (!/已找到 3\/4 名选手/.test(found)) fail(`the queue reads "${found}", not 已找到 3/4 名选手`);
  if (filled !== 3) fail(`${filled} seats are filled on the queue screen, not 3`);
  if (!/机器人/.test(note)) fail(`the queue does not say that bots fill the empty seats: "${note}"`);
  await A.page.waitForFunction(() => /^00:0[1-9]$/.test((document.querySelector('[data-testid="ladder-queue-elapsed"]') || {}).textContent || ''), null, { timeout: 4_000 })
    .catch(() => fail('the queue screen shows no running elapsed time'));
  await A.page.screenshot({ path: path.join(SHOTS, 'ladder-queue.png'), fullPage: false });
  step(`  saved ${path.join(SHOTS, 'ladder-queue.png')}`);
  step('李四 starts matching');
  await D.byId('ladder-start').click();

  const ids = await Promise.all(players.map(raceMatchId));
  if (new Set(ids).size !== 1 || !ids[0]) fail(`the four members are in different races: ${ids.join(', ')}`);
  const matchId = ids[0];
  if ((await A.byId('ladder-race').getAttribute('data-phase')) === 'countdown') {
    await A.page.screenshot({ path: path.join(SHOTS, 'ladder-start.png'), fullPage: false });
  }
  const total = Number(await A.byId('ladder-race').getAttribute('data-total'));
  const count = Number(await A.byId('ladder-race').getAttribute('data-players'));
  step(`race ${matchId}: ${count} players, ${total} questions`);
  if (count !== 4) fail(`the race has ${count} players, not 4`);
  if (!(total >= 1)) fail(`bad question total ${total}`);
  if (await A.page.locator('[data-testid="ladder-bot-badge"], [data-testid="ladder-lane-bot"]').count()) fail('a member is labelled 机器人');

  // ---- everyone plays every question ----
  const hooksA = {
    [Math.min(3, total)]: async () => {
      // Let the others' answers show as ticks on the track, then take the picture.
      await A.page.waitForFunction(() => document.querySelector('[data-testid="ladder-lane"][data-answered="1"]'), null, { timeout: 3_000 }).catch(() => {});
      await A.page.screenshot({ path: path.join(SHOTS, 'ladder-race.png'), fullPage: false });
      step(`  saved ${path.join(SHOTS, 'ladder-race.png')}`);
    },
    reveal2: async () => {
      // The markers have moved by now (a .9 s transition), before the page scrolls on.
      await A.page.waitForTimeout(1000);
      await A.page.screenshot({ path: path.join(SHOTS, 'ladder-reveal.png'), fullPage: false });
    },
  };
  const hooksC = {
    [Math.min(2, total)]: async () => {
      // A dropped connection: reconnect, resume with last_version, replay.
      const before = await C.page.evaluate(() => window.__datiMatch.state());
      step(`孙三's socket drops at question ${Math.min(2, total)} (version ${before.version})`);
      await C.page.evaluate(() => window.__datiMatch.dropSocket());
      await C.byId('ladder-reconnecting').waitFor({ state: 'visible', timeout: 5_000 }).catch(() => step('  (the reconnect banner was too quick to see)'));
      await C.byId('ladder-reconnecting').waitFor({ state: 'hidden', timeout: 20_000 }).catch(() => fail('孙三 did not resume after the socket dropped'));
      step(`  孙三 resumed: ${JSON.stringify(await C.page.evaluate(() => window.__datiMatch.state()))}`);
      if (!(await waitForQuestion(C, Math.min(2, total), matchId))) fail('孙三 lost the question after resuming');
    },
  };
  const hooksD = {
    [Math.min(4, total)]: async () => {
      // A page reload: sessionStorage names the race, hello's active_match
      // (mode "ladder") confirms it, the server sends a snapshot.
      step(`李四 reloads the page at question ${Math.min(4, total)}`);
      await D.page.reload({ waitUntil: 'domcontentloaded' });
      await D.byId('ladder-race').waitFor({ state: 'visible', timeout: 20_000 }).catch(() => fail('李四 did not come back to the race after a reload'));
      if (!(await waitForQuestion(D, Math.min(4, total), matchId))) fail('李四 lost the question after the reload');
      step(`  李四 resumed after reload: ${JSON.stringify(await D.page.evaluate(() => window.__datiMatch.state()))}`);
    },
  };
  const hooks = [hooksA, {}, hooksC, hooksD];
  await Promise.all(players.map((p, i) => playRace(p, i, matchId, total, hooks[i])));

  // ---- results ----
  const results = await Promise.all(players.map(readResult));
  results.forEach((r, i) => step(`${players[i].name}: ${r.title}, stars ${r.stars}; ${r.standings.map((s) => `${s.place}.${s.name.slice(0, 2)} ${s.points} ${s.starsText}`).join(' | ')}`));
  const places = results.map((r) => r.place).sort();
  if (places.join() !== '1,2,3,4') fail(`the four result screens show places ${places.join(', ')}, not 1–4`);
  for (const [i, r] of results.entries()) {
    const p = players[i];
    if (r.standings.length !== 4) fail(`${p.name}: ${r.standings.length} standings, not 4`);
    if (r.standings.map((s) => s.place).join() !== '1,2,3,4') fail(`${p.name}: standings in places ${r.standings.map((s) => s.place).join(', ')}`);
    if (r.standings.some((s) => s.stars === null)) fail(`${p.name}: a member's standing shows no star change`);
    const mine = r.standings.find((s) => s.me);
    if (!mine || mine.place !== r.place) fail(`${p.name}: the headline place ${r.place} is not my row's ${mine && mine.place}`);
    if (r.stars !== mine.stars) fail(`${p.name}: the star meter says ${r.stars}, my row ${mine.stars}`);
    // 4 players: +2, +1, −1, −2; the floor at 青铜 1★ keeps 3rd and 4th at 0.
    const want = { 1: 2, 2: 1, 3: 0, 4: 0 }[r.place];
    if (r.stars !== want) fail(`${p.name}: place ${r.place} changed ${r.stars} stars, not ${want}`);
    // Every screen agrees with the first on who placed where, with what points.
    const key = (x) => x.standings.map((s) => `${s.seat}:${s.place}:${s.points}:${s.stars}`).join(',');
    if (key(r) !== key(results[0])) fail(`${p.name}'s standings differ from ${players[0].name}'s: ${key(r)} / ${key(results[0])}`);
  }
  // The winner's screen, after the stars have lit up.
  const winner = players[results.findIndex((r) => r.place === 1)];
  await winner.page.waitForFunction(() => (document.querySelector('[data-testid="ladder-stars"]') || {}).dataset?.done === '1', null, { timeout: 10_000 })
    .catch(() => fail(`${winner.name}: the star animation never finished`));
  const meter = await winner.byId('ladder-stars').evaluate((el) => ({ before: el.dataset.before, after: el.dataset.after, lit: el.querySelectorAll('.star.is-on').length }));
  step(`  ${winner.name} (1st): stars ${meter.before} → ${meter.after}, ${meter.lit} lit`);
  if (meter.lit !== 3) fail(`the winner's meter lights ${meter.lit} stars, not 3 (青铜 1★ + 2)`);
  const scrolled = await winner.page.evaluate(() => window.scrollY);
  if (scrolled !== 0) fail(`the result screen is scrolled by ${scrolled}px: the place is out of sight`);
  await winner.page.screenshot({ path: path.join(SHOTS, 'ladder-result.png'), fullPage: false });
  step(`  saved ${path.join(SHOTS, 'ladder-result.png')}`);

  // ---- back to the ladder home: one race, the new rank ----
  await winner.byId('ladder-back').click();
  await winner.byId('ladder-rank').waitFor({ state: 'visible' }).catch(() => fail('返回 did not lead to the 争上游 home'));
  const home = {
    stars: await winner.byId('ladder-rank').getAttribute('data-stars'),
    races: (await winner.byId('ladder-races').textContent()).trim(),
    firsts: (await winner.byId('ladder-firsts').textContent()).trim(),
  };
  step(`  ${winner.name}'s ladder home: ${JSON.stringify(home)}`);
  if (home.stars !== '3' || !home.races.startsWith('1') || !home.firsts.startsWith('1')) fail(`the ladder home after winning shows ${JSON.stringify(home)}`);

  // ---- the season leaderboard ----
  step(`${winner.name} opens the season leaderboard`);
  await winner.byId('ladder-board-link').click();
  await winner.byId('lb-ladder').waitFor({ state: 'visible' }).catch(() => fail('the 争上游赛季 section did not open'));
  let rows = 0;
  for (let i = 0; i < 20 && rows !== 4; i++) {
    if (i) {
      await winner.page.waitForTimeout(500);
      await winner.byId('lb-ladder-tab-all').click();
    }
    await winner.byId('lb-ladder-me').waitFor({ state: 'visible' }).catch(() => {});
    rows = await winner.page.locator('[data-testid="lb-ladder-row"]').count();
  }
  if (rows !== 4) fail(`the season board lists ${rows} members, not 4`);
  const board = await winner.page.evaluate(() => [...document.querySelectorAll('[data-testid="lb-ladder-row"]')].map((r) => ({
    rank: Number(r.dataset.rank), points: Number(r.dataset.points), me: r.classList.contains('is-me'),
    badge: !!r.querySelector('.tier-badge'), text: r.textContent.replace(/\s+/g, ' ').trim(),
  })));
  step(`  board: ${board.map((r) => `${r.rank}. ${r.text}`).join(' | ')}`);
  if (board.map((r) => r.rank).join() !== '1,2,3,4') fail(`board ranks ${board.map((r) => r.rank).join(', ')}`);
  if (!board[0].me || board[0].points !== 3) fail(`the winner is not first on the board with 3 stars: ${JSON.stringify(board[0])}`);
  if (board.some((r) => !r.badge)) fail('a board row has no tier badge');
  const meText = (await winner.byId('lb-ladder-me').textContent()).replace(/\s+/g, ' ').trim();
  if (!/第 1 名/.test(meText)) fail(`the board's "my place" reads "${meText}"`);
  // The 青铜 board holds the same four (everyone is still 青铜).
  await winner.byId('lb-ladder-tab-bronze').click();
  await winner.page.waitForFunction(() => document.querySelector('[data-testid="lb-ladder"]')?.dataset.tier === 'bronze'
    && document.querySelectorAll('[data-testid="lb-ladder-row"]').length === 4, null, { timeout: 10_000 })
    .catch(() => fail('the 青铜 board does not list the four members'));
  await winner.byId('lb-ladder-tab-all').click();
  await winner.page.waitForFunction(() => document.querySelector('[data-testid="lb-ladder"]')?.dataset.tier === 'all'
    && document.querySelectorAll('[data-testid="lb-ladder-row"]').length === 4, null, { timeout: 10_000 })
    .catch(() => fail('the 总榜 did not come back'));
  await winner.page.screenshot({ path: path.join(SHOTS, 'ladder-board.png'), fullPage: false });
  step(`  saved ${path.join(SHOTS, 'ladder-board.png')}`);

  // ---- 再来一局 queues again (the finished race must not get in the way) ----
  const again = players.find((p) => p !== winner);
  step(`${again.name} clicks 再来一局, then cancels`);
  await again.byId('ladder-again').click();
  await again.byId('ladder-queue-screen').waitFor({ state: 'visible' }).catch(() => fail('再来一局 did not open the queue'));
  await again.page.waitForFunction(() => /名选手/.test((document.querySelector('[data-testid="ladder-found"]') || {}).textContent || '')
    && !/连接/.test((document.querySelector('[data-testid="ladder-bot-note"]') || {}).textContent || ''), null, { timeout: 8_000 })
    .catch(() => fail('the queue after 再来一局 was never confirmed (ladder_queued)'));
  if (await again.byId('ladder-result').count()) fail('queueing again showed the old result');
  await again.byId('ladder-queue-cancel').click();
  await again.byId('ladder-home').waitFor({ state: 'visible' }).catch(() => fail('取消 did not go back to the 争上游 home'));

  // ---- the same home in English ----
  await again.byId('lang-toggle').click();
  await again.page.waitForFunction(() => document.querySelector('[data-testid="ladder-home"] h1')?.textContent === 'Ladder race'
    && document.querySelector('[data-testid="ladder-tier-name"]'), null, { timeout: 10_000 })
    .catch(() => fail('the 争上游 home did not switch to English'));
  const tierEn = (await again.byId('ladder-tier-name').textContent()).trim();
  if (tierEn !== 'Bronze') fail(`the tier reads "${tierEn}" in English`);
  await again.page.screenshot({ path: path.join(SHOTS, 'ladder-home-en.png'), fullPage: false });
  await again.byId('lang-toggle').click();

  if (pageErrors.length) fail(`uncaught page errors: ${pageErrors.join(' | ')}`);
  console.log(`RACE_ID ${matchId}`);
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
