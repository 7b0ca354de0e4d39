#!/usr/bin/env node
// Browser test of the dati web client: sign in, play a 5-question practice set,
// check the summary and the leaderboard, on a 360×740 phone viewport.
//
// Usage: node practice.mjs BASE_URL SCREENSHOT_DIR
//   CHROMIUM=/path/to/chromium   (default /usr/bin/chromium)
//   VIEWPORT=1280x800            (optional; default 360x740)
// Exit code 0 on success, 1 on a failed check, 2 on the overall timeout.

import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

const [baseArg, shotArg] = process.argv.slice(2);
if (!baseArg || !shotArg) {
  console.error('usage: node practice.mjs BASE_URL SCREENSHOT_DIR');
  process.exit(64);
}
const BASE = baseArg.replace(/\/+$/, '');
const SHOTS = path.resolve(shotArg);
const OVERALL_MS = 120_000;
const SET_SIZE = 5;
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

async function main() {
  await mkdir(SHOTS, { recursive: true });
  const nickname = `测试${Math.floor(Math.random() * 1e6).toString().padStart(6, '0')}`;

  step(`launching chromium (${process.env.CHROMIUM || '/usr/bin/chromium'})`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({
    viewport: { width: vw, height: vh },
    deviceScaleFactor: 1,
    isMobile: vw < 600,
    hasTouch: vw < 600,
    locale: 'zh-CN',
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();

  const pageErrors = [];
  page.on('pageerror', (err) => { pageErrors.push(err.message); console.log(`  [page error] ${err.message}`); });
  page.on('console', (msg) => { if (msg.type() === 'error') console.log(`  [console.error] ${msg.text()}`); });
  page.on('websocket', (ws) => {
    ws.on('close', () => step('  (websocket closed)'));
  });
  const byId = (id) => page.locator(`[data-testid="${id}"]`);

  // ---- sign in ----
  step(`opening ${BASE}/`);
  const res = await page.goto(`${BASE}/`, { waitUntil: 'domcontentloaded' })
    .catch((err) => fail(`cannot open ${BASE}/: ${err.message.split('\n')[0]}`));
  if (!res || !res.ok()) fail(`GET / answered ${res ? res.status() : 'nothing'}`);
  await byId('signin-nickname').waitFor({ state: 'visible' }).catch(() => fail('the sign-in form did not appear'));

  step(`signing in as ${nickname} / 市南区`);
  await byId('signin-nickname').fill(nickname);
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid="signin-district"]');
    return s && [...s.options].some((o) => o.value === '市南区');
  }, null, { timeout: 10_000 }).catch(() => fail('the district list (GET /api/districts) did not load'));
  await byId('signin-district').selectOption({ label: '市南区' });
  await byId('signin-submit').click();
  await byId('mode-practice').waitFor({ state: 'visible' }).catch(async () => {
    const err = await page.locator('#signin-error').textContent().catch(() => '');
    fail(`sign-in did not reach the home screen${err ? `: ${err}` : ''}`);
  });
  const greeting = await page.locator('.greeting h1').textContent();
  if (!greeting.includes(nickname)) fail(`home greeting "${greeting}" does not name ${nickname}`);
  step(`home screen: "${greeting.trim()}"`);

  // ---- practice set-up ----
  step('opening practice set-up');
  await byId('mode-practice').click();
  await byId('setup-size-5').click();
  const checked = await byId('setup-size-5').locator('input').isChecked();
  if (!checked) fail('size 5 did not get selected');
  step('starting a set of 5');
  await byId('setup-start').click();

  // ---- questions and summary; returns the set's points ----
  const playSet = async (setNo) => {
    let answered = 0;
    for (let round = 1; round <= SET_SIZE + 2; round++) {
      const prompt = byId('question-prompt');
      const summary = byId('summary');
      await Promise.race([
        prompt.waitFor({ state: 'visible', timeout: 30_000 }),
        summary.waitFor({ state: 'visible', timeout: 30_000 }),
      ]).catch(() => fail(`question ${round} did not appear`));
      if (await summary.isVisible()) break;

      const progress = (await page.locator('.play-progress').textContent()).trim();
      const text = (await prompt.textContent()).trim();
      const hasMedia = await page.locator('.play .media').count() > 0;
      // Media questions enable their options once media_ready went out (load, error or 8 s).
      await page.waitForFunction(() => {
        const b = document.querySelector('[data-testid="option-0"]');
        return b && !b.disabled;
      }, null, { timeout: 20_000 }).catch(() => fail(`options of question ${round} never became answerable${hasMedia ? ' (media question: media_ready not sent?)' : ''}`));
      const multiple = await byId('submit-multiple').count() > 0;
      step(`${progress}${hasMedia ? ' [media]' : ''}${multiple ? ' [multiple]' : ''}: ${text.slice(0, 40)}`);
      if (round === 1 && setNo === 1) {
        await page.screenshot({ path: path.join(SHOTS, 'question.png'), fullPage: false });
        step(`  saved ${path.join(SHOTS, 'question.png')}`);
      }

      await byId('option-0').click();
      if (multiple) await byId('submit-multiple').click();
      const feedback = byId('feedback');
      await feedback.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => fail(`no feedback after answering question ${round}`));
      answered++;
      const verdict = (await page.locator('#feedback-heading').textContent()).trim();
      const pts = (await page.locator('.feedback-points').textContent()).trim();
      step(`  feedback: ${verdict} ${pts}`);

      const next = byId('feedback-next');
      const action = await next.getAttribute('data-action');
      await next.click();
      if (action === 'summary') {
        await summary.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => fail('the summary did not appear after 查看成绩'));
        break;
      }
      await feedback.waitFor({ state: 'detached', timeout: 15_000 }).catch(() => fail(`no next question after question ${round}`));
    }

    // ---- summary ----
    const summary = byId('summary');
    await summary.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => fail('the summary never appeared'));
    const shownAnswered = (await byId('summary-answered').textContent()).trim();
    step(`summary: answered ${shownAnswered}, correct ${(await byId('summary-correct').textContent()).trim()}, points ${(await page.locator('.summary-points strong').textContent()).trim()}`);
    if (answered !== SET_SIZE) fail(`answered ${answered} questions in the browser, expected ${SET_SIZE}`);
    if (shownAnswered !== String(SET_SIZE)) fail(`summary says ${shownAnswered} answered, expected ${SET_SIZE}`);
    await page.screenshot({ path: path.join(SHOTS, 'summary.png'), fullPage: false });
    step(`  saved ${path.join(SHOTS, 'summary.png')}`);

    const points = Number((await page.locator('.summary-points strong').textContent()).replace(/[^0-9]/g, ''));
    return points;
  };

  // Answering option-0 blindly can miss all five; a member with no points
  // has no rank, so play again (as a player would) until some points land.
  let points = 0;
  for (let setNo = 1; setNo <= 5; setNo++) {
    points = await playSet(setNo);
    if (points > 0) break;
    step(`set ${setNo} scored 0 points: playing another set`);
    await byId('summary-again').click();
    await byId('summary').waitFor({ state: 'detached', timeout: 15_000 }).catch(() => fail('再来一组 did not start a new set'));
  }
  if (points === 0) fail('five sets of blind answers scored no points at all');

  // ---- leaderboard ----
  step('back home, opening the leaderboard');
  await byId('summary-home').click();
  await byId('mode-leaderboard').click();
  const board = byId('leaderboard');
  await board.waitFor({ state: 'visible' });
  await byId('leaderboard-me').waitFor({ state: 'visible' }).catch(() => fail('the leaderboard did not load'));
  const mine = board.getByText(nickname).first();
  await mine.waitFor({ state: 'visible', timeout: 10_000 }).catch(() => fail(`${nickname} is not visible on the leaderboard`));
  const myRank = (await byId('leaderboard-me').textContent()).trim();
  step(`leaderboard shows ${nickname}: ${myRank}`);
  await page.screenshot({ path: path.join(SHOTS, 'leaderboard.png'), fullPage: false });
  step(`  saved ${path.join(SHOTS, 'leaderboard.png')}`);

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
