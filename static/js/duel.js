// Duel PK (双人PK): lobby, queue, friend room, versus and result screens.
// Follows docs/protocol.md §3.8. The socket, the match state, resuming,
// media and answering are the shared match session of match.js; this file
// owns the duel's own messages (queue, bot offer, rooms, rematch) and views.
import { t, num } from '../i18n.js';
import { h, mount, toast, announce } from './dom.js';
import { go } from './state.js';
import {
  S, ui, resetUi, defineMode, withConn, showMatch, renderMatchRoute, settleIdle,
  ensureTicker, mmss, now, iAnswered,
} from './match.js';
import {
  avatar, robotIcon, banners, leaveButton, playTop, questionBlock, revealLine, revealFrame, endedView,
} from './match-view.js';
import { opponentSeat, playerAt, outcomeFor } from './match-state.js';

const CODE_RE = /^[A-Z0-9]{6}$/;
const MATCH_ROUTE = '#/duel/match';

// ---- state ------------------------------------------------------------------------

// The duel's own state; the match itself is S.m (match.js). Stages of S.stage
// owned here: queue | room | joining.
const D = {
  relaxed: false,
  queue: null,         // {since, rating, botAfterMs, botOffered}
  room: null,          // {code, path, expiresAt, expired} (null fields until room_created)
  join: null,          // {code, error}
};

function isDuelHash(hash = location.hash) {
  return /^#\/(duel|room\/)/.test(hash);
}

// ---- the duel's messages ------------------------------------------------------------

function onMessage(msg) {
  switch (msg.type) {
    case 'queued':
      if (S.stage !== 'queue') return true;
      D.queue = { ...D.queue, since: D.queue && D.queue.since ? D.queue.since : now(), rating: msg.rating, botAfterMs: msg.bot_after_ms };
      renderIf('duel/queue', renderQueue);
      return true;
    case 'bot_offered':
      if (S.stage !== 'queue') return true;
      D.queue = { ...D.queue, botOffered: true };
      renderIf('duel/queue', renderQueue, { focus: '[data-testid="duel-bot-offer"] h2' });
      announce(t('duel.bot.offer'));
      return true;
    case 'duel_cancelled':
      if (S.stage === 'queue' || S.stage === 'room') {
        S.stage = 'idle';
        if (isDuelHash()) go('#/duel');
      }
      return true;
    case 'room_created':
      if (S.stage !== 'room') return true;
      D.room = { code: msg.code, path: msg.path, expiresAt: now() + msg.expires_in_ms, expired: false };
      renderIf('duel/room', renderRoom);
      return true;
    case 'room_expired':
      if (S.stage !== 'room' || !D.room || D.room.code !== msg.code) return true;
      D.room = { ...D.room, expired: true };
      renderIf('duel/room', renderRoom);
      return true;
    case 'rematch_offered':
      if (S.m && S.m.matchId === msg.match_id && S.m.phase === 'over' && S.m.rematch === 'none') {
        S.m = { ...S.m, rematch: 'offered' };
        showMatch();
        announce(t('duel.rematch.offered'));
      }
      return true;
    case 'rematch_unavailable':
      if (S.m && S.m.matchId === msg.match_id) {
        S.m = { ...S.m, rematch: 'unavailable' };
        showMatch();
      }
      return true;
    default:
      return false;
  }
}

function joinFailed(text) {
  D.join = { ...D.join, error: text };
  S.stage = 'idle';
  renderIf('room', () => renderJoinView());
}

function onError(code, text) {
  switch (code) {
    case 'rematch_unavailable':
      if (S.m) { S.m = { ...S.m, rematch: 'unavailable' }; showMatch(); }
      return true;
    case 'room_not_found':
    case 'room_full':
    case 'own_room':
      if (S.stage === 'joining' && D.join) { joinFailed(text); return true; }
      toast(text, 'error');
      return true;
    case 'no_bot_offered':
      toast(text, 'error');
      if (D.queue) { D.queue = { ...D.queue, botOffered: false }; renderIf('duel/queue', renderQueue); }
      return true;
    case 'not_queued':
      if (S.stage === 'queue' || S.stage === 'room') { S.stage = 'idle'; go('#/duel'); }
      return S.owner === 'duel';
    default:
      // Any other refusal while joining a room shows on the join screen.
      if (S.stage === 'joining' && D.join) {
        toast(text, 'error');
        joinFailed(text);
        return true;
      }
      return false;
  }
}

// ---- actions ---------------------------------------------------------------------------

function askRematch() {
  const s = S.m;
  if (!s || !S.conn || s.rematch === 'asked' || s.rematch === 'unavailable') return;
  if (S.conn.send({ type: 'rematch', match_id: s.matchId })) {
    S.m = { ...s, rematch: 'asked' };
    showMatch({ focus: false });
  }
}

function startQueue() {
  D.queue = { since: null, rating: null, botAfterMs: null, botOffered: false };
  S.stage = 'queue';
  S.owner = 'duel';
  go('#/duel/queue');
  withConn('duel', 'queue', (conn) => conn.send({ type: 'duel_queue', relaxed: D.relaxed }));
}

function createRoom() {
  D.room = { code: null, path: null, expiresAt: null, expired: false };
  S.stage = 'room';
  S.owner = 'duel';
  go('#/duel/room');
  withConn('duel', 'room', (conn) => conn.send({ type: 'room_create', relaxed: D.relaxed }));
}

function cancelWaiting() {
  if (S.conn && (S.stage === 'queue' || S.stage === 'room')) S.conn.send({ type: 'duel_cancel' });
  S.stage = 'idle';
  S.token += 1;
  go('#/duel');
}

function acceptBot() {
  if (!S.conn) return;
  S.conn.send({ type: 'duel_accept_bot' });
  const b = document.querySelector('[data-testid="duel-bot-accept"]');
  if (b) { b.disabled = true; b.textContent = t('common.loading'); }
}

// ---- routes --------------------------------------------------------------------------

function renderIf(route, fn, opts) {
  const name = location.hash.replace(/^#\/?/, '');
  if (name === route || (route === 'room' && name.startsWith('room/'))) fn(opts);
}

/** #/duel: the lobby. */
export function renderLobby() {
  if (S.m && S.m.phase !== 'over' && (S.stage === 'match' || S.stage === 'resuming')) { showMatch(); return; }
  settleIdle();
  S.owner = 'duel';
  D.queue = null;
  D.room = null;
  D.join = null;

  const card = (testid, icon, title, desc, onclick) => h('button', { class: 'mode-card', type: 'button', testid, onclick },
    h('span', { class: 'mode-icon', 'aria-hidden': 'true' }, icon),
    h('span', { class: 'mode-text' }, h('span', { class: 'mode-title' }, title), h('span', { class: 'mode-desc' }, desc)));

  const codeInput = h('input', {
    id: 'duel-join-code', testid: 'duel-join-code', type: 'text', inputmode: 'latin', autocomplete: 'off',
    autocapitalize: 'characters', spellcheck: 'false', maxlength: 6, placeholder: 'K7M2QX',
    'aria-describedby': 'duel-join-hint duel-join-error', class: 'code-input',
    oninput: (ev) => { ev.target.value = ev.target.value.toUpperCase().replace(/[^A-Z0-9]/g, ''); },
  });
  const joinError = h('p', { class: 'form-error', id: 'duel-join-error', role: 'alert' });
  const joinForm = h('form', { class: 'card join-form', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    const code = codeInput.value.trim().toUpperCase();
    if (!CODE_RE.test(code)) { joinError.textContent = t('duel.join.invalid'); codeInput.focus(); return; }
    go(`#/room/${code}`);
  } },
  h('h2', null, t('duel.join.title')),
  h('label', { for: 'duel-join-code' }, t('duel.join.code')),
  h('div', { class: 'join-row' },
    codeInput,
    h('button', { class: 'btn btn-primary', type: 'submit', testid: 'duel-join-submit' }, t('duel.join.submit'))),
  h('p', { class: 'hint', id: 'duel-join-hint' }, t('duel.join.hint')),
  joinError);

  mount(h('section', { class: 'screen duel-lobby', testid: 'duel-lobby' },
    backLink('#/home'),
    h('h1', null, t('duel.title')),
    h('p', { class: 'muted' }, t('duel.intro')),
    h('div', { class: 'mode-grid' },
      card('duel-random', '匹', t('duel.random'), t('duel.random.desc'), startQueue),
      card('duel-create-room', '房', t('duel.room.create'), t('duel.room.create.desc'), createRoom)),
    joinForm,
    h('label', { class: 'switch', testid: 'duel-relaxed' },
      h('input', { type: 'checkbox', role: 'switch', checked: D.relaxed, onchange: (ev) => { D.relaxed = ev.target.checked; } }),
      h('span', { class: 'switch-track', 'aria-hidden': 'true' }),
      h('span', { class: 'switch-text' },
        h('span', { class: 'switch-label' }, t('setup.relaxed')),
        h('span', { class: 'switch-hint' }, t('duel.relaxed.hint'))))));
}

function backLink(target) {
  return h('div', { class: 'back-bar' },
    h('a', { class: 'back-link', href: target }, h('span', { 'aria-hidden': 'true' }, '‹ '), t('common.back')));
}

/** #/duel/queue: waiting for an opponent. */
export function renderQueue() {
  if (S.stage === 'match') { showMatch(); return; }
  if (S.stage !== 'queue' || !D.queue) { go('#/duel'); return; }
  ensureTicker();
  resetUi();
  const q = D.queue;
  ui.elapsed = h('span', { class: 'queue-elapsed', testid: 'duel-queue-elapsed' }, mmss(q.since ? now() - q.since : 0));
  mount(h('section', { class: 'screen center-screen duel-queue', testid: 'duel-queue-screen' },
    h('h1', null, t('duel.queue.title')),
    h('div', { class: 'radar', 'aria-hidden': 'true' }, h('span', null), h('span', null), h('span', { class: 'radar-core' }, '双')),
    h('p', { class: 'queue-time' }, h('span', { class: 'muted' }, t('duel.queue.elapsed')), ' ', ui.elapsed),
    q.rating !== null && q.rating !== undefined ? h('p', { class: 'muted small' }, t('duel.queue.rating', { n: q.rating })) : null,
    q.botOffered ? h('div', { class: 'card bot-offer', testid: 'duel-bot-offer' },
      h('span', { class: 'bot-offer-icon', 'aria-hidden': 'true' }, robotIcon()),
      h('h2', { tabindex: '-1' }, t('duel.bot.offer')),
      h('p', { class: 'muted small' }, t('duel.bot.offer.hint')),
      h('button', { class: 'btn btn-primary btn-block', type: 'button', testid: 'duel-bot-accept', onclick: acceptBot }, t('duel.bot.accept'))) : null,
    h('button', { class: 'btn btn-ghost', type: 'button', testid: 'duel-queue-cancel', onclick: cancelWaiting }, t('play.cancel'))),
  { focus: q.botOffered ? '[data-testid="duel-bot-offer"] h2' : 'h1' });
}

/** #/duel/room: the friend room this player opened. */
export function renderRoom() {
  if (S.stage === 'match') { showMatch(); return; }
  if (S.stage !== 'room' || !D.room) { go('#/duel'); return; }
  ensureTicker();
  resetUi();
  const r = D.room;
  if (!r.code) {
    mount(h('section', { class: 'screen center-screen', testid: 'duel-room' },
      h('h1', null, t('duel.room.title')),
      h('div', { class: 'spinner', 'aria-hidden': 'true' }),
      h('p', { class: 'muted' }, t('duel.room.creating')),
      h('button', { class: 'btn btn-ghost', type: 'button', testid: 'duel-room-cancel', onclick: cancelWaiting }, t('play.cancel'))));
    return;
  }
  const link = `${location.origin}${r.path}`;
  const linkInput = h('input', { type: 'text', readonly: true, value: link, testid: 'duel-room-link', 'aria-label': t('duel.room.link'), class: 'room-link-input',
    onfocus: (ev) => ev.target.select() });
  ui.expires = r.expired ? null : h('p', { class: 'muted small' });
  mount(h('section', { class: 'screen duel-room', testid: 'duel-room' },
    h('h1', null, t('duel.room.title')),
    h('p', { class: 'muted' }, t('duel.room.share')),
    h('div', { class: 'room-code card' },
      h('span', { class: 'room-code-label' }, t('duel.join.code')),
      h('strong', { class: 'room-code-value', testid: 'duel-room-code', dataset: { code: r.code } }, r.code)),
    h('div', { class: 'room-link' },
      h('label', { class: 'room-link-label' }, t('duel.room.link')),
      h('div', { class: 'join-row' }, linkInput,
        h('button', { class: 'btn btn-ghost', type: 'button', testid: 'duel-room-copy', onclick: () => copyLink(link, linkInput) }, t('duel.room.copy')))),
    r.expired
      ? h('div', { class: 'notice notice-error', role: 'alert', testid: 'duel-room-expired' }, t('duel.room.expired'),
        h('div', { class: 'actions' }, h('button', { class: 'btn btn-primary', type: 'button', onclick: createRoom }, t('duel.room.recreate'))))
      : h('div', { class: 'room-wait' },
        h('div', { class: 'spinner spinner-small', 'aria-hidden': 'true' }),
        h('p', { class: 'room-waiting', role: 'status' }, t('duel.room.waiting')),
        ui.expires),
    h('button', { class: 'btn btn-ghost btn-block', type: 'button', testid: 'duel-room-cancel', onclick: cancelWaiting }, t('play.cancel'))));
  tick(now());
}

async function copyLink(link, input) {
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(link);
      ok = true;
    }
  } catch { ok = false; }
  if (!ok) {
    // Fallback for plain http and old browsers: select the text and copy.
    try {
      input.focus();
      input.select();
      input.setSelectionRange(0, link.length);
      ok = document.execCommand('copy');
    } catch { ok = false; }
  }
  toast(ok ? t('duel.room.copied') : t('duel.room.copy_failed'), ok ? 'ok' : 'error');
}

/** #/room/CODE: the room link; joins after sign-in. */
export function renderJoin(param) {
  const code = String(param || '').toUpperCase();
  if (S.m && S.m.phase !== 'over' && S.stage === 'match') { showMatch(); return; }
  if (!(D.join && D.join.code === code && (S.stage === 'joining' || D.join.error))) {
    D.join = { code, error: CODE_RE.test(code) ? null : t('duel.join.invalid') };
    if (!D.join.error) {
      S.stage = 'joining';
      withConn('duel', 'joining', (conn) => conn.send({ type: 'room_join', code }));
    }
  }
  renderJoinView();
}

function renderJoinView() {
  const j = D.join;
  if (!j) return;
  resetUi();
  mount(h('section', { class: 'screen center-screen duel-join', testid: 'duel-join' },
    h('h1', null, t('duel.join.title')),
    j.error
      ? [h('p', { class: 'notice notice-error', role: 'alert', testid: 'duel-join-error' }, j.error),
        h('div', { class: 'actions' },
          h('a', { class: 'btn btn-primary', href: '#/duel' }, t('duel.to_lobby')),
          h('a', { class: 'btn btn-ghost', href: '#/home' }, t('common.home')))]
      : [h('div', { class: 'spinner', 'aria-hidden': 'true' }),
        h('p', { class: 'muted', role: 'status' }, t('duel.join.joining', { code: j.code })),
        h('button', { class: 'btn btn-ghost', type: 'button', onclick: () => go('#/duel') }, t('play.cancel'))]));
}

/** #/duel/match: versus and result. */
export function renderMatch() {
  renderMatchRoute('duel');
}

// ---- match views ----------------------------------------------------------------------

function matchView(s) {
  if (S.ended && s.phase !== 'over') return { view: endedView(s, 'duel', '#/duel'), focus: 'h1' };
  if (s.phase === 'over') return { view: resultView(s), focus: 'h1' };
  if (s.phase === 'countdown') return { view: countdownView(s), focus: 'h1' };
  return { view: versusView(s), focus: s.phase === 'reveal' ? '#duel-reveal-heading' : '[data-testid="duel-prompt"]' };
}

function playerCard(s, seat, side, big) {
  const p = playerAt(s, seat) || { nickname: '?', district: '', rating: 0, provisional: false, is_bot: false };
  const testid = side === 'me' ? 'duel-me' : 'duel-opponent';
  const card = h('div', { class: `duel-player duel-player--${side}${big ? ' is-big' : ''}${p.is_bot ? ' is-bot' : ''}`, testid, dataset: { seat: String(seat), bot: p.is_bot ? '1' : '0' } },
    avatar(p, side),
    h('span', { class: 'duel-player-text' },
      h('span', { class: 'duel-name', testid: `${testid}-name` }, p.nickname, side === 'me' ? h('span', { class: 'duel-you' }, t('duel.you')) : null),
      h('span', { class: 'duel-meta' }, p.is_bot ? t('duel.bot.meta') : p.district),
      h('span', { class: 'duel-meta' }, t('duel.rating', { n: p.rating })),
      p.is_bot || p.provisional ? h('span', { class: 'duel-badges' },
        p.is_bot ? h('span', { class: 'bot-badge', testid: 'duel-bot-badge' }, t('duel.bot')) : null,
        p.provisional ? h('span', { class: 'prov-badge', title: t('duel.provisional.hint') }, t('duel.provisional')) : null) : null));
  if (side === 'opp') {
    ui.oppAnswered = h('span', { class: 'answered-badge', testid: 'duel-opp-answered', hidden: true }, `✓ ${t('duel.opp_answered')}`);
    card.append(ui.oppAnswered);
  } else {
    ui.meAnswered = h('span', { class: 'answered-badge answered-badge--me', hidden: true }, `✓ ${t('duel.me_answered')}`);
    card.append(ui.meAnswered);
  }
  return card;
}

function heads(s, big) {
  const opp = opponentSeat(s);
  return h('div', { class: `duel-head${big ? ' is-big' : ''}` },
    playerCard(s, s.seat, 'me', big),
    h('span', { class: 'duel-vs', 'aria-hidden': 'true' }, 'VS'),
    playerCard(s, opp, 'opp', big));
}

function scoreBar(s) {
  const opp = opponentSeat(s);
  const me = Number(s.totals[s.seat] || 0);
  const them = Number(s.totals[opp] || 0);
  const share = me + them > 0 ? me / (me + them) : 0.5;
  return h('div', { class: 'scorebar', testid: 'duel-scorebar', role: 'img', 'aria-label': t('duel.score.label', { me: num(me), opp: num(them) }) },
    h('span', { class: 'score score-me', testid: 'duel-score-me' }, num(me)),
    h('span', { class: 'scorebar-track', 'aria-hidden': 'true' },
      h('span', { class: 'scorebar-me', style: { width: `${(share * 100).toFixed(1)}%` } }),
      h('span', { class: 'scorebar-opp' })),
    h('span', { class: 'score score-opp', testid: 'duel-score-opp' }, num(them)));
}

function rootAttrs(s, cls) {
  return { class: cls, testid: 'duel-versus', dataset: { phase: s.phase, seq: String(s.seq), total: String(s.total), matchId: s.matchId } };
}

function countdownView(s) {
  ui.countdown = h('span', { class: 'countdown-num', testid: 'duel-countdown' }, '');
  ui.root = h('section', rootAttrs(s, 'screen duel duel-intro'),
    h('div', { class: 'play-top' }, h('span', { class: 'play-progress' }, t('duel.title')), leaveButton('duel')),
    h('h1', { class: 'duel-intro-title' }, t('duel.starting')),
    heads(s, true),
    banners('duel'),
    h('p', { class: 'countdown', 'aria-live': 'off' }, ui.countdown),
    h('p', { class: 'muted center small' },
      [t('common.questions', { n: s.total }), s.relaxed ? t('setup.relaxed') : null, s.rated ? t('duel.rated') : t('duel.unrated')].filter(Boolean).join(' · ')));
  return ui.root;
}

function versusView(s) {
  const rv = s.phase === 'reveal' ? s.reveal : null;
  const opp = opponentSeat(s);
  const oppR = rv ? (rv.results || []).find((r) => r.seat === opp) : null;
  const oppSet = new Set(oppR ? oppR.choice : []);
  const oppMarks = (i) => (oppSet.has(i)
    ? { classes: ['is-opp'], tags: [h('span', { class: 'opt-tag tag-opp', testid: 'duel-mark-opp' }, t('duel.mark.opp'))] }
    : { classes: [], tags: [] });
  ui.root = h('section', rootAttrs(s, 'screen play duel'),
    heads(s, false),
    scoreBar(s),
    banners('duel'),
    playTop(s, 'duel'),
    questionBlock(s, 'duel', oppMarks),
    rv ? revealView(s, rv, oppR) : null);
  return ui.root;
}

function revealView(s, rv, oppR) {
  const mineR = (rv.results || []).find((r) => r.seat === s.seat);
  const opp = playerAt(s, opponentSeat(s));
  const me = playerAt(s, s.seat);
  return revealFrame(s, rv, 'duel', [
    revealLine([me ? me.nickname : '', h('span', { class: 'duel-you' }, t('duel.you'))], mineR, 'duel-reveal-me'),
    revealLine(opp ? opp.nickname : t('duel.mark.opp'), oppR, 'duel-reveal-opp'),
  ]);
}

function refresh(s, { open }) {
  const opp = opponentSeat(s);
  if (ui.oppAnswered) ui.oppAnswered.hidden = !(open && s.answered.includes(opp));
  if (ui.meAnswered) ui.meAnswered.hidden = !(open && iAnswered(s));
  if (ui.presence) updatePresence(s);
}

function status(s, { loading, answered, expired }) {
  const opp = opponentSeat(s);
  if (loading) return t('duel.waiting_media');
  if (answered) return s.answered.includes(opp) ? t('duel.both_answered') : t('duel.you_answered');
  if (expired) return t('duel.time_up');
  if (s.answered.includes(opp)) return t('duel.opp_answered_hurry');
  return '';
}

function updatePresence(s) {
  const opp = opponentSeat(s);
  const away = s.connected[opp] === false && s.phase !== 'over' && !S.ended;
  ui.presence.hidden = !away;
  if (!away) return;
  const end = s.graceEnd[opp];
  ui.presence.textContent = end !== null && end !== undefined
    ? t('duel.presence.away', { n: Math.max(0, Math.ceil((end - now()) / 1000)) })
    : t('duel.presence.away_nosecs');
}

function resultTitle(s) {
  return t(`duel.result.${outcomeFor(s)}`);
}

function resultView(s) {
  const o = s.over;
  const outcome = outcomeFor(s);
  const oppSeat = opponentSeat(s);
  const me = (o.standings || []).find((x) => x.seat === s.seat) || {};
  const them = (o.standings || []).find((x) => x.seat === oppSeat) || {};
  const opp = playerAt(s, oppSeat) || {};
  const mine = playerAt(s, s.seat) || {};
  const col = (p, st, side) => h('div', { class: `result-col result-col--${side}${o.winner_seat === st.seat && outcome !== 'aborted' ? ' is-winner' : ''}`, testid: `duel-result-${side}` },
    o.winner_seat === st.seat && outcome !== 'aborted' ? h('span', { class: 'winner-badge' }, t('duel.result.winner')) : null,
    avatar(p, side),
    h('span', { class: 'result-name' }, p.nickname || '', side === 'me' ? h('span', { class: 'duel-you' }, t('duel.you')) : null),
    p.is_bot ? h('span', { class: 'bot-badge' }, t('duel.bot')) : null,
    h('strong', { class: 'result-points', testid: `duel-result-points-${side}` }, num(st.points || 0)),
    h('span', { class: 'muted small' }, t('sum.points')),
    h('span', { class: 'result-stat', testid: `duel-result-correct-${side}` }, t('duel.result.correct', { n: st.correct || 0 })),
    st.answer_ms_total !== undefined ? h('span', { class: 'muted small' }, t('duel.result.time', { n: num((st.answer_ms_total || 0) / 1000, 1) })) : null,
    st.forfeited ? h('span', { class: 'forfeit-badge' }, t('duel.result.forfeited')) : null);

  const delta = (me.rating_after || 0) - (me.rating_before || 0);
  const ratingLine = o.rated
    ? h('div', { class: 'rating-line', testid: 'duel-rating-change', dataset: { delta: String(delta) } },
      h('span', null, t('duel.result.rating')),
      h('span', { class: 'rating-change' }, `${me.rating_before} → ${me.rating_after}`,
        h('span', { class: delta > 0 ? 'delta-up' : delta < 0 ? 'delta-down' : '' }, ` ${delta > 0 ? '+' : ''}${delta}`)))
    : h('div', { class: 'rating-line', testid: 'duel-rating-change', dataset: { delta: 'unrated' } },
      h('span', null, t('duel.result.rating')), h('span', { class: 'muted' }, t('duel.result.unrated')));

  let rematch;
  if (s.rematch === 'unavailable') {
    rematch = h('p', { class: 'notice', testid: 'duel-rematch-status', role: 'status' }, t('wserr.rematch_unavailable'));
  } else if (s.rematch === 'offered') {
    rematch = h('div', { class: 'card rematch-offer', testid: 'duel-rematch-offer' },
      h('p', { class: 'rematch-offer-text' }, t('duel.rematch.offered')),
      h('button', { class: 'btn btn-primary btn-block', type: 'button', testid: 'duel-rematch-accept', onclick: askRematch }, t('duel.rematch.accept')));
  } else if (s.rematch === 'asked') {
    rematch = h('p', { class: 'muted center', testid: 'duel-rematch-status', role: 'status' }, t('duel.rematch.waiting'));
  }
  const sub = outcome === 'aborted' ? t('duel.result.aborted.hint')
    : outcome === 'forfeit_win' ? t('duel.result.forfeit_win.hint')
      : outcome === 'forfeit_lose' ? t('duel.result.forfeit_lose.hint') : null;

  return h('section', { class: `screen summary duel-result result-${outcome}`, testid: 'duel-result', dataset: { outcome, matchId: s.matchId } },
    h('h1', { testid: 'duel-result-title' }, resultTitle(s)),
    sub ? h('p', { class: 'muted center' }, sub) : null,
    h('div', { class: 'result-cols' }, col(mine, me, 'me'), h('span', { class: 'duel-vs', 'aria-hidden': 'true' }, 'VS'), col(opp, them, 'opp')),
    ratingLine,
    rematch || null,
    h('div', { class: 'actions' },
      outcome === 'aborted' ? null : h('button', { class: 'btn btn-primary', type: 'button', testid: 'duel-rematch', disabled: s.rematch === 'asked' || s.rematch === 'unavailable' || !S.conn, onclick: askRematch },
        s.rematch === 'offered' ? t('duel.rematch.accept') : t('duel.rematch')),
      h('button', { class: 'btn btn-ghost', type: 'button', testid: 'duel-home', onclick: () => go('#/home') }, t('common.home'))));
}

function announceEvent(msg, s) {
  if (msg.type === 'match_answered' && msg.seat !== s.seat && s.phase !== 'reveal') announce(t('duel.opp_answered'));
  if (msg.type === 'match_presence' && msg.seat !== s.seat) announce(msg.connected ? t('duel.presence.back') : t('duel.presence.away_nosecs'));
  if (msg.type === 'match_over') announce(resultTitle(s));
}

function tick(n) {
  if (ui.elapsed && D.queue) ui.elapsed.textContent = mmss(D.queue.since ? n - D.queue.since : 0);
  if (ui.expires && D.room && D.room.expiresAt) ui.expires.textContent = t('duel.room.expires_in', { t: mmss(D.room.expiresAt - n) });
}

function tickMatch(s) {
  if (ui.presence) updatePresence(s);
}

defineMode('duel', {
  i18n: 'duel',
  lobbyRoute: '#/duel',
  matchRoute: MATCH_ROUTE,
  ownsHash: isDuelHash,
  view: matchView,
  refresh,
  status,
  onMessage,
  onError,
  cancelWaiting: (conn) => { if (S.stage === 'queue' || S.stage === 'room') conn.send({ type: 'duel_cancel' }); },
  leaveConfirm: (s) => (s.anyAnswer ? t('duel.leave.confirm.forfeit') : t('duel.leave.confirm.abort')),
  announce: announceEvent,
  tick,
  tickMatch,
});
