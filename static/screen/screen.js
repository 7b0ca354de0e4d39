// The big screen of a district competition (/screen/{id}): a projector page
// for the event hall, without controls. It shows the title, the status and
// the time to the start or left, and the districts' standings, live from
// /ws/screen/{id} (feed.js). A row that changed lights up briefly; rows move
// smoothly to their new places.
//
// Hooks for tests: each district row has data-district="<name>" and cells
// with data-field="place|points|wins|draws|losses|participants|
// participation_rate|accuracy|top_contributors" (raw numbers in
// data-value); body.dataset.version is the last applied version,
// body.dataset.status the competition's status, body.dataset.connected
// "true" or "false".
import { openFeed, sortedRows, countdown, clock, topContributors } from '/screen/feed.js';

const STATUS = { published: '即将开始', running: '进行中', finished: '已结束' };
const CLOCK_LABEL = { to_start: '距开赛', left: '剩余时间', over: '' };
const TOP = 3;
const FLASH_MS = 2400;
const MOVE_MS = 800;

const $ = (id) => document.getElementById(id);
const body = document.body;
const rowsBox = $('rows');
const reduceMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;

const nf = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 });
const pf = new Intl.NumberFormat('zh-CN', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const int = (n) => (Number.isFinite(n) ? nf.format(n) : '—');
const pct = (r) => (Number.isFinite(r) ? pf.format(r) : '—');
const timeOfDay = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

function el(tag, cls, attrs) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function competitionId() {
  const m = /^\/screen\/(\d+)\/?$/.exec(location.pathname);
  return m ? Number(m[1]) : null;
}

function setConnected(on) {
  body.dataset.connected = on ? 'true' : 'false';
}

function gone(reason) {
  setConnected(false);
  body.dataset.gone = 'true';
  const box = $('message');
  box.replaceChildren(el('p', 'message-main'), el('p', 'message-sub'));
  box.firstChild.textContent = '比赛不存在或未发布';
  box.lastChild.textContent = reason && reason !== '比赛不存在或未发布' ? reason : '请检查大屏地址中的比赛编号';
  box.hidden = false;
}

// ---- the heading: title, status, clock ----

let competition = null;
let clockOffsetMs = 0;

function drawCompetition() {
  const c = competition;
  if (!c) return;
  const title = $('title');
  title.textContent = c.title || '区域PK赛';
  title.classList.toggle('is-long', (c.title || '').length > 16);
  title.classList.toggle('is-very-long', (c.title || '').length > 26);
  document.title = `${c.title || '区域PK赛'} · 实时战况`;
  body.dataset.status = c.status || '';
  const status = $('status');
  status.textContent = STATUS[c.status] || c.status || '';
  status.className = `status status-${c.status}`;
  tick();
}

function tick() {
  if (!competition) return;
  const { kind, ms } = countdown(competition, clockOffsetMs);
  const label = CLOCK_LABEL[kind];
  const text = kind === 'over' ? '比赛已结束' : clock(ms);
  if ($('clock-label').textContent !== label) $('clock-label').textContent = label;
  if ($('clock').textContent !== text) $('clock').textContent = text;
  $('clock').classList.toggle('is-ending', kind === 'left' && ms < 5 * 60_000);
}

// ---- the rows ----

/** One cell's text and raw value; flashes the cell when the value changed. */
function setField(cell, text, value, animate) {
  const raw = value === null || value === undefined ? '' : String(value);
  const changed = cell.dataset.value !== undefined && cell.dataset.value !== raw;
  cell.dataset.value = raw;
  if (cell.textContent !== text) cell.textContent = text;
  if (changed && animate) flash(cell, 'cell-flash');
}

function flash(node, cls) {
  node.classList.remove(cls);
  // Restart the animation: a reflow between removing and adding the class.
  void node.offsetWidth;
  node.classList.add(cls);
  clearTimeout(node._flashTimer);
  node._flashTimer = setTimeout(() => node.classList.remove(cls), FLASH_MS);
}

function newRow(district) {
  const row = el('div', 'row', { role: 'row', 'data-district': district });
  const cell = (cls, field, role = 'cell') => {
    const c = el('span', `c ${cls}`, { role });
    if (field) c.dataset.field = field;
    row.append(c);
    return c;
  };
  const place = cell('c-place');
  place.append(el('span', 'medal', { 'data-field': 'place' }));
  cell('c-district', 'district', 'rowheader');
  cell('c-points', 'points');
  const record = cell('c-record');
  const w = el('b', 'win', { 'data-field': 'wins' });
  const d = el('b', 'draw', { 'data-field': 'draws' });
  const l = el('b', 'loss', { 'data-field': 'losses' });
  const sep = () => { const s = el('i', 'sep', { 'aria-hidden': 'true' }); s.textContent = '/'; return s; };
  record.append(w, sep(), d, sep(), l);
  cell('c-people', 'participants');
  const rate = cell('c-rate');
  rate.append(el('span', 'rate-value', { 'data-field': 'participation_rate' }), el('span', 'rate-bar', { 'aria-hidden': 'true' }));
  rate.lastChild.append(el('span', 'rate-fill'));
  cell('c-accuracy', 'accuracy');
  cell('c-top', 'top_contributors');
  return row;
}

function fillRow(row, r, animate) {
  const f = (name) => row.querySelector(`[data-field="${name}"]`);
  setField(f('place'), String(r.place), r.place, animate);
  row.dataset.place = String(r.place);
  setField(f('district'), r.district, r.district, false);
  setField(f('points'), int(r.points), r.points, animate);
  setField(f('wins'), int(r.wins), r.wins, animate);
  setField(f('draws'), int(r.draws), r.draws, animate);
  setField(f('losses'), int(r.losses), r.losses, animate);
  setField(f('participants'), int(r.participants), r.participants, animate);
  setField(f('participation_rate'), pct(r.participation_rate), r.participation_rate, animate);
  row.querySelector('.rate-fill').style.width = `${Math.min(100, Math.max(0, (r.participation_rate || 0) * 100))}%`;
  row.querySelector('.c-rate').title = `${int(r.participants)} / ${int(r.registered)} 人`;
  setField(f('accuracy'), pct(r.accuracy), r.accuracy, animate);

  const top = topContributors(r, TOP);
  const key = JSON.stringify(top.map((c) => [c.member_id, c.nickname, c.points]));
  const topCell = f('top_contributors');
  if (topCell.dataset.value !== key) {
    const hadBefore = topCell.dataset.value !== undefined;
    topCell.dataset.value = key;
    topCell.replaceChildren(...(top.length
      ? top.map((c) => {
        const who = el('span', 'who');
        const nick = el('span', 'nick');
        nick.textContent = c.nickname;
        const pts = el('span', 'pts');
        pts.textContent = String(c.points);
        who.append(nick, pts);
        return who;
      })
      : [Object.assign(el('span', 'none'), { textContent: '待出战' })]));
    if (hadBefore && animate) flash(topCell, 'cell-flash');
  }
}

const rowEls = new Map();

/** A row's figures apart from its place. */
const facts = (r) => JSON.stringify({ ...r, place: undefined });

function drawRows(state, changed, animate) {
  const rows = sortedRows(state);
  rowsBox.style.setProperty('--rows', String(Math.max(rows.length, 1)));
  const moving = animate && !reduceMotion();
  const before = new Map();
  if (moving) for (const [d, e] of rowEls) before.set(d, e.getBoundingClientRect().top);

  const oldPlaces = new Map([...rowEls].map(([d, e]) => [d, Number(e.dataset.place)]));
  const oldFacts = new Map([...rowEls].map(([d, e]) => [d, e._facts]));
  for (const [d, e] of rowEls) {
    if (!state.rows.has(d)) { e.remove(); rowEls.delete(d); }
  }
  rows.forEach((r, i) => {
    let row = rowEls.get(r.district);
    const fresh = !row;
    if (fresh) {
      row = newRow(r.district);
      rowEls.set(r.district, row);
    }
    fillRow(row, r, animate && !fresh);
    row.classList.toggle('is-first', r.place === 1 && r.battles > 0);
    row.classList.toggle('is-idle', !r.battles);
    if (rowsBox.children[i] !== row) rowsBox.insertBefore(row, rowsBox.children[i] || null);
    // A district whose own record changed lights up (more if it rose); one
    // that only moved because others did just glides to its place.
    row._facts = facts(r);
    if (animate && !fresh && changed.has(r.district) && oldFacts.get(r.district) !== row._facts) {
      const was = oldPlaces.get(r.district);
      flash(row, was && r.place < was ? 'row-rise' : 'row-flash');
    }
  });

  if (!moving) return;
  for (const [d, e] of rowEls) {
    const top = before.get(d);
    if (top === undefined) continue;
    const dy = top - e.getBoundingClientRect().top;
    if (Math.abs(dy) < 1) continue;
    e.style.transition = 'none';
    e.style.transform = `translateY(${dy}px)`;
    e.classList.add('is-moving');
  }
  // Next frame: let them glide to where they now belong.
  requestAnimationFrame(() => requestAnimationFrame(() => {
    for (const e of rowEls.values()) {
      if (!e.classList.contains('is-moving')) continue;
      e.style.transition = `transform ${MOVE_MS}ms cubic-bezier(.2,.8,.2,1)`;
      e.style.transform = '';
      setTimeout(() => { e.classList.remove('is-moving'); e.style.transition = ''; }, MOVE_MS + 50);
    }
  }));
}

function drawSummary(state) {
  const rows = [...state.rows.values()];
  const battles = rows.reduce((n, r) => n + (r.battles || 0), 0) / 2;
  const people = rows.reduce((n, r) => n + (r.participants || 0), 0);
  $('summary').textContent = `${rows.length} 个区市参赛 · 已赛 ${int(Math.round(battles))} 场 · ${int(people)} 人出战`;
}

// ---- start ----

function start() {
  setConnected(false);
  const id = competitionId();
  if (id === null) { gone(''); return; }
  let drawn = false;
  openFeed(id, {
    onConnection: setConnected,
    onGone: gone,
    onUpdate(state, result) {
      body.dataset.version = String(state.version);
      clockOffsetMs = state.clockOffsetMs;
      if (result.competitionChanged || !competition) {
        competition = state.competition;
        drawCompetition();
      }
      drawRows(state, result.changed, drawn);
      drawSummary(state);
      drawn = true;
      if (Number.isFinite(state.clockOffsetMs)) {
        $('updated').textContent = `更新于 ${timeOfDay.format(new Date(Date.now() + state.clockOffsetMs))}`;
      }
    },
  });
  setInterval(tick, 250);
}

start();
