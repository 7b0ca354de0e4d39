// 区域PK赛 (district battles) for members: the home screen's competition
// cards with their countdowns, the queue for one's own district, the team
// battle and its result. Follows docs/protocol.md §2 (GET /api/competitions)
// and §3.10. The socket, the match state, resuming, media and answering are
// the shared match session of match.js; the team columns are match-view.js's.
import { t, num, getLang } from '../i18n.js';
import { h, mount, fill, announce } from './dom.js';
import { get } from './api.js';
import { store, go } from './state.js';
import {
  S, ui, resetUi, defineMode, withConn, showMatch, renderMatchRoute, forgetMatch,
  ensureTicker, mmss, now, iLeft,
} from './match.js';
import {
  avatar, banners, leaveButton, playTop, questionBlock, revealLine, revealFrame, endedView,
  averageText, teamScoreBar, teamBoard, refreshTeams, tickTeams,
} from './match-view.js';
import { playerAt, myTeam, teamSeats, teamDistrict, battleOutcomeFor } from './match-state.js';

const HOME = '#/home';
const QUEUE = '#/district/queue';
const BATTLE = '#/district/battle';
const STAGE = 'district_queue';
const CARD_TICK_MS = 250;   // the countdowns turn over on the second, not up to 1 s late

export const standingsHash = (id) => `#/district/standings/${id}`;

const ownsHash = (hash = location.hash) => /^#\/district\/(queue|battle)$/.test(hash);

// ---- state ------------------------------------------------------------------------

// The district mode's own state; the battle itself is S.m (match.js).
const D = {
  competition: null, // {id, title?}: the competition being queued for or battled in
  // {since, queued (the district_queued message), teammates, opponents} while queued
  queue: null,
  error: null,       // {code, text}: why the last queueing was refused or ended
  counted: null,     // the last district_queued's `counted`, for the battle's notes
};

// GET /api/competitions, and how far the server's clock is ahead of ours.
const C = { list: [], offset: 0 };

const serverNow = () => Date.now() + C.offset;

async function loadCompetitions() {
  const sent = Date.now();
  const data = await get('/api/competitions');
  // The server read its clock about halfway through the round trip.
  C.offset = data.server_time_ms - (sent + Date.now()) / 2;
  C.list = data.competitions || [];
  return C.list;
}

const titleOf = (id) => {
  const c = C.list.find((x) => x.id === id);
  return c ? c.title : (D.competition && D.competition.id === id ? D.competition.title : null);
};

/** published | running | finished, now: the countdown runs out on the client. */
function statusNow(c) {
  const at = serverNow();
  if (c.status === 'finished' || at >= c.ends_at_ms) return 'finished';
  if (c.status === 'running' || at >= c.starts_at_ms) return 'running';
  return 'published';
}

// ---- times ------------------------------------------------------------------------

/** "2 天 03:12:45", "03:12:45" or "12:45". */
function clockText(ms) {
  const sec = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(sec / 86400);
  const hh = Math.floor((sec % 86400) / 3600);
  const rest = mmss((sec % 3600) * 1000);
  const hms = d || hh ? `${String(hh).padStart(2, '0')}:${rest}` : rest;
  return d ? t('district.days_clock', { d, hms }) : hms;
}

// Competitions are set in Beijing time, whatever the device's zone.
const whenText = (ms) => new Date(ms).toLocaleString(getLang(), {
  month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Shanghai',
});

// ---- the home screen's cards ----------------------------------------------------------

/**
 * The home screen's 区域PK赛 section: a card per competition the member may
 * see. Hidden until GET /api/competitions lists one; `onLoaded(n)` is told
 * how many.
 */
export function districtSection(ctx, onLoaded) {
  D.error = null; // back home, a refused queueing is old news
  const list = h('div', { class: 'comp-list' });
  const section = h('section', { class: 'comp-section', testid: 'home-district', hidden: true, 'aria-labelledby': 'home-district-title' },
    h('h2', { class: 'section-title', id: 'home-district-title' }, t('district.section')),
    list);
  loadCompetitions().then((comps) => {
    if (!ctx.current()) return;
    fill(list, comps.map(competitionCard));
    section.hidden = comps.length === 0;
    if (comps.length) startCardTicker();
    onLoaded(comps.length);
  }).catch(() => onLoaded(0)); // the rest of the home works without the cards
  return section;
}

// The competition each card shows (a card is redrawn when its status turns).
const cardOf = new WeakMap();

function competitionCard(c) {
  const status = statusNow(c);
  const mine = store.me ? store.me.district : '';
  const clock = h('strong', { class: 'comp-clock', testid: 'district-countdown' });
  const time = status === 'finished'
    ? h('p', { class: 'comp-time', testid: 'district-time' }, h('span', { class: 'comp-time-label' }, t('district.card.ended_at', { when: whenText(c.ends_at_ms) })))
    : h('p', { class: 'comp-time', testid: 'district-time' },
      h('span', { class: 'comp-time-label' }, t(status === 'running' ? 'district.card.left' : 'district.card.starts_in')), ' ', clock);
  const takesPart = !!c.my_district_takes_part;
  const standings = h('a', { class: status === 'finished' ? 'btn btn-primary' : 'btn btn-ghost', href: standingsHash(c.id), testid: 'district-standings-link' },
    t(status === 'finished' ? 'district.card.final_standings' : 'district.card.standings'));
  let actions;
  if (status === 'running' && takesPart) {
    actions = [h('button', { class: 'btn btn-primary comp-enter', type: 'button', testid: 'district-enter', dataset: { competitionId: String(c.id) }, onclick: () => startQueue(c) }, t('district.enter')), standings];
  } else if (status === 'published') {
    actions = [h('p', { class: 'comp-note', testid: takesPart ? 'district-soon-note' : 'district-not-taking-part' },
      takesPart ? t('district.card.soon', { district: mine }) : t('district.card.not_taking_part', { district: mine }))];
  } else {
    actions = [
      status === 'running' ? h('p', { class: 'comp-note', testid: 'district-not-taking-part' }, t('district.card.not_taking_part', { district: mine })) : null,
      standings];
  }
  const card = h('article', {
    class: `card comp-card comp-${status}`, testid: 'district-card',
    dataset: { competitionId: String(c.id), status },
    'aria-labelledby': `comp-title-${c.id}`,
  },
  h('div', { class: 'comp-head' },
    h('span', { class: `comp-badge comp-badge--${status}`, testid: 'district-status' }, t(`district.status.${status}`)),
    h('h3', { class: 'comp-title', id: `comp-title-${c.id}`, lang: 'zh-CN' }, c.title)),
  time,
  h('p', { class: 'comp-when muted small' }, t('district.card.window', { from: whenText(c.starts_at_ms), to: whenText(c.ends_at_ms) })),
  h('p', { class: 'comp-rules small' }, t('district.card.rules', { team: c.team_size, q: c.questions_per_battle, daily: c.daily_battles })),
  h('ul', { class: 'comp-districts', 'aria-label': t('district.card.districts') },
    (c.districts || []).map((d) => h('li', { class: d === mine ? 'comp-district is-mine' : 'comp-district' }, d))),
  h('div', { class: 'comp-actions' }, actions));
  cardOf.set(card, c);
  tickCard(card);
  return card;
}

function tickCard(card) {
  const c = cardOf.get(card);
  if (!c) return;
  const status = statusNow(c);
  if (status !== card.dataset.status) {
    // The countdown ran out (or the window closed): the card changes state in place.
    const hadFocus = card.contains(document.activeElement);
    const fresh = competitionCard(c);
    card.replaceWith(fresh);
    const enter = fresh.querySelector('[data-testid="district-enter"]');
    if (hadFocus) (enter || fresh.querySelector('a, button') || fresh).focus();
    announce(t(`district.card.now_${status}`, { title: c.title }));
    return;
  }
  const clock = card.querySelector('[data-testid="district-countdown"]');
  if (!clock) return;
  const target = status === 'running' ? c.ends_at_ms : c.starts_at_ms;
  const text = clockText(target - serverNow());
  if (clock.textContent !== text) clock.textContent = text;
}

let cardTimer = null;

function startCardTicker() {
  if (cardTimer) return;
  cardTimer = setInterval(() => {
    const cards = document.querySelectorAll('[data-testid="district-card"]');
    if (!cards.length) { clearInterval(cardTimer); cardTimer = null; return; }
    cards.forEach(tickCard);
  }, CARD_TICK_MS);
}

// ---- messages ---------------------------------------------------------------------------

function onMessage(msg) {
  switch (msg.type) {
    case 'district_queued':
      if (S.stage !== STAGE || !D.queue) return true;
      D.queue = { ...D.queue, since: D.queue.since || now(), queued: msg };
      D.counted = msg.counted;
      if (location.hash === QUEUE) renderDistrictQueue();
      return true;
    case 'district_searching': {
      if (S.stage !== STAGE || !D.queue) return true;
      const changed = msg.teammates !== D.queue.teammates || msg.opponents !== D.queue.opponents;
      D.queue = { ...D.queue, teammates: msg.teammates, opponents: msg.opponents, since: now() - (msg.waited_ms || 0) };
      updateQueue();
      if (changed) announce(t('district.queue.waiting', { a: msg.teammates, b: msg.opponents }));
      return true;
    }
    case 'district_cancelled':
      if (S.stage === STAGE) {
        S.stage = 'idle';
        if (ownsHash()) go(HOME);
      }
      return true;
    default:
      return false;
  }
}

// Refusals of district_queue, and the end of the competition while waiting.
const QUEUE_ERRORS = new Set(['competition_closed', 'not_in_competition', 'already_queued', 'unavailable']);

function onError(code) {
  if (S.owner !== 'district' || S.stage !== STAGE) return false;
  if (code === 'not_queued') {
    S.stage = 'idle';
    go(HOME);
    return true;
  }
  if (!QUEUE_ERRORS.has(code)) return false;
  const closedWhileWaiting = code === 'competition_closed' && D.queue && D.queue.queued;
  D.error = { code, text: closedWhileWaiting ? t('district.error.closed_while_waiting') : t(`district.error.${code}`) };
  D.queue = null;
  S.stage = 'idle';
  if (location.hash === QUEUE) renderDistrictQueue();
  announce(D.error.text);
  return true;
}

// ---- actions --------------------------------------------------------------------------

/** Queue for `competition` ({id, title?}), from a card, a result or the standings. */
export function startQueue(competition) {
  forgetMatch();
  D.competition = { id: competition.id, title: competition.title || titleOf(competition.id) };
  D.queue = { since: null, queued: null, teammates: 1, opponents: 0 };
  D.error = null;
  S.stage = STAGE;
  S.owner = 'district';
  go(QUEUE);
  withConn('district', STAGE, (conn) => conn.send({ type: 'district_queue', competition_id: competition.id }));
}

function cancelQueue() {
  if (S.conn && S.stage === STAGE) S.conn.send({ type: 'district_cancel' });
  S.stage = 'idle';
  S.token += 1;
  go(HOME);
}

// ---- #/district/queue ----------------------------------------------------------------

export function renderDistrictQueue() {
  if (S.stage === 'match') { showMatch(); return; }
  if (D.error) { renderQueueError(); return; }
  if (S.stage !== STAGE || !D.queue) { go(HOME); return; }
  ensureTicker();
  resetUi();
  const q = D.queue;
  const info = q.queued;
  const me = store.me || { nickname: '?', district: '' };
  const district = info ? info.district : me.district;
  ui.dqMine = h('span', { class: 'dq-count', testid: 'district-queue-teammates' });
  ui.dqTheirs = h('span', { class: 'dq-count', testid: 'district-queue-opponents' });
  ui.dqMineSeats = h('span', { class: 'dq-seats', 'aria-hidden': 'true' });
  ui.dqTheirsSeats = h('span', { class: 'dq-seats', 'aria-hidden': 'true' });
  ui.dqWaiting = h('p', { class: 'queue-found', testid: 'district-searching', role: 'status' });
  ui.dqElapsed = h('span', { class: 'queue-elapsed', testid: 'district-queue-elapsed' }, mmss(q.since ? now() - q.since : 0));
  ui.dqHint = h('p', { class: 'dq-hint', testid: 'district-uneven-note' });
  const title = D.competition && D.competition.title;
  mount(h('section', {
    class: 'screen center-screen district-queue', testid: 'district-queue-screen',
    dataset: { competitionId: String(D.competition ? D.competition.id : ''), queued: info ? '1' : '0', counted: info ? String(info.counted) : '' },
  },
  h('h1', null, t('district.queue.title')),
  title ? h('p', { class: 'muted', lang: 'zh-CN' }, title) : null,
  h('div', { class: 'dq-versus' },
    h('div', { class: 'dq-side dq-side--mine' },
      avatar(me, 'me', 'dq-avatar'),
      h('strong', { class: 'dq-district', testid: 'district-queue-district' }, district),
      ui.dqMine, ui.dqMineSeats),
    h('span', { class: 'duel-vs', 'aria-hidden': 'true' }, 'VS'),
    h('div', { class: 'dq-side dq-side--theirs' },
      h('span', { class: 'duel-avatar duel-avatar--opp dq-avatar', 'aria-hidden': 'true' }, '?'),
      h('strong', { class: 'dq-district' }, t('district.queue.opponents')),
      ui.dqTheirs, ui.dqTheirsSeats)),
  ui.dqWaiting,
  h('p', { class: 'queue-time' }, h('span', { class: 'muted' }, t('duel.queue.elapsed')), ' ', ui.dqElapsed),
  ui.dqHint,
  info ? h('ul', { class: 'dq-facts' },
    h('li', null, t('district.queue.team_size', { n: info.team_size })),
    h('li', { class: info.counted ? 'dq-counted' : 'dq-counted is-over', testid: 'district-counted', dataset: { counted: String(info.counted) } },
      info.counted
        ? t('district.queue.counted', { n: info.battles_today + 1, cap: info.daily_battles })
        : t('district.queue.not_counted', { cap: info.daily_battles }))) : null,
  h('button', { class: 'btn btn-ghost', type: 'button', testid: 'district-queue-cancel', onclick: cancelQueue }, t('play.cancel'))));
  updateQueue();
}

/** The waiting counts, seats and hint, in place (no new view). */
function updateQueue() {
  const q = D.queue;
  if (!q || !ui.dqWaiting || location.hash !== QUEUE) return;
  const size = q.queued ? q.queued.team_size : 0;
  ui.dqMine.textContent = t('district.queue.mine_waiting', { n: q.teammates });
  ui.dqTheirs.textContent = t('district.queue.theirs_waiting', { n: q.opponents });
  const seats = (box, n) => fill(box, Array.from({ length: size }, (_, i) => h('span', { class: i < n ? 'dq-seat is-filled' : 'dq-seat' })));
  seats(ui.dqMineSeats, q.teammates);
  seats(ui.dqTheirsSeats, q.opponents);
  ui.dqWaiting.textContent = q.queued ? t('district.queue.waiting', { a: q.teammates, b: q.opponents }) : t('ladder.queue.connecting');
  const root = document.querySelector('[data-testid="district-queue-screen"]');
  if (root) Object.assign(root.dataset, { teammates: String(q.teammates), opponents: String(q.opponents) });
  tickQueue(now());
}

function tickQueue(n) {
  const q = D.queue;
  if (!q || !ui.dqElapsed) return;
  const waited = q.since ? n - q.since : 0;
  ui.dqElapsed.textContent = mmss(waited);
  const info = q.queued;
  if (!info) { ui.dqHint.textContent = ''; return; }
  const left = Math.ceil((info.uneven_after_ms - waited) / 1000);
  let hint;
  if (q.opponents === 0) hint = t('district.queue.no_opponents');
  else if (q.teammates >= info.team_size && q.opponents >= info.team_size) hint = t('district.queue.full');
  else if (left > 0) hint = t('district.queue.uneven_in', { n: info.team_size, left });
  else hint = t('district.queue.uneven_now');
  if (ui.dqHint.textContent !== hint) ui.dqHint.textContent = hint;
}

function renderQueueError() {
  const e = D.error;
  const id = D.competition && D.competition.id;
  resetUi();
  mount(h('section', { class: 'screen center-screen district-queue', testid: 'district-queue-error', dataset: { code: e.code } },
    h('h1', null, t(e.code === 'competition_closed' ? 'district.error.title_closed' : 'district.error.title')),
    h('p', { class: 'notice notice-error', role: 'alert', testid: 'district-queue-error-text' }, e.text),
    h('div', { class: 'actions' },
      e.code === 'already_queued' || e.code === 'unavailable'
        ? h('button', { class: 'btn btn-primary', type: 'button', testid: 'district-queue-retry', onclick: () => startQueue(D.competition) }, t('common.retry'))
        : null,
      id ? h('a', { class: 'btn btn-ghost', href: standingsHash(id) }, t('district.card.standings')) : null,
      h('a', { class: 'btn btn-ghost', href: HOME, testid: 'district-queue-home' }, t('common.home')))));
}

// ---- #/district/battle -----------------------------------------------------------------

export function renderBattle() {
  renderMatchRoute('district');
}

function battleView(s) {
  if (S.ended && s.phase !== 'over') return { view: endedView(s, 'district', HOME), focus: 'h1', top: true };
  if (s.phase === 'over') return { view: resultView(s), focus: 'h1', top: true };
  if (s.phase === 'countdown') return { view: countdownView(s), focus: 'h1', top: true };
  if (s.phase === 'reveal') return { view: questionView(s), focus: '#district-reveal-heading' };
  return { view: questionView(s), focus: '[data-testid="district-prompt"]', top: true };
}

function rootAttrs(s, cls) {
  return {
    class: cls, testid: 'district-battle',
    dataset: { phase: s.phase, seq: String(s.seq), total: String(s.total), matchId: s.matchId, team: String(myTeam(s)), players: String(s.players.length) },
  };
}

const sizes = (s) => {
  const mine = myTeam(s);
  return { a: teamSeats(s, mine).length, b: teamSeats(s, 1 - mine).length };
};

function countedNote() {
  if (D.counted === null) return null;
  return h('p', { class: D.counted ? 'muted center small' : 'notice', testid: 'district-battle-counted', dataset: { counted: String(D.counted) } },
    t(D.counted ? 'district.battle.counted' : 'district.battle.not_counted'));
}

function countdownView(s) {
  const mine = myTeam(s);
  ui.countdown = h('span', { class: 'countdown-num', testid: 'district-countdown-num' }, '');
  ui.root = h('section', rootAttrs(s, 'screen district-battle district-intro'),
    h('div', { class: 'play-top' }, h('span', { class: 'play-progress' }, t('district.title')), leaveButton('district')),
    h('h1', { class: 'duel-intro-title' }, t('district.battle.starting')),
    h('p', { class: 'district-matchup' },
      h('span', { class: 'matchup-mine' }, teamDistrict(s, mine)),
      h('span', { class: 'duel-vs', 'aria-hidden': 'true' }, 'VS'),
      h('span', { class: 'matchup-theirs' }, teamDistrict(s, 1 - mine))),
    banners('district', false),
    h('p', { class: 'countdown', 'aria-live': 'off' }, ui.countdown),
    h('p', { class: 'muted center small' }, [t('common.questions', { n: s.total }), t('district.battle.sizes', sizes(s)), t('district.battle.by_average')].join(' · ')),
    countedNote(),
    teamBoard(s, 'district'));
  return ui.root;
}

function questionView(s) {
  const rv = s.phase === 'reveal' ? s.reveal : null;
  const mine = myTeam(s);
  // At the reveal, how many of my teammates and of the other team chose each option.
  const marks = (i) => {
    const picked = (rv.results || []).filter((r) => r.seat !== s.seat && (r.choice || []).includes(i));
    const ours = picked.filter((r) => (playerAt(s, r.seat) || {}).team === mine).length;
    const theirs = picked.length - ours;
    return {
      classes: theirs ? ['is-opp'] : [],
      tags: [
        ours ? h('span', { class: 'opt-tag tag-team', testid: 'district-mark-team' }, t('district.mark.team', { n: ours })) : null,
        theirs ? h('span', { class: 'opt-tag tag-opp', testid: 'district-mark-opp' }, t('district.mark.opp', { n: theirs })) : null,
      ].filter(Boolean),
    };
  };
  ui.root = h('section', rootAttrs(s, 'screen play district-battle'),
    teamScoreBar(s, 'district'),
    banners('district', false),
    playTop(s, 'district'),
    questionBlock(s, 'district', marks),
    teamBoard(s, 'district'),
    rv ? revealView(s, rv) : null);
  return ui.root;
}

/** My teammates' lines, and what this question added to each team's average. */
function revealView(s, rv) {
  const mine = myTeam(s);
  const results = rv.results || [];
  const gained = (team) => {
    const seats = teamSeats(s, team);
    const sum = results.filter((r) => seats.includes(r.seat)).reduce((a, r) => a + (Number(r.points) || 0), 0);
    return seats.length ? sum / seats.length : 0;
  };
  const lines = teamSeats(s, mine)
    .sort((a, b) => (Number(s.totals[b]) || 0) - (Number(s.totals[a]) || 0) || a - b)
    .map((seat) => {
      const p = playerAt(s, seat) || { nickname: '?' };
      const me = seat === s.seat;
      return revealLine([p.nickname, me ? h('span', { class: 'duel-you' }, t('duel.you')) : null],
        results.find((r) => r.seat === seat), me ? 'district-reveal-me' : `district-reveal-${seat}`, me ? 'is-me' : '');
    });
  lines.push(h('li', { class: 'reveal-line reveal-team', testid: 'district-reveal-gain' },
    h('span', { class: 'reveal-who' }, t('district.reveal.gain')),
    h('span', { class: 'reveal-gain-mine' }, `${teamDistrict(s, mine)} +${averageText(gained(mine))}`),
    h('span', { class: 'reveal-gain-theirs' }, `${teamDistrict(s, 1 - mine)} +${averageText(gained(1 - mine))}`)));
  return revealFrame(s, rv, 'district', lines);
}

function refresh(s, { open }) {
  refreshTeams(s, open);
}

function status(s, { loading, answered, expired }) {
  if (iLeft(s)) return t('district.you_left');
  if (loading) return t('ladder.waiting_media');
  const mine = myTeam(s);
  const done = (team) => teamSeats(s, team).filter((seat) => s.answered.includes(seat) || (seat === s.seat && answered)).length;
  const { a, b } = sizes(s);
  const tally = t('district.answered_tally', { x: done(mine), a, y: done(1 - mine), b });
  if (answered) return t('district.you_answered', { tally });
  if (expired) return t('duel.time_up');
  return done(mine) + done(1 - mine) > 0 ? tally : '';
}

// ---- the result ----------------------------------------------------------------------

function resultView(s) {
  const o = s.over;
  const b = o.battle;
  const outcome = battleOutcomeFor(s);
  const mine = myTeam(s);
  const standings = o.standings || [];
  const me = standings.find((x) => x.seat === s.seat) || null;
  const side = (team) => (b ? b.teams.find((x) => x.team === team) : null) || { team, district: teamDistrict(s, team), members: teamSeats(s, team).length, average: 0, competition_points: 0 };
  const ours = side(mine);
  const theirs = side(1 - mine);
  const allLeft = (team) => teamSeats(s, team).every((seat) => (standings.find((x) => x.seat === seat) || {}).forfeited);
  const sub = t(`district.result.sub.${outcome}`, { mine: ours.district, theirs: theirs.district });
  // A whole team left: the battle ended early, still decided by the averages.
  let early = null;
  if (o.outcome === 'forfeit' && allLeft(mine)) early = t('district.result.we_left');
  else if (o.outcome === 'forfeit' && allLeft(1 - mine)) early = t('district.result.they_left', { theirs: theirs.district });

  const teamCard = (x, which) => h('div', {
    class: `result-col result-col--${which === 'mine' ? 'me' : 'opp'}${b && b.winner_team === x.team ? ' is-winner' : ''}`, testid: 'district-result-team',
    dataset: { team: String(x.team), side: which, average: Number(x.average).toFixed(1), points: String(x.competition_points) },
  },
  b && b.winner_team === x.team ? h('span', { class: 'winner-badge' }, t('duel.result.winner')) : null,
  h('span', { class: 'result-name' }, x.district),
  h('span', { class: 'muted small' }, t(`team.${which}`)),
  h('strong', { class: 'result-points', testid: `district-result-average-${which}` }, averageText(x.average)),
  h('span', { class: 'muted small' }, t('district.result.average')),
  h('span', { class: 'result-stat' }, t('district.result.members', { n: x.members })),
  outcome === 'aborted' ? null : h('span', { class: `comp-points comp-points--${x.competition_points}` }, t('district.result.comp_points', { n: x.competition_points })));

  let pointsLine;
  if (outcome === 'aborted') pointsLine = t('district.result.points_none');
  else if (ours.competition_points > 0) pointsLine = t('district.result.points', { district: ours.district, n: ours.competition_points });
  else if (outcome === 'win') pointsLine = t('district.result.points_capped');
  else pointsLine = t('district.result.points_zero', { district: ours.district });

  const roster = (team, which) => h('div', { class: `district-roster district-roster--${which}` },
    h('h3', { class: 'team-head' }, h('span', { class: 'team-name' }, teamDistrict(s, team)), h('span', { class: 'team-tag' }, t(`team.${which}`))),
    h('ol', { class: 'roster-list' }, standings.filter((st) => teamSeats(s, team).includes(st.seat)).sort((x, y) => y.points - x.points || x.seat - y.seat).map((st) => {
      const p = playerAt(s, st.seat) || { nickname: '?' };
      const isMe = st.seat === s.seat;
      return h('li', { class: `roster-row${isMe ? ' is-me' : ''}`, testid: 'district-result-member', dataset: { seat: String(st.seat), points: String(st.points), me: isMe ? '1' : '0' } },
        avatar(p, which === 'mine' ? 'me' : 'opp', 'roster-avatar'),
        h('span', { class: 'roster-name' },
          h('span', { class: 'roster-name-text' }, p.nickname),
          isMe ? h('span', { class: 'duel-you' }, t('duel.you')) : null,
          st.forfeited ? h('span', { class: 'forfeit-badge' }, t('district.result.left')) : null),
        h('span', { class: 'muted small' }, t('duel.result.correct', { n: st.correct || 0 })),
        h('strong', { class: 'roster-points' }, num(st.points || 0)));
    })));

  return h('section', { class: `screen summary district-result result-${outcome}`, testid: 'district-result', dataset: { matchId: s.matchId, outcome, decidedBy: b ? b.decided_by : '' } },
    h('h1', { testid: 'district-result-title' }, t(`district.result.${outcome}`)),
    h('p', { class: 'muted center', testid: 'district-result-sub' }, sub),
    early ? h('p', { class: 'notice', testid: 'district-result-early' }, early) : null,
    h('div', { class: 'result-cols' }, teamCard(ours, 'mine'), h('span', { class: 'duel-vs', 'aria-hidden': 'true' }, 'VS'), teamCard(theirs, 'theirs')),
    b ? h('p', { class: 'decided-by', testid: 'district-decided-by', dataset: { decidedBy: b.decided_by } }, t(`district.decided.${b.decided_by}`)) : null,
    h('p', { class: 'rating-line district-points-line', testid: 'district-points-earned', dataset: { points: String(outcome === 'aborted' ? 0 : ours.competition_points) } }, pointsLine),
    me ? h('div', { class: 'card district-me', testid: 'district-my-result', dataset: { place: String(me.place), points: String(me.points) } },
      h('span', { class: 'district-me-label' }, t('district.result.me')),
      h('strong', { class: 'district-me-points' }, t('common.points', { n: num(me.points) })),
      h('span', null, t('district.result.place', { n: me.place, all: standings.length })),
      h('span', { class: 'muted small' }, t('duel.result.correct', { n: me.correct || 0 })),
      me.forfeited ? h('span', { class: 'forfeit-badge' }, t('district.result.left')) : null,
      D.counted === null ? null : h('span', { class: D.counted ? 'muted small district-me-counted' : 'district-me-counted is-over', testid: 'district-result-counted' },
        t(D.counted ? 'district.result.counted' : 'district.result.not_counted'))) : null,
    h('h2', { class: 'section-title' }, t('district.result.roster')),
    h('div', { class: 'district-rosters' }, roster(mine, 'mine'), roster(1 - mine, 'theirs')),
    h('div', { class: 'actions' },
      b ? h('button', { class: 'btn btn-primary', type: 'button', testid: 'district-again', onclick: () => startQueue({ id: b.competition_id }) }, t('district.again')) : null,
      b ? h('a', { class: 'btn btn-ghost', href: standingsHash(b.competition_id), testid: 'district-view-standings' }, t('district.card.standings')) : null,
      h('a', { class: 'btn btn-ghost', href: HOME, testid: 'district-home' }, t('common.home'))));
}

// ---- announcements and timers -------------------------------------------------------------

function announceEvent(msg, s) {
  if (msg.type === 'match_presence' && msg.seat !== s.seat) {
    const p = playerAt(s, msg.seat);
    const gone = !msg.connected && msg.grace_ms === 0;
    if (p) announce(t(msg.connected ? 'district.presence.back' : gone ? 'district.presence.left' : 'district.presence.away', { name: p.nickname, district: p.district }));
  }
  if (msg.type === 'match_over') announce(t(`district.result.${battleOutcomeFor(s)}`));
}

function tick(n) {
  if (D.queue && ui.dqElapsed) tickQueue(n);
}

defineMode('district', {
  i18n: 'district',
  lobbyRoute: HOME,
  matchRoute: BATTLE,
  ownsHash,
  view: battleView,
  refresh,
  status,
  onMessage,
  onError,
  cancelWaiting: (conn) => { if (S.stage === STAGE) conn.send({ type: 'district_cancel' }); },
  leaveConfirm: () => t('district.leave.confirm'),
  announce: announceEvent,
  tick,
  tickMatch: tickTeams,
});
