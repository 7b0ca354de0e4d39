// 争上游 (the ladder): its home (tier, season, places), the race queue, the
// race with its live track, and the result with the star change. Follows
// docs/protocol.md §3.9. The socket, the match state, resuming, media and
// answering are the shared match session of match.js.
import { t, num, getLang } from '../i18n.js';
import { h, mount, fill, announce, reducedMotion } from './dom.js';
import { get, ApiError } from './api.js';
import { store, go } from './state.js';
import {
  S, ui, resetUi, defineMode, withConn, showMatch, renderMatchRoute, settleIdle, forgetMatch,
  ensureTicker, mmss, now, iAnswered,
} from './match.js';
import { avatar, banners, leaveButton, playTop, questionBlock, revealLine, revealFrame, endedView } from './match-view.js';
import { playerAt, seatsByTotal, standingsByPlace } from './match-state.js';
import { tierBadge, tierEmblem, starsView, fillStars, rankFromPoints, rankLabel, tierName } from './tier.js';
import { openLadderBoard } from './ladder-board.js';

const HOME = '#/ladder';
const QUEUE = '#/ladder/queue';
const RACE = '#/ladder/race';
const DAY_MS = 86_400_000;
const STAR_STEP_MS = 650;   // one star lighting up or going out
const REVEAL_SCROLL_MS = 1200; // the track's markers move first (a .9 s transition)
const STAGE = 'ladder_queue';
const INFO_TTL_MS = 60_000;   // how long the home and the header reuse GET /api/ladder

// ---- state ------------------------------------------------------------------------

// The ladder's own state; the race itself is S.m (match.js).
const L = {
  relaxed: false,
  // {since, found, wanted, smallAfterMs, botAfterMs, season, rank} while queued
  queue: null,
  // {member, at, data}: GET /api/ladder, for the home and the header;
  // dropped after each race (the rank moved)
  info: null,
  // matchId → seat → the marker position last drawn (to animate its move)
  drawn: new Map(),
  // matchIds whose star animation has played (a re-render shows the end)
  animated: new Set(),
};

const ownsHash = (hash = location.hash) => /^#\/ladder(\/|$)/.test(hash);

/** The member's ladder summary (cached until the next race ends). */
export async function ladderInfo() {
  const member = store.me && store.me.id;
  const fresh = L.info && L.info.member === member && Date.now() - L.info.at < INFO_TTL_MS;
  if (!fresh) L.info = { member, at: Date.now(), data: await get('/api/ladder') };
  return L.info.data;
}

// ---- dates ------------------------------------------------------------------------

// Seasons start and end at midnight Beijing time.
const dateFmt = (ms) => new Date(ms).toLocaleDateString(getLang(), { month: 'long', day: 'numeric', timeZone: 'Asia/Shanghai' });

export function seasonLine(season) {
  return t('ladder.season.range', { id: season.id, from: dateFmt(season.starts_at_ms), to: dateFmt(season.ends_at_ms - 1) });
}

export function daysLeft(season) {
  return Math.max(0, Math.ceil((season.ends_at_ms - Date.now()) / DAY_MS));
}

// ---- messages ---------------------------------------------------------------------------

function onMessage(msg) {
  switch (msg.type) {
    case 'ladder_queued':
      if (S.stage !== STAGE) return true;
      L.queue = {
        ...L.queue,
        since: L.queue && L.queue.since ? L.queue.since : now(),
        season: msg.season,
        rank: msg.rank,
        wanted: msg.wanted || 4,
        smallAfterMs: msg.small_race_after_ms,
        botAfterMs: msg.bot_fill_after_ms,
      };
      if (location.hash === QUEUE) renderLadderQueue();
      return true;
    case 'ladder_searching': {
      if (S.stage !== STAGE || !L.queue) return true;
      const before = L.queue.found;
      L.queue = { ...L.queue, found: msg.found, wanted: msg.wanted || L.queue.wanted, since: now() - (msg.waited_ms || 0) };
      updateQueue();
      if (before !== msg.found) announce(t('ladder.queue.found', { n: msg.found, wanted: L.queue.wanted }));
      return true;
    }
    case 'ladder_cancelled':
      if (S.stage === STAGE) {
        S.stage = 'idle';
        if (ownsHash()) go(HOME);
      }
      return true;
    default:
      return false;
  }
}

function onError(code) {
  if (code === 'not_queued') {
    if (S.stage === STAGE) { S.stage = 'idle'; go(HOME); }
    return S.owner === 'ladder';
  }
  return false;
}

// ---- actions --------------------------------------------------------------------------

function startQueue() {
  forgetMatch();
  L.queue = { since: null, found: 1, wanted: 4, smallAfterMs: null, botAfterMs: null, season: null, rank: null };
  S.stage = STAGE;
  S.owner = 'ladder';
  go(QUEUE);
  withConn('ladder', STAGE, (conn) => conn.send({ type: 'ladder_queue', relaxed: L.relaxed }));
}

function cancelQueue() {
  if (S.conn && S.stage === STAGE) S.conn.send({ type: 'ladder_cancel' });
  S.stage = 'idle';
  S.token += 1;
  go(HOME);
}

// ---- #/ladder: home -------------------------------------------------------------------

function backLink(target) {
  return h('div', { class: 'back-bar' },
    h('a', { class: 'back-link', href: target }, h('span', { 'aria-hidden': 'true' }, '‹ '), t('common.back')));
}

export async function renderLadderHome(ctx) {
  if (S.m && S.m.phase !== 'over' && (S.stage === 'match' || S.stage === 'resuming')) { showMatch(); return; }
  settleIdle();
  S.owner = 'ladder';
  L.queue = null;

  // The tier and the season first, the start button in sight, then the record.
  const top = h('div', { class: 'ladder-top' }, h('p', { class: 'muted loading' }, t('common.loading')));
  const record = h('div', { class: 'ladder-record' });
  mount(h('section', { class: 'screen ladder-home', testid: 'ladder-home' },
    backLink('#/home'),
    h('h1', null, t('ladder.title')),
    h('p', { class: 'muted' }, t('ladder.intro')),
    top,
    h('button', { class: 'btn btn-primary btn-block btn-large ladder-start', type: 'button', testid: 'ladder-start', onclick: startQueue },
      h('span', { class: 'ladder-start-icon', 'aria-hidden': 'true' }, '⚑'), t('ladder.start')),
    h('label', { class: 'switch', testid: 'ladder-relaxed' },
      h('input', { type: 'checkbox', role: 'switch', checked: L.relaxed, onchange: (ev) => { L.relaxed = ev.target.checked; } }),
      h('span', { class: 'switch-track', 'aria-hidden': 'true' }),
      h('span', { class: 'switch-text' },
        h('span', { class: 'switch-label' }, t('setup.relaxed')),
        h('span', { class: 'switch-hint' }, t('ladder.relaxed.hint')))),
    record,
    rulesView()));

  let info;
  try {
    info = await ladderInfo();
  } catch (err) {
    if (!ctx.current()) return;
    if (err instanceof ApiError && err.status === 401) { store.me = null; go('#/signin'); return; }
    fill(top, h('p', { class: 'notice notice-error', role: 'alert' }, t('error.load', { msg: err.message })));
    return;
  }
  if (!ctx.current()) return;
  const placeText = (n) => (n ? t('ladder.place', { n }) : t('common.none'));
  const stat = (testid, label, value) => h('div', { class: 'stat', testid }, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));
  const rank = info.rank;
  const left = daysLeft(info.season);
  fill(top,
    h('div', { class: `card ladder-rank-card tier-bg-${rank.tier}`, testid: 'ladder-rank', dataset: { tier: rank.tier, stars: String(rank.stars), points: String(rank.points) } },
      h('div', { class: 'ladder-rank-main' },
        tierEmblem(rank.tier, 76),
        h('div', { class: 'ladder-rank-text' },
          h('span', { class: 'ladder-rank-label' }, t('ladder.my_rank')),
          h('strong', { class: 'ladder-rank-name', testid: 'ladder-tier-name' }, tierName(rank.tier, rank.tier_name)),
          starsView(rank, { testid: 'ladder-rank-stars' }),
          h('span', { class: 'ladder-rank-next' }, rank.cap
            ? t('ladder.to_promote', { n: rank.cap - rank.stars + 1 })
            : t('ladder.king_stars', { n: rank.stars })))),
      h('div', { class: 'ladder-season', testid: 'ladder-season' },
        h('span', { class: 'ladder-season-name' }, seasonLine(info.season)),
        h('span', { class: left <= 3 ? 'ladder-days is-soon' : 'ladder-days', testid: 'ladder-days-left' }, t('ladder.days_left', { n: left })))));
  fill(record,
    h('div', { class: 'stat-grid ladder-stats' },
      stat('ladder-races', t('ladder.races'), num(info.races)),
      stat('ladder-firsts', t('ladder.firsts'), num(info.firsts)),
      stat('ladder-place-season', t('ladder.place.season'), placeText(info.place && info.place.season)),
      stat('ladder-place-tier', t('ladder.place.tier', { tier: tierName(rank.tier, rank.tier_name) }), placeText(info.place && info.place.tier))),
    h('p', { class: 'ladder-board-link' },
      h('a', { href: '#/leaderboard', testid: 'ladder-board-link', onclick: (ev) => { ev.preventDefault(); openLadderBoard(); } }, t('ladder.board_link'), ' ›')),
    info.history && info.history.length ? historyView(info.history) : null);
}

function historyView(history) {
  return h('section', { class: 'ladder-history', testid: 'ladder-history' },
    h('h2', { class: 'section-title' }, t('ladder.history')),
    h('ul', { class: 'ladder-history-list' }, history.map((x) => h('li', { class: 'ladder-history-row' },
      h('span', { class: 'ladder-history-season' }, seasonLine(x.season)),
      tierBadge(x.rank, { size: 'sm' }),
      h('span', { class: 'muted small' }, t('ladder.history.row', { races: x.races, firsts: x.firsts }))))));
}

function rulesView() {
  const row = (n, stars) => h('tr', null, h('th', { scope: 'row' }, t('ladder.rules.players', { n })),
    ...[0, 1, 2, 3].map((i) => {
      const v = stars[i];
      if (v === undefined) return h('td', null, '');
      return h('td', { class: v > 0 ? 'delta-up' : 'delta-down' }, `${v > 0 ? '+' : '−'}${Math.abs(v)}★`);
    }));
  return h('details', { class: 'card ladder-rules', testid: 'ladder-rules' },
    h('summary', null, t('ladder.rules')),
    h('p', null, t('ladder.rules.text')),
    h('table', { class: 'ladder-rules-table' },
      h('thead', null, h('tr', null, h('th', null, ''), ...[1, 2, 3, 4].map((p) => h('th', { scope: 'col' }, t('ladder.place', { n: p }))))),
      h('tbody', null, row(4, [2, 1, -1, -2]), row(3, [2, 1, -1]), row(2, [1, -1]))),
    h('p', { class: 'muted small' }, t('ladder.rules.more')));
}

// ---- #/ladder/queue ------------------------------------------------------------------

export function renderLadderQueue() {
  if (S.stage === 'match') { showMatch(); return; }
  if (S.stage !== STAGE || !L.queue) { go(HOME); return; }
  ensureTicker();
  resetUi();
  const q = L.queue;
  const me = store.me || { nickname: '?' };
  ui.seats = [];
  for (let i = 0; i < q.wanted; i++) {
    const seat = h('li', { class: 'queue-seat', testid: `ladder-seat-${i}` },
      i === 0 ? avatar(me, 'me', 'queue-avatar') : h('span', { class: 'queue-avatar queue-avatar--empty', 'aria-hidden': 'true' }, '?'));
    ui.seats.push(seat);
  }
  ui.found = h('p', { class: 'queue-found', testid: 'ladder-found', role: 'status' });
  ui.ladderElapsed = h('span', { class: 'queue-elapsed', testid: 'ladder-queue-elapsed' }, mmss(q.since ? now() - q.since : 0));
  ui.botNote = h('p', { class: 'ladder-bot-note', testid: 'ladder-bot-note' });
  mount(h('section', { class: 'screen center-screen ladder-queue', testid: 'ladder-queue-screen', dataset: { found: String(q.found), wanted: String(q.wanted) } },
    h('h1', null, t('ladder.queue.title')),
    q.rank ? h('p', { class: 'ladder-queue-rank' }, tierBadge(q.rank, { size: 'sm', testid: 'ladder-queue-rank' })) : null,
    h('ol', { class: 'queue-seats', 'aria-label': t('ladder.queue.seats') }, ui.seats),
    ui.found,
    h('p', { class: 'queue-time' }, h('span', { class: 'muted' }, t('duel.queue.elapsed')), ' ', ui.ladderElapsed),
    ui.botNote,
    q.smallAfterMs ? h('p', { class: 'muted small' }, t('ladder.queue.small_note', { n: Math.round(q.smallAfterMs / 1000) })) : null,
    h('button', { class: 'btn btn-ghost', type: 'button', testid: 'ladder-queue-cancel', onclick: cancelQueue }, t('play.cancel'))));
  updateQueue();
}

/** The seats and the "found so far" line, in place (no new view). */
function updateQueue() {
  const q = L.queue;
  if (!q || !ui.seats || location.hash !== QUEUE) return;
  ui.seats.forEach((seat, i) => {
    const filled = i < q.found;
    seat.classList.toggle('is-filled', filled);
    seat.dataset.filled = filled ? '1' : '0';
    if (i > 0) seat.firstChild.textContent = filled ? '✓' : '?';
  });
  ui.found.textContent = t('ladder.queue.found', { n: q.found, wanted: q.wanted });
  const root = document.querySelector('[data-testid="ladder-queue-screen"]');
  if (root) root.dataset.found = String(q.found);
  tickQueue(now());
}

function tickQueue(n) {
  const q = L.queue;
  if (!q || !ui.ladderElapsed) return;
  const waited = q.since ? n - q.since : 0;
  ui.ladderElapsed.textContent = mmss(waited);
  if (ui.botNote) {
    if (!q.botAfterMs) ui.botNote.textContent = t('ladder.queue.connecting');
    else {
      const left = Math.ceil((q.botAfterMs - waited) / 1000);
      ui.botNote.textContent = left > 0
        ? t('ladder.queue.bot_note', { n: Math.round(q.botAfterMs / 1000), left })
        : t('ladder.queue.bot_now');
    }
  }
}

// ---- #/ladder/race ---------------------------------------------------------------------

export function renderRace() {
  renderMatchRoute('ladder');
}

function raceView(s) {
  if (S.ended && s.phase !== 'over') return { view: endedView(s, 'ladder', HOME), focus: 'h1', top: true };
  if (s.phase === 'over') return { view: resultView(s), focus: 'h1', top: true };
  if (s.phase === 'countdown') return { view: countdownView(s), focus: 'h1', top: true };
  // Each question's view starts at the top, the track in sight: at a reveal
  // the markers move, then the page scrolls on to the explanation.
  if (s.phase === 'reveal') return { view: questionView(s), focus: '#ladder-reveal-heading', top: true };
  return { view: questionView(s), focus: '[data-testid="ladder-prompt"]', top: true };
}

function rootAttrs(s, cls) {
  return { class: cls, testid: 'ladder-race', dataset: { phase: s.phase, seq: String(s.seq), total: String(s.total), matchId: s.matchId, players: String(s.players.length) } };
}

const laneIndex = (s, seat) => Math.max(0, s.players.findIndex((p) => p.seat === seat));

function nameOf(p, mine) {
  return [h('span', { class: 'lane-name-text' }, p.nickname), mine ? h('span', { class: 'duel-you' }, t('duel.you')) : null];
}

function botChip(p, testid) {
  return p.is_bot ? h('span', { class: 'bot-badge', testid }, t('duel.bot')) : null;
}

function countdownView(s) {
  ui.countdown = h('span', { class: 'countdown-num', testid: 'ladder-countdown' }, '');
  const card = (p) => {
    const mine = p.seat === s.seat;
    return h('li', { class: `racer-card lane-c${laneIndex(s, p.seat)}${mine ? ' is-me' : ''}${p.is_bot ? ' is-bot' : ''}`, testid: 'ladder-racer', dataset: { seat: String(p.seat), bot: p.is_bot ? '1' : '0' } },
      avatar(p, 'lane', 'racer-avatar'),
      h('span', { class: 'racer-text' },
        h('span', { class: 'racer-name' }, nameOf(p, mine)),
        h('span', { class: 'racer-meta' }, p.is_bot ? t('duel.bot.meta') : p.district),
        h('span', { class: 'racer-badges' }, botChip(p, 'ladder-bot-badge'), p.rank ? tierBadge(p.rank, { size: 'xs' }) : null)));
  };
  ui.root = h('section', rootAttrs(s, 'screen ladder-race ladder-intro'),
    h('div', { class: 'play-top' }, h('span', { class: 'play-progress' }, t('ladder.title')), leaveButton('ladder')),
    h('h1', { class: 'duel-intro-title' }, t('ladder.starting')),
    h('ol', { class: 'racer-cards' }, s.players.map(card)),
    banners('ladder', false),
    h('p', { class: 'countdown', 'aria-live': 'off' }, ui.countdown),
    h('p', { class: 'muted center small' },
      [t('common.questions', { n: s.total }), t('ladder.players', { n: s.players.length }), s.relaxed ? t('setup.relaxed') : null].filter(Boolean).join(' · ')));
  return ui.root;
}

/** The live race track: one lane per player, markers placed by points. */
function track(s) {
  const finish = Math.max(1, s.total * 1000);
  const rv = s.phase === 'reveal' ? s.reveal : null;
  const order = seatsByTotal(s);
  const drawn = L.drawn.get(s.matchId) || new Map();
  L.drawn.set(s.matchId, drawn);
  ui.lanes = new Map();
  const moves = [];
  const lanes = s.players.map((p) => {
    const seat = p.seat;
    const mine = seat === s.seat;
    const total = Number(s.totals[seat]) || 0;
    const pct = Math.min(100, (total / finish) * 100);
    const r = rv ? (rv.results || []).find((x) => x.seat === seat) : null;
    const marker = h('span', { class: 'lane-marker' }, avatar(p, 'lane', 'lane-avatar'));
    const bar = h('span', { class: 'lane-progress' });
    const from = drawn.has(seat) ? drawn.get(seat) : pct;
    marker.style.left = `${from}%`;
    bar.style.width = `${from}%`;
    if (from !== pct) moves.push(() => { marker.style.left = `${pct}%`; bar.style.width = `${pct}%`; });
    drawn.set(seat, pct);
    const tick = h('span', { class: 'lane-answered', testid: 'ladder-lane-answered', title: t('ladder.answered'), hidden: true }, '✓');
    const away = h('span', { class: 'lane-away', testid: 'ladder-lane-away', hidden: true });
    const delta = r ? h('span', { class: `lane-delta ${r.correct ? 'is-ok' : 'is-bad'}`, testid: 'ladder-lane-delta' }, r.correct ? `+${num(r.points)}` : (r.timed_out ? t('ladder.lane.timeout') : '✗')) : null;
    const el = h('li', {
      class: `ladder-lane lane-c${laneIndex(s, seat)}${mine ? ' is-me' : ''}${p.is_bot ? ' is-bot' : ''}`,
      testid: 'ladder-lane',
      dataset: { seat: String(seat), me: mine ? '1' : '0', bot: p.is_bot ? '1' : '0', points: String(total), position: String(order.indexOf(seat) + 1), connected: '1', answered: '0' },
      'aria-label': t('ladder.lane.label', { name: p.nickname, n: num(total), pos: order.indexOf(seat) + 1 }),
    },
    h('span', { class: 'lane-pos', 'aria-hidden': 'true' }, String(order.indexOf(seat) + 1)),
    h('span', { class: 'lane-who' },
      h('span', { class: 'lane-name', testid: 'ladder-lane-name' }, nameOf(p, mine)),
      h('span', { class: 'lane-tags' },
        p.rank ? tierBadge(p.rank, { size: 'xs', stars: false }) : null,
        botChip(p, 'ladder-lane-bot'),
        away)),
    h('span', { class: 'lane-road', 'aria-hidden': 'true' }, bar, marker, h('span', { class: 'lane-finish' })),
    h('span', { class: 'lane-end' },
      h('span', { class: 'lane-points', testid: 'ladder-lane-points' }, num(total)),
      tick, delta));
    ui.lanes.set(seat, { el, tick, away });
    return el;
  });
  if (moves.length) {
    // Draw at the old place first, then move: the CSS transition animates it.
    requestAnimationFrame(() => requestAnimationFrame(() => moves.forEach((f) => f())));
  }
  return h('ol', { class: 'ladder-track', testid: 'ladder-track', 'aria-label': t('ladder.track') }, lanes);
}

function questionView(s) {
  const rv = s.phase === 'reveal' ? s.reveal : null;
  const others = rv ? (rv.results || []).filter((r) => r.seat !== s.seat) : [];
  const marks = (i) => ({
    classes: [],
    tags: others.filter((r) => (r.choice || []).includes(i)).map((r) => {
      const p = playerAt(s, r.seat) || { nickname: '?' };
      return h('span', { class: `opt-tag tag-other lane-c${laneIndex(s, r.seat)}`, title: p.nickname }, p.is_bot ? t('duel.bot') : [...p.nickname][0]);
    }),
  });
  ui.root = h('section', rootAttrs(s, 'screen play ladder-race'),
    track(s),
    banners('ladder', false),
    playTop(s, 'ladder'),
    questionBlock(s, 'ladder', marks),
    rv ? revealView(s, rv) : null);
  return ui.root;
}

/**
 * After the markers moved, bring the reveal into view (unless the player
 * scrolled). Scrolled here rather than with `behavior: 'smooth'`, so that the
 * scroll stops the moment the view changes (a smooth scroll would carry on
 * into the next question or the result).
 */
function scrollToReveal(section) {
  setTimeout(() => {
    if (!section.isConnected || window.scrollY > 0) return;
    const target = section.getBoundingClientRect().top + window.scrollY - 72;
    if (target <= 0) return;
    if (reducedMotion()) { window.scrollTo(0, target); return; }
    const start = performance.now();
    const frame = (n) => {
      if (!section.isConnected) return;
      const k = Math.min(1, (n - start) / 450);
      window.scrollTo(0, target * (1 - (1 - k) ** 3));
      if (k < 1) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }, REVEAL_SCROLL_MS);
}

function revealView(s, rv) {
  const lines = seatsByTotal(s).map((seat) => {
    const p = playerAt(s, seat) || { nickname: '?' };
    const r = (rv.results || []).find((x) => x.seat === seat);
    const mine = seat === s.seat;
    return revealLine([h('span', { class: `lane-dot lane-c${laneIndex(s, seat)}`, 'aria-hidden': 'true' }), p.nickname, mine ? h('span', { class: 'duel-you' }, t('duel.you')) : null],
      r, mine ? 'ladder-reveal-me' : `ladder-reveal-${seat}`, mine ? 'is-me' : '');
  });
  const section = revealFrame(s, rv, 'ladder', lines);
  scrollToReveal(section);
  return section;
}

function refresh(s, { open }) {
  if (!ui.lanes) return;
  for (const [seat, lane] of ui.lanes) {
    const answered = open && (seat === s.seat ? iAnswered(s) : s.answered.includes(seat));
    lane.tick.hidden = !answered;
    lane.el.dataset.answered = answered ? '1' : '0';
  }
  tickLanes(s);
}

/** Connected or not, with the grace period counting down. */
function tickLanes(s) {
  if (!ui.lanes) return;
  const n = now();
  for (const [seat, lane] of ui.lanes) {
    const away = s.connected[seat] === false && s.phase !== 'over';
    lane.el.classList.toggle('is-away', away);
    lane.el.dataset.connected = away ? '0' : '1';
    lane.away.hidden = !away;
    if (away) {
      const end = s.graceEnd[seat];
      lane.away.textContent = end === null || end === undefined ? t('ladder.lane.away')
        : end > n ? t('ladder.lane.away_secs', { n: Math.ceil((end - n) / 1000) }) : t('ladder.lane.left');
    }
  }
}

function status(s, { loading, answered, expired }) {
  if (loading) return t('ladder.waiting_media');
  const n = s.answered.length;
  const all = s.players.length;
  if (answered) return n >= all ? t('ladder.all_answered') : t('ladder.you_answered', { n, all });
  if (expired) return t('duel.time_up');
  if (n > 0) return t('ladder.others_answered', { n });
  return '';
}

// ---- the result ----------------------------------------------------------------------

const PLACE_CLASS = ['', 'gold', 'silver', 'bronze', 'plain'];

function starDelta(n) {
  if (n > 0) return `+${n}★`;
  if (n < 0) return `−${-n}★`;
  return '±0★';
}

function resultView(s) {
  const o = s.over;
  const stand = standingsByPlace(s);
  const mine = stand.find((x) => x.seat === s.seat) || null;
  const aborted = o.outcome === 'aborted';
  const place = mine ? mine.place : null;
  const ld = mine && mine.ladder;
  // The rank changed: the home and the header read it again.
  L.info = null;

  const hero = aborted
    ? h('div', { class: 'place-hero place-plain' },
      h('h1', { testid: 'ladder-result-place' }, t('ladder.result.aborted')),
      h('p', { class: 'muted' }, t('ladder.result.aborted.hint')))
    : h('div', { class: `place-hero place-${PLACE_CLASS[Math.min(place || 4, 4)]}` },
      h('span', { class: 'place-medal', 'aria-hidden': 'true' }, String(place || '—')),
      h('h1', { testid: 'ladder-result-place' }, t('ladder.result.place', { n: place || '—' })),
      h('p', { class: 'place-sub' }, mine && mine.forfeited ? t('ladder.result.forfeited') : t(`ladder.result.sub.${Math.min(place || 4, 4)}`)));

  const row = (st) => {
    const p = playerAt(s, st.seat) || { nickname: '?' };
    const me = st.seat === s.seat;
    const after = st.ladder ? st.ladder.after : p.rank;
    return h('li', { class: `ladder-standing place-${PLACE_CLASS[Math.min(st.place, 4)]}${me ? ' is-me' : ''}`, testid: 'ladder-standing', dataset: { place: String(st.place), seat: String(st.seat), me: me ? '1' : '0', points: String(st.points) } },
      h('span', { class: 'standing-place', testid: 'ladder-standing-place' }, String(st.place)),
      avatar(p, 'lane', `standing-avatar lane-c${laneIndex(s, st.seat)}`),
      h('span', { class: 'standing-who' },
        h('span', { class: 'standing-name' }, nameOf(p, me)),
        h('span', { class: 'standing-meta' },
          botChip(p, 'ladder-standing-bot'),
          after ? tierBadge(after, { size: 'xs' }) : null,
          h('span', { class: 'muted small' }, t('duel.result.correct', { n: st.correct || 0 })),
          st.forfeited ? h('span', { class: 'forfeit-badge' }, t('ladder.result.left')) : null)),
      h('span', { class: 'standing-end' },
        h('strong', { class: 'standing-points', testid: 'ladder-standing-points' }, num(st.points || 0)),
        st.ladder ? h('span', { class: `standing-stars ${st.ladder.stars > 0 ? 'delta-up' : st.ladder.stars < 0 ? 'delta-down' : 'delta-none'}`, testid: 'ladder-standing-stars', dataset: { stars: String(st.ladder.stars) } }, starDelta(st.ladder.stars)) : null));
  };

  return h('section', { class: 'screen ladder-result', testid: 'ladder-result', dataset: { matchId: s.matchId, outcome: o.outcome, place: place ? String(place) : '' } },
    hero,
    ld && ld.promoted ? h('div', { class: 'ladder-banner is-up', testid: 'ladder-promoted', role: 'status' },
      h('strong', null, t('ladder.result.promoted')), ' ', t('ladder.result.promoted.to', { tier: tierName(ld.after.tier, ld.after.tier_name) })) : null,
    ld && ld.demoted ? h('div', { class: 'ladder-banner is-down', testid: 'ladder-demoted', role: 'status' },
      h('strong', null, t('ladder.result.demoted')), ' ', t('ladder.result.demoted.to', { tier: tierName(ld.after.tier, ld.after.tier_name) })) : null,
    ld ? starMeter(s.matchId, ld) : null,
    h('h2', { class: 'section-title' }, t('ladder.result.standings')),
    h('ol', { class: 'ladder-standings', testid: 'ladder-standings' }, stand.map(row)),
    h('div', { class: 'actions' },
      h('button', { class: 'btn btn-primary', type: 'button', testid: 'ladder-again', onclick: startQueue }, t('ladder.again')),
      h('button', { class: 'btn btn-ghost', type: 'button', testid: 'ladder-back', onclick: () => go(HOME) }, t('common.back'))));
}

/**
 * The star change, played star by star from `before` to `after`: a star
 * lights up per gain, goes out per loss; crossing a tier swaps the emblem.
 */
function starMeter(matchId, ld) {
  const from = ld.before.points;
  const to = ld.after.points;
  const dir = Math.sign(to - from);
  const badgeSlot = h('span', { class: 'meter-badge' });
  const nameSlot = h('strong', { class: 'meter-name' });
  const stars = h('span', { class: 'tier-stars meter-stars' });
  const wrap = h('div', {
    class: `card ladder-meter${dir > 0 ? ' is-up' : dir < 0 ? ' is-down' : ''}`, testid: 'ladder-stars',
    dataset: { before: String(from), after: String(to), stars: String(ld.stars), done: '0' },
  },
  h('div', { class: 'meter-main' }, badgeSlot, h('span', { class: 'meter-text' }, nameSlot, stars)),
  h('p', { class: 'meter-change', testid: 'ladder-star-change', dataset: { stars: String(ld.stars) } },
    h('span', { class: ld.stars > 0 ? 'delta-up' : ld.stars < 0 ? 'delta-down' : 'muted' }, starDelta(ld.stars)),
    ' ', h('span', { class: 'muted small' }, `${rankLabel(ld.before)} → ${rankLabel(ld.after)}`)),
  ld.stars === 0 && from === 1 ? h('p', { class: 'muted small meter-floor' }, t('ladder.result.floor')) : null);

  let shownTier = null;
  const draw = (rank) => {
    if (shownTier !== rank.tier) {
      badgeSlot.replaceChildren(tierEmblem(rank.tier, 56));
      wrap.className = wrap.className.replace(/\btier-bg-\w+/g, '').trim();
      wrap.classList.add(`tier-bg-${rank.tier}`);
      if (shownTier) {
        badgeSlot.classList.remove('is-swap');
        void badgeSlot.offsetWidth; // restart the animation
        badgeSlot.classList.add('is-swap');
      }
      shownTier = rank.tier;
    }
    nameSlot.textContent = tierName(rank.tier, rank.tier_name);
    fillStars(stars, rank);
  };
  const finish = () => {
    draw(ld.after);
    wrap.dataset.done = '1';
    L.animated.add(matchId);
  };
  if (dir === 0 || L.animated.has(matchId) || reducedMotion()) {
    finish();
    return wrap;
  }
  draw(ld.before);
  let cur = from;
  const step = () => {
    if (!wrap.isConnected) { L.animated.add(matchId); return; }
    const before = rankFromPoints(cur);
    cur += dir;
    const next = rankFromPoints(cur);
    if (dir > 0) {
      draw(next);
      const lit = next.cap ? stars.children[next.stars - 1] : stars.lastElementChild;
      if (lit) lit.classList.add('is-new');
    } else if (next.tier === before.tier) {
      // The last lit star goes out.
      const out = stars.children[before.stars - 1];
      if (before.cap && out) { out.classList.remove('is-on'); out.classList.add('is-lost'); } else draw(next);
    } else {
      draw(next);
    }
    if (cur === to) setTimeout(finish, STAR_STEP_MS);
    else setTimeout(step, STAR_STEP_MS);
  };
  setTimeout(step, 700);
  return wrap;
}

// ---- announcements and timers -------------------------------------------------------------

function announceEvent(msg, s) {
  if (msg.type === 'match_presence' && msg.seat !== s.seat) {
    const p = playerAt(s, msg.seat);
    if (p) announce(msg.connected ? t('ladder.presence.back', { name: p.nickname }) : t('ladder.presence.away', { name: p.nickname }));
  }
  if (msg.type === 'match_over') {
    const mine = (msg.standings || []).find((x) => x.seat === s.seat);
    if (mine) announce(t('ladder.result.place', { n: mine.place }));
  }
}

function tick(n) {
  if (L.queue && ui.ladderElapsed) tickQueue(n);
}

defineMode('ladder', {
  i18n: 'ladder',
  lobbyRoute: HOME,
  matchRoute: RACE,
  ownsHash,
  view: raceView,
  refresh,
  status,
  onMessage,
  onError,
  cancelWaiting: (conn) => { if (S.stage === STAGE) conn.send({ type: 'ladder_cancel' }); },
  leaveConfirm: () => t('ladder.leave.confirm'),
  announce: announceEvent,
  tick,
  tickMatch: tickLanes,
});
