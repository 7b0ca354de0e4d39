#!/usr/bin/env node
// Browser test of the console's 导入题目 page (/admin/#/import) on a 1280×800
// laptop screen: the template and bank downloads work (XLSX files start with
// PK); a file that is no spreadsheet is refused with a message; a CSV with
// one valid new question and three bad rows (a difficulty of 9, an answer
// letter without an option, a repeated id) is checked: 1 accepted, nothing
// written, the rejected rows listed with their row numbers, columns and
// reasons, sortable, and saved as CSV in the browser (admin-import-report.png);
// importing with 只导入无误的行 (after the confirm) writes the new question
// (version counts: 1 new), and the bank page finds it by its id
// (admin-import-done.png).
//
// The server must run on a copy of the bank: this test writes to it.
//
// Usage: node admin_import.mjs BASE_URL SCREENSHOT_DIR ORGANIZER_NAME PASSWORD
//   CHROMIUM=/path/to/chromium   (default /usr/bin/chromium)
// Exit code 0 on success, 1 on a failed check, 2 on the overall timeout.

import { chromium } from 'playwright-core';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const [baseArg, shotArg, nameArg, passwordArg] = process.argv.slice(2);
if (!baseArg || !shotArg || !nameArg || !passwordArg) {
  console.error('usage: node admin_import.mjs BASE_URL SCREENSHOT_DIR ORGANIZER_NAME PASSWORD');
  process.exit(64);
}
const BASE = baseArg.replace(/\/+$/, '');
const SHOTS = path.resolve(shotArg);
const OVERALL_MS = 120_000;

const NEW_ID = 'browser-import-001';
const FILE_NAME = 'browser-import.csv';
// What the check must report for the file written below, in row order.
const EXPECTED = [
  { row: 3, column: '难度', reason: '难度 9 超出 1–5' },
  { row: 4, column: '答案', reason: '字母 E 没有对应的选项' },
  { row: 5, column: '题号', reason: `题号 ${NEW_ID} 与第 2 行重复` },
];

const started = Date.now();
const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const step = (msg) => console.log(`[${stamp()}] ${msg}`);

class Failure extends Error {}
const fail = (msg) => { throw new Failure(msg); };

let browser;
let tmp;
const overall = setTimeout(async () => {
  console.error(`FAIL: overall timeout of ${OVERALL_MS / 1000} s exceeded`);
  try { await browser?.close(); } catch { /* ignore */ }
  process.exit(2);
}, OVERALL_MS);

/** A CSV line: quoted where needed. */
const csvLine = (cells) => cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');

/** The import file: the template's headings, one valid row, three bad ones. */
function importCsv(headings) {
  const valid = {
    题号: NEW_ID,
    类别: '党史',
    难度: '2',
    题型: '单选',
    题干: '（浏览器测试）遵义会议是在哪一年召开的？',
    选项A: '1933年',
    选项B: '1935年',
    选项C: '1937年',
    选项D: '1945年',
    答案: 'B',
    解析: '遵义会议于1935年1月在贵州遵义召开，确立了毛泽东在党中央和红军的领导地位。',
    出处: '《中国共产党简史》，人民出版社、中共党史出版社，2021年',
    '时限(秒)': '20',
  };
  const row = (changes = {}) => {
    const r = { ...valid, ...changes };
    return csvLine(headings.map((h) => r[h] ?? ''));
  };
  return `\uFEFF${[
    csvLine(headings),
    row(), // row 2: valid, new
    row({ 题号: 'browser-import-002', 难度: '9' }), // row 3
    row({ 题号: 'browser-import-003', 答案: 'E' }), // row 4: four options only
    row(), // row 5: the id of row 2 again
  ].join('\r\n')}\r\n`;
}

async function main() {
  await mkdir(SHOTS, { recursive: true });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dati-import-'));

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
    reducedMotion: 'reduce',
    acceptDownloads: true,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();

  const pageErrors = [];
  page.on('pageerror', (err) => { pageErrors.push(err.message); console.log(`  [page error] ${err.message}`); });
  page.on('console', (msg) => { if (msg.type() === 'error') console.log(`  [console.error] ${msg.text()}`); });
  const byId = (id) => page.locator(`[data-testid="${id}"]`);
  const text = async (id) => (await byId(id).textContent()).trim();
  const shot = async (name) => {
    const file = path.join(SHOTS, `admin-${name}.png`);
    await page.screenshot({ path: file, fullPage: false });
    step(`  saved ${file}`);
  };
  const open = async (name) => {
    step(`opening ${name}`);
    await byId(`nav-${name}`).click();
    await byId(`page-${name}`).waitFor({ state: 'visible' }).catch(() => fail(`the ${name} page did not appear`));
    const current = await byId(`nav-${name}`).getAttribute('aria-current');
    if (current !== 'page') fail(`the ${name} link is not marked as the current page`);
  };
  /** Clicks `locator` and returns the downloaded file's bytes and name. */
  const download = async (locator, what) => {
    const [d] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }).catch(() => fail(`${what}: no download started`)),
      locator.click(),
    ]);
    return { bytes: await readFile(await d.path()), name: d.suggestedFilename() };
  };
  /** The rejected rows as shown: [{row, column, reason}]. */
  const shownErrors = () => page.$$eval('[data-testid="import-errors"] tbody tr', (trs) => trs.map((tr) => {
    const td = [...tr.querySelectorAll('td')].map((c) => c.textContent.trim());
    return { row: Number(td[0]), column: td[1], reason: td[2] };
  }));
  const sameErrors = (got, want) => JSON.stringify(got) === JSON.stringify(want);
  /** Uploads `file`, clicks `button` and waits for the report or an error. */
  const run = async (button, { expectError = false, confirm = false } = {}) => {
    const before = await byId('import-status').count() ? await byId('import-report').innerHTML() : '';
    let dialog = null;
    if (confirm) page.once('dialog', async (d) => { dialog = d.message(); await d.accept(); });
    const request = page.waitForRequest((r) => r.url().includes('/api/admin/bank/import') && r.method() === 'POST');
    await byId(button).click();
    const req = await request;
    if (expectError) {
      await byId('import-error').waitFor({ state: 'visible' }).catch(() => fail(`${button}: no error message`));
    } else {
      await page.waitForFunction((b) => {
        const r = document.querySelector('[data-testid="import-report"]');
        return r && r.querySelector('[data-testid="import-status"]') && r.innerHTML !== b;
      }, before, { timeout: 15_000 }).catch(async () => {
        const err = await byId('import-error').textContent().catch(() => '');
        fail(`${button}: no report${err ? ` (${err.trim()})` : ''}`);
      });
    }
    await page.waitForFunction((b) => !document.querySelector(`[data-testid="${b}"]`).disabled, button);
    return { url: new URL(req.url()), type: req.headers()['content-type'], dialog };
  };

  // ---- sign in ----
  step(`opening ${BASE}/admin/ and signing in as ${nameArg}`);
  const res = await page.goto(`${BASE}/admin/`, { waitUntil: 'domcontentloaded' })
    .catch((err) => fail(`cannot open ${BASE}/admin/: ${err.message.split('\n')[0]}`));
  if (!res || !res.ok()) fail(`GET /admin/ answered ${res ? res.status() : 'nothing'}`);
  await byId('signin-name').waitFor({ state: 'visible' }).catch(() => fail('the sign-in form did not appear'));
  await byId('signin-name').fill(nameArg);
  await byId('signin-password').fill(passwordArg);
  await byId('signin-submit').click();
  await byId('page-overview').waitFor({ state: 'visible' }).catch(async () => {
    const err = await byId('signin-error').textContent().catch(() => '');
    fail(`sign-in did not reach the overview${err ? `: ${err}` : ''}`);
  });

  // ---- the page and its downloads ----
  const navText = (await byId('nav-import').textContent()).trim();
  if (navText !== '导入题目') fail(`the navigation entry reads "${navText}"`);
  await open('import');
  const h1 = (await page.locator('h1').first().textContent()).trim();
  if (h1 !== '导入题目') fail(`the heading is "${h1}"`);
  const help = await page.locator('.import-help').textContent();
  for (const word of ['版本', '停用', 'zip', '媒体文件', '只导入无误的行']) {
    if (!help.includes(word)) fail(`the explanation does not mention ${word}`);
  }
  const accept = await byId('import-file').getAttribute('accept');
  if (accept !== '.xlsx,.csv,.zip') fail(`the file input accepts "${accept}"`);
  if (!(await byId('import-mode-all').isChecked())) fail('全部无误才导入 is not the default');
  if (!(await byId('import-check').isDisabled())) fail('检查 is enabled without a file');
  await shot('import');

  step('downloading the XLSX template');
  const template = await download(byId('import-template-xlsx'), '模板 XLSX');
  if (template.bytes.subarray(0, 2).toString('latin1') !== 'PK') fail(`the template ${template.name} is not an XLSX (zip)`);
  step(`  ${template.name}: ${template.bytes.length} bytes, starts with PK`);
  const fetched = await page.evaluate(async () => {
    const get = async (testid) => {
      const href = document.querySelector(`[data-testid="${testid}"]`).getAttribute('href');
      const r = await fetch(href);
      const bytes = new Uint8Array(await r.arrayBuffer());
      return { href, status: r.status, type: r.headers.get('content-type'), head: String.fromCharCode(bytes[0], bytes[1]), text: new TextDecoder().decode(bytes) };
    };
    return { xlsx: await get('import-template-xlsx'), csv: await get('import-template-csv'), bank: await get('import-export-xlsx') };
  });
  for (const [k, f] of Object.entries({ xlsx: fetched.xlsx, bank: fetched.bank })) {
    if (f.status !== 200 || f.head !== 'PK' || !/spreadsheetml/.test(f.type || '')) fail(`${k}: ${f.href} answered ${f.status} ${f.type} starting "${f.head}"`);
  }
  if (fetched.csv.status !== 200 || !/text\/csv/.test(fetched.csv.type || '')) fail(`the CSV template answered ${fetched.csv.status} ${fetched.csv.type}`);
  const headings = fetched.csv.text.replace(/^\uFEFF/, '').split(/\r?\n/)[0].split(',');
  if (headings[0] !== '题号' || !headings.includes('状态') || !headings.includes('媒体文件')) fail(`the CSV template's headings are ${headings.join(',')}`);
  step(`  template.csv: ${headings.length} columns; export.xlsx starts with PK`);

  // ---- a file that is no spreadsheet ----
  step('checking a file that is no spreadsheet');
  const junk = path.join(tmp, 'notes.csv');
  await writeFile(junk, 'just some notes\nnot a question bank\n');
  await byId('import-file').setInputFiles(junk);
  await run('import-check', { expectError: true });
  const junkMsg = await text('import-error');
  if (!junkMsg.includes('无法读取这个文件')) fail(`an unreadable file says "${junkMsg}"`);
  step(`  ${junkMsg}`);

  // ---- check ----
  step('checking a CSV with one valid row and three bad ones');
  const file = path.join(tmp, FILE_NAME);
  await writeFile(file, importCsv(headings));
  await byId('import-file').setInputFiles(file);
  if (await byId('import-error').count()) fail('the old error stays after choosing another file');
  const chosenName = await text('import-file-name');
  if (!chosenName.startsWith(FILE_NAME)) fail(`the chosen file reads "${chosenName}"`);
  const check = await run('import-check');
  if (check.url.searchParams.get('dry_run') !== 'true' || check.url.searchParams.get('mode') !== 'all') fail(`检查 posted to ${check.url.search}`);
  if (!/^text\/csv/.test(check.type || '')) fail(`检查 sent Content-Type ${check.type}`);
  step(`  POST ${check.url.pathname}${check.url.search} (${check.type})`);
  const accepted = (await byId('import-accepted').locator('.stat-value').textContent()).trim();
  if (accepted !== '1') fail(`the check accepts "${accepted}", expected 1`);
  if (await byId('import-status').getAttribute('data-written') !== 'false') fail('a check says it wrote');
  const writtenNo = (await byId('import-written').locator('.stat-value').textContent()).trim();
  if (writtenNo !== '否') fail(`已写入题库 reads "${writtenNo}" after a check`);
  if (await text('import-v-new') !== '1') fail(`new versions: "${await text('import-v-new')}", expected 1`);
  for (const k of ['changed', 'unchanged', 'retired', 'restored']) {
    if (await text(`import-v-${k}`) !== '0') fail(`${k} versions: "${await text(`import-v-${k}`)}", expected 0`);
  }
  const rejectedCount = (await byId('import-rejected').locator('.stat-value').textContent()).trim();
  if (rejectedCount !== '3') fail(`the errors card shows "${rejectedCount}"`);
  const errors = await shownErrors();
  if (!sameErrors(errors, EXPECTED)) fail(`the rejected rows read ${JSON.stringify(errors)}`);
  for (const e of errors) step(`  第 ${e.row} 行「${e.column}」：${e.reason}`);
  step(`  status: ${await text('import-status')}`);

  step('  sorting the errors');
  await byId('sort-row').click();
  const down = (await shownErrors()).map((e) => e.row);
  if (down.join() !== '5,4,3') fail(`rows after sorting descending: ${down.join()}`);
  await byId('sort-column').click();
  const byColumn = (await shownErrors()).map((e) => e.column);
  if (byColumn.join() !== [...byColumn].sort((a, b) => a.localeCompare(b, 'zh-CN')).join()) fail(`columns after sorting: ${byColumn.join()}`);
  await byId('sort-row').click();
  if (!sameErrors(await shownErrors(), EXPECTED)) fail('sorting by row again did not restore row order');

  step('  saving the errors as CSV');
  const saved = await download(byId('import-errors-csv'), '导出错误表 CSV');
  const savedLines = saved.bytes.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean);
  if (savedLines[0] !== '行号,列,原因') fail(`the error CSV starts with "${savedLines[0]}"`);
  const wantLines = EXPECTED.map((e) => `${e.row},${e.column},${e.reason}`);
  if (JSON.stringify(savedLines.slice(1)) !== JSON.stringify(wantLines)) fail(`the error CSV reads ${JSON.stringify(savedLines)}`);
  if (saved.name !== 'browser-import-errors.csv') fail(`the error CSV is named ${saved.name}`);
  step(`  ${saved.name}: ${savedLines.length - 1} rows`);

  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await shot('import-report');

  step('  switching to English and back: the report stays');
  await byId('lang-toggle').click();
  await page.waitForFunction(() => document.querySelector('h1')?.textContent.trim() === 'Import questions')
    .catch(() => fail('the import page did not switch to English'));
  const enNav = (await byId('nav-import').textContent()).trim();
  if (enNav !== 'Import') fail(`the English navigation entry reads "${enNav}"`);
  const enCheck = (await byId('import-check').textContent()).trim();
  if (enCheck !== 'Check') fail(`the English check button reads "${enCheck}"`);
  if (!sameErrors(await shownErrors(), EXPECTED)) fail('the report did not survive the language switch');
  const enHead = await page.$$eval('[data-testid="import-errors"] thead th', (ths) => ths.map((th) => th.textContent.replace(/[▲▼↕]/g, '').trim()));
  if (enHead.join() !== 'Row,Column,Reason') fail(`the English error table headings are ${enHead.join()}`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('import-en');
  await byId('lang-toggle').click();
  await page.waitForFunction(() => document.querySelector('h1')?.textContent.trim() === '导入题目')
    .catch(() => fail('the import page did not switch back to Chinese'));
  // The file input is new after the redraw: choose the file again.
  await byId('import-file').setInputFiles(file);

  // ---- import the valid rows ----
  step('importing only the valid rows');
  await byId('import-mode-valid_only').check();
  const done = await run('import-submit', { confirm: true });
  if (!done.dialog) fail('导入 asked for no confirmation');
  if (!done.dialog.includes(FILE_NAME)) fail(`the confirmation does not name the file: "${done.dialog}"`);
  if (done.url.searchParams.get('dry_run') !== 'false' || done.url.searchParams.get('mode') !== 'valid_only') fail(`导入 posted to ${done.url.search}`);
  step(`  confirmed "${done.dialog.replace(/\n/g, ' ')}"; POST ${done.url.search}`);
  if (await byId('import-status').getAttribute('data-written') !== 'true') fail(`the import did not write: ${await text('import-status')}`);
  const writtenYes = (await byId('import-written').locator('.stat-value').textContent()).trim();
  if (writtenYes !== '是') fail(`已写入题库 reads "${writtenYes}" after the import`);
  if (await text('import-v-new') !== '1') fail(`new versions after the import: "${await text('import-v-new')}"`);
  if (!sameErrors(await shownErrors(), EXPECTED)) fail('the import report lists other rejected rows');
  step(`  status: ${await text('import-status')}`);

  // ---- the bank lists it ----
  await open('bank');
  await byId('bank-item').first().waitFor({ state: 'visible' }).catch(() => fail('the bank list did not load'));
  step(`  searching the bank for ${NEW_ID}`);
  await byId('bank-search').fill(NEW_ID);
  // The unfiltered list may show it too (ids sort "browser-…" first): wait
  // for the search's answer, one question.
  await page.waitForFunction((id) => {
    const items = [...document.querySelectorAll('[data-testid="bank-item"]')];
    return items.length === 1 && items[0].dataset.id === id;
  }, NEW_ID, { timeout: 10_000 }).catch(async () => {
    const ids = await page.$$eval('[data-testid="bank-item"]', (els) => els.map((e) => e.dataset.id));
    fail(`searching for ${NEW_ID} lists ${ids.length} question(s): ${ids.slice(0, 5).join(', ')}`);
  });
  const item = page.locator(`[data-testid="bank-item"][data-id="${NEW_ID}"]`);
  await item.locator('summary').click();
  await item.locator('[data-testid="bank-option-right"]').waitFor({ state: 'visible' });
  const right = (await item.locator('[data-testid="bank-option-right"] .opt-text').textContent()).trim();
  if (right !== '1935年') fail(`${NEW_ID}: the right option is "${right}"`);
  step(`  ${await text('bank-count')}: ${NEW_ID}, right option ${right}`);
  await shot('import-done');

  if (pageErrors.length) fail(`uncaught page errors: ${pageErrors.join(' | ')}`);
  step('PASS');
}

main()
  .then(async () => {
    clearTimeout(overall);
    await browser?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
    process.exit(0);
  })
  .catch(async (err) => {
    clearTimeout(overall);
    console.error(`FAIL: ${err instanceof Failure ? err.message : err && err.stack ? err.stack : err}`);
    try { await browser?.close(); } catch { /* ignore */ }
    if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => {});
    process.exit(1);
  });
