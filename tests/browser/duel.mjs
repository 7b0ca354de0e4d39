#!/usr/bin/env node
// Browser test of the duel PK (双人PK) web client, two members in two browser
// contexts on 360×740 phone viewports: 甲 creates a friend room, 乙 opens its
// link (signing in on the way), both play the whole duel (乙's socket drops
// once and 甲 reloads the page once, and both must come back to where the match
// is), both result screens must agree, then both ask for a rematch, a new match
// starts and 甲 leaves it.
//
// Usage: node duel.mjs BASE_URL SCREENSHOT_DIR
//   CHROMIUM=/path/to/chromium   (default /usr/bin/chromium)
//   VIEWPORT=1280x800            (optional; default 360x740)
// Exit code 0 on success, 1 on a failed check, 2 on the overall timeout.

import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

const [baseArg, shotArg] = process.argv.slice(2);
if (!baseArg || !shotArg) {
  console.error('usage: node duel.mjs BASE_URL SCREENSHOT_DIR');
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
  page.on('websocket', (ws) => ws.on('close', () => step(`  (${name}: websocket closed)`)));
  // 退出 asks for confirmation.
  page.on('dialog', (d) => { step(`  ${name} confirms: ${d.message()}`); d.accept(); });
  const byId = (id) => page.locator(`[data-testid="${id}"]`);
  return { name, context, page, byId };
}

async function signIn(p, nickname, { fromHome = true } = {}) {
  const { page, byId } = p;
  if (fromHome) {
    const res = await page.goto(`${BASE}/`, { waitUntil: 'domcontentloaded' })
      .catch((err) => fail(`cannot open ${BASE}/: ${err.message.split('\n')[0]}`));
    if (!res || !res.ok()) fail(`GET / answered ${res ? res.status() : 'nothing'}`);
  }
  await byId('signin-nickname').waitFor({ state: 'visible' }).catch(() => fail(`${p.name}: the sign-in form did not appear`));
  await byId('signin-nickname').fill(nickname);
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid="signin-district"]');
    return s && [...s.options].some((o) => o.value === '市南区');
  }, null, { timeout: 10_000 }).catch(() => fail('the district list (GET /api/districts) did not load'));
  await byId('signin-district').selectOption({ label: '市南区' });
  await byId('signin-submit').click();
}

/** Wait until the versus screen shows question `n` open for answers, or the result. */
async function waitForQuestion(p, n, matchId) {
  await p.page.waitForFunction(([n, matchId]) => {
    if (document.querySelector('[data-testid="duel-result"]')) return true;
    const v = document.querySelector('[data-testid="duel-versus"]');
    const b = document.querySelector('[data-testid="duel-option-0"]');
    return v && v.dataset.matchId === matchId && v.dataset.seq === String(n) && v.dataset.phase === 'question' && b && !b.disabled;
  }, [n, matchId], { timeout: 45_000 }).catch(async () => {
    const state = await p.page.evaluate(() => window.__datiDuel && window.__datiDuel.state()).catch(() => null);
    fail(`${p.name}: question ${n} never became answerable (state ${JSON.stringify(state)})`);
  });
  return !(await p.byId('duel-result').count());
}

async function waitForReveal(p, n, matchId) {
  await p.page.waitForFunction(([n, matchId]) => {
    if (document.querySelector('[data-testid="duel-result"]')) return true;
    const v = document.querySelector('[data-testid="duel-versus"]');
    return v && v.dataset.matchId === matchId && (Number(v.dataset.seq) > n || (v.dataset.seq === String(n) && v.dataset.phase === 'reveal'));
  }, [n, matchId], { timeout: 45_000 }).catch(() => fail(`${p.name}: no reveal of question ${n}`));
}

async function resultText(p) {
  const r = p.byId('duel-result');
  return `${await r.getAttribute('data-outcome').catch(() => '?')} "${(await r.textContent().catch(() => '')).replace(/\s+/g, ' ').slice(0, 120)}"`;
}

async function answer(p, option) {
  const multiple = await p.byId('duel-submit').count() > 0;
  await p.byId(`duel-option-${option}`).click();
  if (multiple) await p.byId('duel-submit').click();
  return multiple;
}

/** One player's whole match. `hooks[n]` runs before answering question n. */
async function playMatch(p, option, matchId, total, hooks = {}) {
  for (let n = 1; n <= total; n++) {
    if (!(await waitForQuestion(p, n, matchId))) fail(`${p.name}: the result came before question ${n}: ${await resultText(p)}`);
    if (hooks[n]) {
      await hooks[n]();
      if (!(await waitForQuestion(p, n, matchId))) fail(`${p.name}: the result came before question ${n} (after the hook): ${await resultText(p)}`);
    }
    const prompt = (await p.byId('duel-prompt').textContent()).trim();
    const multiple = await answer(p, option);
    step(`${p.name} q${n}${multiple ? ' [multiple]' : ''}: option ${option} — ${prompt.slice(0, 24)}`);
    await waitForReveal(p, n, matchId);
    if (!(await p.byId('duel-result').count())) {
      const me = (await p.byId('duel-reveal-me').textContent().catch(() => '')).replace(/\s+/g, ' ').trim();
      const score = `${(await p.byId('duel-score-me').textContent()).trim()} : ${(await p.byId('duel-score-opp').textContent()).trim()}`;
      step(`  ${p.name} reveal q${n}: ${me} | score ${score}`);
    }
  }
  await p.byId('duel-result').waitFor({ state: 'visible', timeout: 30_000 }).catch(() => fail(`${p.name}: no result screen after question ${total}`));
}

async function readResult(p) {
  const text = async (id) => (await p.byId(id).textContent()).trim();
  const int = (s) => Number(s.replace(/[^0-9]/g, ''));
  return {
    outcome: await p.byId('duel-result').getAttribute('data-outcome'),
    title: await text('duel-result-title'),
    me: int(await text('duel-result-points-me')),
    opp: int(await text('duel-result-points-opp')),
    correctMe: int(await text('duel-result-correct-me')),
    correctOpp: int(await text('duel-result-correct-opp')),
    rating: (await text('duel-rating-change')).replace(/\s+/g, ' '),
  };
}

async function versusMatchId(p) {
  const v = p.byId('duel-versus');
  await v.waitFor({ state: 'visible', timeout: 20_000 }).catch(() => fail(`${p.name}: the versus screen did not appear`));
  return v.getAttribute('data-match-id');
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
  const A = await newPlayer('甲');
  const B = await newPlayer('乙');

  // ---- 甲 signs in and opens a friend room ----
  step('甲 signs in');
  await signIn(A, '甲');
  await A.byId('mode-duel').waitFor({ state: 'visible' }).catch(() => fail('甲 did not reach the home screen'));
  if (await A.byId('mode-duel').isDisabled()) fail('the 双人PK entry on the home screen is disabled');
  await A.byId('mode-duel').click();
  await A.byId('duel-lobby').waitFor({ state: 'visible' }).catch(() => fail('the duel lobby did not open'));
  step('甲 creates a room');
  await A.byId('duel-create-room').click();
  await A.byId('duel-room-code').waitFor({ state: 'visible' }).catch(() => fail('no room code (room_create → room_created)'));
  const code = (await A.byId('duel-room-code').textContent()).trim();
  const link = await A.byId('duel-room-link').inputValue();
  step(`room ${code}: ${link}`);
  if (!/^[A-Z0-9]{6}$/.test(code)) fail(`room code "${code}" is not 6 capitals or digits`);
  if (link !== `${BASE}/#/room/${code}`) fail(`room link "${link}" is not ${BASE}/#/room/${code}`);
  await A.byId('duel-room-copy').click();
  await A.page.locator('.toast').first().waitFor({ state: 'visible', timeout: 5_000 }).catch(() => fail('copying the link showed no message'));
  step(`  copy link: "${(await A.page.locator('.toast').first().textContent()).trim()}"`);

  // ---- 乙 opens the link signed out, signs in, lands in the room ----
  step('乙 opens the room link (signed out)');
  await B.page.goto(link, { waitUntil: 'domcontentloaded' });
  await B.byId('signin-room-notice').waitFor({ state: 'visible' }).catch(() => fail('the sign-in screen does not say the room comes next'));
  step('乙 signs in and continues to the room');
  await signIn(B, '乙', { fromHome: false });

  const [matchA, matchB] = await Promise.all([versusMatchId(A), versusMatchId(B)]);
  if (!matchA || matchA !== matchB) fail(`the two players are in different matches: ${matchA} / ${matchB}`);
  step(`match ${matchA} started`);
  const names = async (p) => [
    (await p.byId('duel-me-name').textContent()).trim(),
    (await p.byId('duel-opponent-name').textContent()).trim(),
  ];
  const [na, nb] = [await names(A), await names(B)];
  step(`  甲 sees ${na.join(' vs ')}, 乙 sees ${nb.join(' vs ')}`);
  if (!na[0].startsWith('甲') || !na[1].startsWith('乙')) fail(`甲's versus screen shows ${na.join(' vs ')}`);
  if (!nb[0].startsWith('乙') || !nb[1].startsWith('甲')) fail(`乙's versus screen shows ${nb.join(' vs ')}`);
  if (await A.byId('duel-bot-badge').count()) fail('a human opponent is labelled 机器人');
  const total = Number(await A.page.evaluate(() => document.querySelector('[data-testid="duel-versus"]').dataset.total));
  if (!(total >= 1)) fail(`bad question total ${total}`);
  step(`  ${total} questions`);

  // ---- both play the whole match ----
  const hooksA = {
    3: async () => {
      await A.page.screenshot({ path: path.join(SHOTS, 'duel-versus.png'), fullPage: false });
      step(`  saved ${path.join(SHOTS, 'duel-versus.png')}`);
    },
  };
  const hooksB = {
    2: async () => {
      // A dropped connection: reconnect, resume with last_version, replay.
      const before = await B.page.evaluate(() => window.__datiDuel.state());
      step(`乙's socket drops at question 2 (version ${before.version})`);
      await B.page.evaluate(() => window.__datiDuel.dropSocket());
      await B.byId('duel-reconnecting').waitFor({ state: 'visible', timeout: 5_000 }).catch(() => step('  (the reconnect banner was too quick to see)'));
      await B.byId('duel-reconnecting').waitFor({ state: 'hidden', timeout: 20_000 }).catch(() => fail('乙 did not resume after the socket dropped'));
      const after = await B.page.evaluate(() => window.__datiDuel.state());
      step(`  乙 resumed: ${JSON.stringify(after)}`);
    },
  };
  if (total >= 4) {
    hooksA[4] = async () => {
      // A page reload: sessionStorage names the match, the server sends a snapshot.
      step('甲 reloads the page at question 4');
      await A.page.reload({ waitUntil: 'domcontentloaded' });
      await A.byId('duel-versus').waitFor({ state: 'visible', timeout: 20_000 }).catch(() => fail('甲 did not come back to the match after a reload'));
      const st = await A.page.evaluate(() => window.__datiDuel.state());
      step(`  甲 resumed after reload: ${JSON.stringify(st)}`);
    };
  }
  await Promise.all([playMatch(A, 0, matchA, total, hooksA), playMatch(B, 1, matchA, total, hooksB)]);

  // ---- results ----
  const [ra, rb] = [await readResult(A), await readResult(B)];
  step(`甲's result: ${ra.title} (${ra.outcome}) ${ra.me} : ${ra.opp}, correct ${ra.correctMe} : ${ra.correctOpp}, ${ra.rating}`);
  step(`乙's result: ${rb.title} (${rb.outcome}) ${rb.me} : ${rb.opp}, correct ${rb.correctMe} : ${rb.correctOpp}, ${rb.rating}`);
  if (ra.me !== rb.opp || ra.opp !== rb.me) fail(`the result screens disagree on the points: 甲 ${ra.me}:${ra.opp}, 乙 ${rb.me}:${rb.opp}`);
  if (ra.correctMe !== rb.correctOpp || ra.correctOpp !== rb.correctMe) fail('the result screens disagree on the correct counts');
  const pairs = { win: 'lose', lose: 'win', draw: 'draw' };
  if (pairs[ra.outcome] !== rb.outcome) fail(`outcomes do not pair up: 甲 ${ra.outcome}, 乙 ${rb.outcome}`);
  // More points wins; equal points go to the faster player (or a draw).
  if ((ra.me > ra.opp && ra.outcome !== 'win') || (ra.me < ra.opp && ra.outcome !== 'lose')) fail(`甲: ${ra.outcome} with ${ra.me} : ${ra.opp}`);
  await A.page.screenshot({ path: path.join(SHOTS, 'duel-result.png'), fullPage: false });
  step(`  saved ${path.join(SHOTS, 'duel-result.png')}`);

  // ---- rematch ----
  step('甲 asks for a rematch');
  await A.byId('duel-rematch').click();
  await A.byId('duel-rematch-status').waitFor({ state: 'visible' }).catch(() => fail('甲 sees no "waiting for the opponent" after 再来一局'));
  await B.byId('duel-rematch-offer').waitFor({ state: 'visible' }).catch(() => fail('乙 was not offered the rematch (rematch_offered)'));
  step('乙 sees the offer and clicks 再来一局 too');
  await B.byId('duel-rematch').click();
  const newMatch = async (p) => {
    await p.page.waitForFunction((old) => {
      const v = document.querySelector('[data-testid="duel-versus"]');
      return v && v.dataset.matchId && v.dataset.matchId !== old;
    }, matchA, { timeout: 15_000 }).catch(() => fail(`${p.name}: no new match after both asked for a rematch`));
    return p.byId('duel-versus').getAttribute('data-match-id');
  };
  const [m2a, m2b] = await Promise.all([newMatch(A), newMatch(B)]);
  if (m2a !== m2b) fail(`rematch: different matches ${m2a} / ${m2b}`);
  step(`rematch ${m2a} started; 甲 leaves it`);
  await A.byId('duel-leave').click();
  const aborted = async (p) => {
    await p.page.waitForFunction((id) => {
      const r = document.querySelector('[data-testid="duel-result"]');
      return r && r.dataset.matchId === id;
    }, m2a, { timeout: 15_000 }).catch(() => fail(`${p.name}: no result screen after 甲 left the rematch`));
    return p.byId('duel-result').getAttribute('data-outcome');
  };
  const [oa, ob] = await Promise.all([aborted(A), aborted(B)]);
  step(`  after leaving: 甲 ${oa}, 乙 ${ob}`);
  const okLeave = (o) => o === 'aborted' || o === 'forfeit_lose' || o === 'forfeit_win';
  if (!okLeave(oa) || !okLeave(ob)) fail(`leaving the rematch gave ${oa} / ${ob}`);
  await A.byId('duel-home').click();
  await A.byId('mode-duel').waitFor({ state: 'visible' }).catch(() => fail('返回首页 did not go home'));

  // ---- the random queue (the finished match must not get in the way) ----
  step('甲 joins the random queue');
  await A.byId('mode-duel').click();
  await A.byId('duel-random').click();
  await A.byId('duel-queue-screen').waitFor({ state: 'visible' }).catch(() => fail('the queue screen did not appear'));
  await A.page.waitForFunction(() => {
    const e = document.querySelector('[data-testid="duel-queue-elapsed"]');
    return e && /^00:0[1-9]$/.test(e.textContent.trim());
  }, null, { timeout: 5_000 }).catch(() => fail('the queue screen shows no running elapsed time'));
  if (await A.byId('duel-result').count()) fail('queueing showed the old result instead');
  step(`  queued, waiting ${(await A.byId('duel-queue-elapsed').textContent()).trim()}; 甲 cancels`);
  await A.byId('duel-queue-cancel').click();
  await A.byId('duel-lobby').waitFor({ state: 'visible' }).catch(() => fail('取消 did not go back to the lobby'));

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
