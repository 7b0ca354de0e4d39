// Duel PK (双人PK): lobby, queue, friend room, versus and result screens.
// Follows docs/protocol.md §3.8. The match itself is the pure state of
// duel-state.js; this file owns the socket, media, the clock display and views.
import { t, num } from '../i18n.js';
import { h, mount, toast, announce } from './dom.js';
import { get, ApiError } from './api.js';
import { store, go, historyName, LETTERS } from './state.js';
import { Conn } from './socket.js';
import { loadMedia, discardMedia, pauseMedia, mediaFigure, updateMediaStatus } from './media.js';
import { applyEvent, isMatchEvent, opponentSeat, playerAt, outcomeFor } from './duel-state.js';

const MEDIA_FALLBACK_MS = 8000;   // send match_media_ready at the latest after this
const TICK_MS = 200;
const SAVE_KEY = 'dati.duel';     // sessionStorage: {match_id, last_version} of the running match
const CODE_RE = /^[A-Z0-9]{6}$/;

// ---- state ------------------------------------------------------------------------

const D = {
  conn: null,
  token: 0,            // bumps on every new request, so stale awaits give up
  stage: 'idle',       // idle | connecting | queue | room | joining | resuming | match
  relaxed: false,
  queue: null,         // {since, rating, botAfterMs, botOffered}
  room: null,          // {code, path, expiresAt, expired} (null fields until room_created)
  join: null,          // {code, error}
  m: null,             // the match state (duel-state.js)
  viewKey: '',         // matchId|phase|seq of the rendered match view
  media: null,         // {handle, key}
  mediaReadySent: '',  // question key whose match_media_ready went out
  sent: null,          // {key, choice}: our answer, sent and not yet revealed
  selected: new Set(), // multiple choice: positions picked, not yet submitted
  reconnecting: false, // the socket dropped; reconnecting
  resuming: false,     // match_resume sent; waiting for match_resumed / match_snapshot
  probe: null,         // {matchId, then}: hello named a match while the player asked for a new one
  gapAt: null,         // version from which a resume was asked after a gap
  ended: null,         // text when the match ended out of sight (connection lost)
};

let ui = {};
let ticker = null;

const qkey = (s) => (s && s.question ? `${s.matchId}:${s.seq}` : '');
const now = () => performance.now();

export const inDuel = () => D.stage !== 'idle' || !!D.conn;

// ---- persistence across a page reload ---------------------------------------------

function save() {
  const s = D.m;
  try {
    if (s && s.phase !== 'over') sessionStorage.setItem(SAVE_KEY, JSON.stringify({ match_id: s.matchId, last_version: s.version }));
    else sessionStorage.removeItem(SAVE_KEY);
  } catch { /* storage disabled */ }
}

function saved() {
  try {
    const v = JSON.parse(sessionStorage.getItem(SAVE_KEY) || 'null');
    return v && typeof v.match_id === 'string' ? v : null;
  } catch { return null; }
}

function clearSaved() {
  try { sessionStorage.removeItem(SAVE_KEY); } catch { /* ignore */ }
}

// ---- the connection ---------------------------------------------------------------

function ensureConn() {
  if (D.conn && D.conn.hello && (D.conn.open || D.conn.reconnecting)) return Promise.resolve(D.conn);
  if (D.conn && !D.conn.hello && !D.conn.closedByUs) return D.conn.ready.then(() => D.conn);
  if (D.conn) { D.conn.close(); D.conn = null; }
  const conn = new Conn({
    onMessage,
    onClose,
    reconnect: {
      // Only a running match is worth coming back to.
      when: () => D.stage === 'match' && !!D.m && D.m.phase !== 'over',
      onRetry: () => {
        D.reconnecting = true;
        refreshLive();
      },
      maxAttempts: 20,
    },
  });
  D.conn = conn;
  return conn.ready.then(() => conn);
}

/** Connect (if needed), then run `fn(conn)` unless the player moved on meanwhile. */
async function withConn(stage, fn) {
  const token = ++D.token;
  D.stage = stage;
  try {
    const conn = await ensureConn();
    if (token !== D.token || D.stage !== stage || conn !== D.conn) return;
    if (D.probe) {
      // hello named a match; run once we know it is over.
      D.probe.then = (c) => { if (token === D.token && D.stage === stage) fn(c); };
      return;
    }
    fn(conn);
  } catch (e) {
    if (token !== D.token) return;
    try {
      await get('/api/me');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        store.me = null;
        leaveDuel();
        go('#/signin');
        return;
      }
    }
    D.stage = 'idle';
    toast(t('close.connect_failed'), 'error');
    go('#/duel');
  }
}

function onClose(ev, conn) {
  if (conn !== D.conn) return;
  D.conn = null;
  D.reconnecting = false;
  if (conn.closedByUs) return;
  const text = closeText(ev.code, ev.reason);
  if (D.m && (D.stage === 'match' || D.stage === 'resuming')) {
    if (D.m.phase === 'over') {
      if (D.m.rematch !== 'unavailable') D.m = { ...D.m, rematch: 'unavailable' };
      toast(text, 'error');
    } else {
      D.ended = text;
    }
    showMatch();
    return;
  }
  if (D.stage !== 'idle') {
    D.stage = 'idle';
    toast(text, 'error');
    if (isDuelHash()) go('#/duel');
  }
}

function closeText(code, reason) {
  if (code === 1001) return t('close.1001');
  if (code === 1008 || code === 1009) return t('close.policy', { reason: reason || code });
  if (code === 1011) return t('close.1011');
  return t('close.other');
}

function isDuelHash() {
  return /^#\/(duel|room\/)/.test(location.hash);
}

/** Before navigating away from a running match: ask, since leaving aborts or forfeits it. */
export function confirmLeaveDuel() {
  const s = D.m;
  if (!s || s.phase === 'over' || D.ended || D.stage !== 'match') return true;
  return window.confirm(s.anyAnswer ? t('duel.leave.confirm.forfeit') : t('duel.leave.confirm.abort'));
}

/** Leave everything duel: the queue, an open room, a running match; close the socket. */
export function leaveDuel() {
  const s = D.m;
  if (D.conn) {
    if (D.stage === 'queue' || D.stage === 'room') D.conn.send({ type: 'duel_cancel' });
    else if (s && s.phase !== 'over' && !D.ended) D.conn.send({ type: 'match_leave', match_id: s.matchId });
    D.conn.close();
  }
  resetQuestion();
  Object.assign(D, {
    conn: null, stage: 'idle', queue: null, room: null, join: null, m: null, viewKey: '',
    reconnecting: false, resuming: false, probe: null, gapAt: null, ended: null,
  });
  D.token += 1;
  clearSaved();
  stopTicker();
  ui = {};
}

function resetQuestion() {
  if (D.media) discardMedia(D.media.handle);
  D.media = null;
  D.mediaReadySent = '';
  D.sent = null;
  D.selected = new Set();
}

// ---- messages from the server ----------------------------------------------------

function onMessage(msg, conn) {
  if (conn !== D.conn) return;
  if (isMatchEvent(msg)) { onMatchEvent(msg); return; }
  switch (msg.type) {
    case 'hello': onHello(msg, conn); break;
    case 'queued':
      if (D.stage !== 'queue') break;
      D.queue = { ...D.queue, since: D.queue && D.queue.since ? D.queue.since : now(), rating: msg.rating, botAfterMs: msg.bot_after_ms };
      renderIf('duel/queue', renderQueue);
      break;
    case 'bot_offered':
      if (D.stage !== 'queue') break;
      D.queue = { ...D.queue, botOffered: true };
      renderIf('duel/queue', renderQueue, { focus: '[data-testid="duel-bot-offer"] h2' });
      announce(t('duel.bot.offer'));
      break;
    case 'duel_cancelled':
      if (D.stage === 'queue' || D.stage === 'room') {
        D.stage = 'idle';
        if (isDuelHash()) go('#/duel');
      }
      break;
    case 'room_created':
      if (D.stage !== 'room') break;
      D.room = { code: msg.code, path: msg.path, expiresAt: now() + msg.expires_in_ms, expired: false };
      renderIf('duel/room', renderRoom);
      break;
    case 'room_expired':
      if (D.stage !== 'room' || !D.room || D.room.code !== msg.code) break;
      D.room = { ...D.room, expired: true };
      renderIf('duel/room', renderRoom);
      break;
    case 'rematch_offered':
      if (D.m && D.m.matchId === msg.match_id && D.m.phase === 'over' && D.m.rematch === 'none') {
        D.m = { ...D.m, rematch: 'offered' };
        showMatch();
        announce(t('duel.rematch.offered'));
      }
      break;
    case 'rematch_unavailable':
      if (D.m && D.m.matchId === msg.match_id) {
        D.m = { ...D.m, rematch: 'unavailable' };
        showMatch();
      }
      break;
    case 'error': onError(msg); break;
    default: break; // pong and anything newer
  }
}

function onHello(msg, conn) {
  if (msg.member && store.me) Object.assign(store.me, msg.member);
  conn.duelHellos = (conn.duelHellos || 0) + 1;
  const reconnect = conn.duelHellos > 1;
  D.reconnecting = false;
  const active = msg.active_match;
  if (active && active.match_id) {
    const same = D.m && D.m.matchId === active.match_id;
    if (same && D.m.phase === 'over') return; // a finished match still listed for a while
    if (!same && ['connecting', 'queue', 'room', 'joining'].includes(D.stage)) {
      // The player asked for a new game, but the server still seats them in
      // a match: maybe a running one (then it comes first), maybe one that
      // just ended (the server lists it for a while). A snapshot tells.
      D.probe = { matchId: active.match_id, then: null };
      D.resuming = true;
      conn.send({ type: 'match_resume', match_id: active.match_id, last_version: 0 });
      return;
    }
    // Seated in a match: come back to it. With our state of that match, the
    // server replays what we missed; without (a reload), it sends a snapshot.
    if (!same && D.m) { resetQuestion(); D.m = null; }
    D.token += 1;              // whatever we were about to do, the match comes first
    D.stage = 'match';
    D.resuming = true;
    D.ended = null;
    D.gapAt = null;
    D.mediaReadySent = '';
    conn.send({ type: 'match_resume', match_id: active.match_id, last_version: same ? D.m.version : 0 });
    showMatch();
    return;
  }
  if (reconnect && D.m && D.m.phase !== 'over') {
    // No match any more: it ended while we were away. Ask for it anyway; the
    // server replays the end if it still knows the match, or refuses.
    D.resuming = true;
    conn.send({ type: 'match_resume', match_id: D.m.matchId, last_version: D.m.version });
    showMatch();
    return;
  }
  if (D.stage === 'resuming') {
    // A reload found no match to resume.
    clearSaved();
    D.stage = 'idle';
    D.resuming = false;
    toast(t('duel.ended_away'), 'info');
    go('#/duel');
  }
}

/** The probe of hello's active_match is answered: go on with what the player asked. */
function endProbe() {
  const then = D.probe && D.probe.then;
  D.probe = null;
  D.resuming = false;
  if (then && D.conn) then(D.conn);
}

function onMatchEvent(msg) {
  if (D.probe && msg.match_id === D.probe.matchId) {
    if (msg.type === 'match_snapshot' && msg.phase === 'over') { endProbe(); return; }
    if (msg.type !== 'match_snapshot') return;
    // A running match: it takes over from the queue / room / join.
    D.probe = null;
    D.token += 1;
    resetQuestion();
    D.m = null;
  }
  const prev = D.m;
  const r = applyEvent(prev, msg, now(), { acceptGap: prev !== null && D.gapAt === prev.version });
  if (r.gap) {
    // Missed events (say, a relay lost one): resume from what we have.
    if (D.gapAt !== prev.version && D.conn) {
      D.gapAt = prev.version;
      D.resuming = true;
      D.conn.send({ type: 'match_resume', match_id: prev.matchId, last_version: prev.version });
    }
    return;
  }
  if (!r.applied) return;
  let s = r.state;
  const newMatch = !prev || prev.matchId !== s.matchId;
  if (newMatch) {
    resetQuestion();
    D.ended = null;
    D.gapAt = null;
  }
  if (msg.type === 'match_snapshot' || msg.type === 'match_resumed') {
    D.resuming = false;
    D.gapAt = null;
    D.mediaReadySent = '';
    // An answer we sent but the server never acknowledged was lost with the connection.
    if (D.sent && !(s.answered.includes(s.seat) || s.myChoice)) D.sent = null;
    if (s.myChoice && !D.sent && s.phase === 'question') D.sent = { key: qkey(s), choice: s.myChoice };
  }
  if (prev && !newMatch && qkey(prev) !== qkey(s)) {
    resetQuestion();
  }
  D.m = s;
  D.stage = 'match';
  save();
  syncMedia();

  if (msg.type === 'match_reveal' && s.phase === 'reveal') announceReveal(s);
  if (msg.type === 'match_answered' && msg.seat !== s.seat && s.phase !== 'reveal') announce(t('duel.opp_answered'));
  if (msg.type === 'match_presence' && msg.seat !== s.seat) announce(msg.connected ? t('duel.presence.back') : t('duel.presence.away_nosecs'));
  if (msg.type === 'match_over') announce(resultTitle(s));

  const key = viewKey(s);
  const full = key !== D.viewKey || ['match_snapshot', 'match_resumed', 'match_started'].includes(msg.type);
  if (full) showMatch({ focus: key !== D.viewKey });
  else refreshLive();
}

function onError(msg) {
  const code = msg.code;
  const text = errorText(code, msg.message);
  switch (code) {
    case 'too_late':
    case 'already_answered':
    case 'not_current':
      return; // the reveal comes (or came) anyway
    case 'invalid_choice':
      D.sent = null;
      toast(text, 'error');
      refreshLive();
      return;
    case 'not_in_match':
    case 'match_over':
    case 'forfeited':
      if (D.probe) { endProbe(); return; }
      if (D.resuming || D.stage === 'resuming') {
        D.resuming = false;
        if (D.m && D.m.phase !== 'over') {
          D.ended = t('duel.ended_away');
          showMatch();
        } else if (!D.m) {
          clearSaved();
          D.stage = 'idle';
          toast(t('duel.ended_away'), 'info');
          go('#/duel');
        }
        return;
      }
      toast(text, 'error');
      return;
    case 'rematch_unavailable':
      if (D.m) { D.m = { ...D.m, rematch: 'unavailable' }; showMatch(); }
      return;
    case 'room_not_found':
    case 'room_full':
    case 'own_room':
      if (D.stage === 'joining' && D.join) {
        D.join = { ...D.join, error: text };
        D.stage = 'idle';
        renderIf('room', () => renderJoinView());
        return;
      }
      toast(text, 'error');
      return;
    case 'no_bot_offered':
      toast(text, 'error');
      if (D.queue) { D.queue = { ...D.queue, botOffered: false }; renderIf('duel/queue', renderQueue); }
      return;
    case 'not_queued':
      if (D.stage === 'queue' || D.stage === 'room') { D.stage = 'idle'; go('#/duel'); }
      return;
    default:
      toast(text, 'error');
      if (['connecting', 'queue', 'room', 'joining'].includes(D.stage)) {
        // The request was refused (already_queued, invalid_value, unavailable…).
        if (D.stage === 'joining' && D.join) {
          D.join = { ...D.join, error: text };
          D.stage = 'idle';
          renderIf('room', () => renderJoinView());
          return;
        }
        D.stage = 'idle';
        if (isDuelHash()) go('#/duel');
      }
  }
}

export function errorText(code, message) {
  const key = `wserr.${code}`;
  return t(key) !== key ? t(key) : (message || code);
}

// ---- media and the question ---------------------------------------------------------

function syncMedia() {
  const s = D.m;
  const q = s && s.question;
  const live = s && ['loading', 'question', 'reveal'].includes(s.phase);
  if (!q || !live || !q.media) {
    if (D.media) { discardMedia(D.media.handle); D.media = null; }
    if (s && s.phase === 'loading' && q && !q.media) sendMediaReady();
    return;
  }
  const key = qkey(s);
  if (!D.media || D.media.key !== key) {
    if (D.media) discardMedia(D.media.handle);
    const handle = loadMedia(q.media, {
      fallbackMs: MEDIA_FALLBACK_MS,
      onSettle: () => {
        if (!D.media || D.media.handle !== handle) return;
        sendMediaReady();
        updateMediaStatus(handle, ui);
        refreshLive();
      },
      onLate: () => { if (D.media && D.media.handle === handle) updateMediaStatus(handle, ui); },
    });
    D.media = { handle, key };
  }
  if (s.phase === 'loading' && D.media.handle.state !== 'loading') sendMediaReady();
  if (s.phase === 'reveal') pauseMedia(D.media.handle);
}

function sendMediaReady() {
  const s = D.m;
  if (!s || s.phase !== 'loading' || !D.conn) return;
  const key = qkey(s);
  if (D.mediaReadySent === key) return;
  if (D.conn.send({ type: 'match_media_ready', match_id: s.matchId, seq: s.seq })) D.mediaReadySent = key;
}

function iAnswered(s) {
  return s.answered.includes(s.seat) || !!s.myChoice || (!!D.sent && D.sent.key === qkey(s));
}

function expired(s) {
  return !!s.clock && s.clock.deadline <= now();
}

function canAnswer() {
  const s = D.m;
  if (!s || s.phase !== 'question' || D.ended) return false;
  if (iAnswered(s) || expired(s)) return false;
  if (!D.conn || !D.conn.open || D.reconnecting || D.resuming) return false;
  return true;
}

function choose(i) {
  if (!canAnswer()) return;
  if (D.m.question.kind === 'multiple') {
    if (D.selected.has(i)) D.selected.delete(i); else D.selected.add(i);
    refreshLive();
    return;
  }
  D.selected = new Set([i]);
  sendAnswer([i]);
}

function submitMultiple() {
  if (!canAnswer() || D.selected.size === 0) return;
  sendAnswer([...D.selected].sort((a, b) => a - b));
}

function sendAnswer(choice) {
  const s = D.m;
  const ok = D.conn.send({ type: 'match_answer', match_id: s.matchId, seq: s.seq, choice });
  if (ok) D.sent = { key: qkey(s), choice };
  refreshLive();
}

function leaveMatch() {
  const s = D.m;
  if (!s) { go('#/home'); return; }
  if (s.phase === 'over' || D.ended || !D.conn) { go('#/home'); return; }
  const text = s.anyAnswer ? t('duel.leave.confirm.forfeit') : t('duel.leave.confirm.abort');
  if (!window.confirm(text)) return;
  if (!D.conn.send({ type: 'match_leave', match_id: s.matchId })) go('#/home');
  // match_over follows and shows the result.
}

function askRematch() {
  const s = D.m;
  if (!s || !D.conn || s.rematch === 'asked' || s.rematch === 'unavailable') return;
  if (D.conn.send({ type: 'rematch', match_id: s.matchId })) {
    D.m = { ...s, rematch: 'asked' };
    showMatch({ focus: false });
  }
}

function announceReveal(s) {
  const mine = (s.reveal.results || []).find((r) => r.seat === s.seat);
  if (!mine) return;
  announce(`${verdict(mine)} ${t('fb.points', { n: mine.points })}`);
}

function verdict(r) {
  return r.timed_out ? t('fb.timeout') : r.correct ? t('fb.correct') : t('fb.wrong');
}

// ---- the ticker -------------------------------------------------------------------------

function ensureTicker() {
  if (!ticker) ticker = setInterval(tick, TICK_MS);
}

function stopTicker() {
  if (ticker) clearInterval(ticker);
  ticker = null;
}

const mmss = (ms) => {
  const sec = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}`;
};

function tick() {
  const n = now();
  if (ui.elapsed && D.queue) ui.elapsed.textContent = mmss(D.queue.since ? n - D.queue.since : 0);
  if (ui.expires && D.room && D.room.expiresAt) ui.expires.textContent = t('duel.room.expires_in', { t: mmss(D.room.expiresAt - n) });
  const s = D.m;
  if (!s) return;
  if (ui.countdown && s.phase === 'countdown') {
    const left = Math.ceil(Math.max(0, s.phaseEnd - n) / 1000);
    ui.countdown.textContent = left > 0 ? String(left) : t('duel.go');
  }
  if (ui.fill && s.clock) {
    const left = Math.max(0, s.clock.deadline - n);
    ui.fill.style.transform = `scaleX(${s.clock.total ? left / s.clock.total : 0})`;
    if (ui.timer) ui.timer.classList.toggle('timer-low', left < 5000);
    if (ui.secs) ui.secs.textContent = t('play.seconds_left', { n: Math.ceil(left / 1000) });
    if (left <= 0 && !ui.expiredShown) { ui.expiredShown = true; refreshLive(); }
  }
  if (ui.presence) updatePresence(s);
}

// ---- routes --------------------------------------------------------------------------

function renderIf(route, fn, opts) {
  const name = location.hash.replace(/^#\/?/, '');
  if (name === route || (route === 'room' && name.startsWith('room/'))) fn(opts);
}

function showMatch(opts = {}) {
  if (location.hash !== '#/duel/match') { go('#/duel/match'); return; }
  renderMatchView(opts);
}

/** #/duel: the lobby. */
export function renderLobby() {
  if (D.m && D.m.phase !== 'over' && (D.stage === 'match' || D.stage === 'resuming')) { go('#/duel/match'); return; }
  if (D.conn && (D.stage === 'queue' || D.stage === 'room')) D.conn.send({ type: 'duel_cancel' });
  if (D.m && D.m.phase === 'over') { resetQuestion(); D.m = null; D.viewKey = ''; }
  D.stage = 'idle';
  D.token += 1;
  D.queue = null;
  D.room = null;
  D.join = null;
  ui = {};

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

function startQueue() {
  D.queue = { since: null, rating: null, botAfterMs: null, botOffered: false };
  D.stage = 'queue';
  go('#/duel/queue');
  withConn('queue', (conn) => conn.send({ type: 'duel_queue', relaxed: D.relaxed }));
}

function createRoom() {
  D.room = { code: null, path: null, expiresAt: null, expired: false };
  D.stage = 'room';
  go('#/duel/room');
  withConn('room', (conn) => conn.send({ type: 'room_create', relaxed: D.relaxed }));
}

function cancelWaiting() {
  if (D.conn && (D.stage === 'queue' || D.stage === 'room')) D.conn.send({ type: 'duel_cancel' });
  D.stage = 'idle';
  D.token += 1;
  go('#/duel');
}

/** #/duel/queue: waiting for an opponent. */
export function renderQueue() {
  if (D.stage === 'match') { go('#/duel/match'); return; }
  if (D.stage !== 'queue' || !D.queue) { go('#/duel'); return; }
  ensureTicker();
  ui = {};
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

function acceptBot() {
  if (!D.conn) return;
  D.conn.send({ type: 'duel_accept_bot' });
  const b = document.querySelector('[data-testid="duel-bot-accept"]');
  if (b) { b.disabled = true; b.textContent = t('common.loading'); }
}

/** #/duel/room: the friend room this player opened. */
export function renderRoom() {
  if (D.stage === 'match') { go('#/duel/match'); return; }
  if (D.stage !== 'room' || !D.room) { go('#/duel'); return; }
  ensureTicker();
  ui = {};
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
  tick();
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
  if (D.m && D.m.phase !== 'over' && D.stage === 'match') { go('#/duel/match'); return; }
  if (!(D.join && D.join.code === code && (D.stage === 'joining' || D.join.error))) {
    D.join = { code, error: CODE_RE.test(code) ? null : t('duel.join.invalid') };
    if (!D.join.error) {
      D.stage = 'joining';
      withConn('joining', (conn) => conn.send({ type: 'room_join', code }));
    }
  }
  renderJoinView();
}

function renderJoinView() {
  const j = D.join;
  if (!j) return;
  ui = {};
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
  if (!D.m) {
    const sv = saved();
    if (!sv && D.stage !== 'resuming' && D.stage !== 'match') { go('#/duel'); return; }
    // A reload during a match: connect; hello names the match and we resume it.
    if (D.stage !== 'resuming' && D.stage !== 'match') {
      D.stage = 'resuming';
      D.resuming = true;
      withConn('resuming', () => {});
    }
    mount(h('section', { class: 'screen center-screen', testid: 'duel-resuming' },
      h('h1', null, t('duel.resuming')),
      h('div', { class: 'spinner', 'aria-hidden': 'true' }),
      h('a', { class: 'btn btn-ghost', href: '#/home' }, t('common.home'))));
    return;
  }
  renderMatchView({ focus: false });
}

// ---- match views ----------------------------------------------------------------------

function viewKey(s) {
  return `${s.matchId}|${s.phase === 'loading' ? 'question' : s.phase}|${s.seq}|${D.ended ? 'ended' : ''}`;
}

function renderMatchView(opts = {}) {
  const s = D.m;
  if (!s) { renderMatch(); return; }
  ensureTicker();
  const key = viewKey(s);
  const focusChanged = opts.focus !== false && key !== D.viewKey;
  D.viewKey = key;
  ui = {};
  let view;
  let focus = false;
  if (D.ended && s.phase !== 'over') {
    view = endedView(s);
    focus = 'h1';
  } else if (s.phase === 'over') {
    view = resultView(s);
    focus = 'h1';
  } else if (s.phase === 'countdown') {
    view = countdownView(s);
    focus = 'h1';
  } else {
    view = versusView(s);
    focus = s.phase === 'reveal' ? '#duel-reveal-heading' : '[data-testid="duel-prompt"]';
  }
  mount(view, { focus: focusChanged || opts.focus === true ? focus : false });
  if (D.media) updateMediaStatus(D.media.handle, ui);
  refreshLive();
  tick();
}

function robotIcon() {
  const span = document.createElement('span');
  span.className = 'robot-icon';
  // A constant, trusted SVG (no user data).
  span.innerHTML = '<svg viewBox="0 0 24 24" width="100%" height="100%" aria-hidden="true" focusable="false">'
    + '<circle cx="12" cy="2.6" r="1.6" fill="currentColor"/><rect x="11.1" y="3.5" width="1.8" height="3" fill="currentColor"/>'
    + '<rect x="4" y="6.5" width="16" height="12.5" rx="3.5" fill="currentColor"/>'
    + '<circle cx="9" cy="12" r="2" fill="#fff"/><circle cx="15" cy="12" r="2" fill="#fff"/>'
    + '<rect x="8.5" y="15.5" width="7" height="1.6" rx=".8" fill="#fff"/>'
    + '<rect x="1.6" y="10" width="2" height="5.5" rx="1" fill="currentColor"/><rect x="20.4" y="10" width="2" height="5.5" rx="1" fill="currentColor"/>'
    + '<rect x="7" y="19.8" width="10" height="2.4" rx="1.2" fill="currentColor"/></svg>';
  return span;
}

function avatar(p, side) {
  if (p.is_bot) return h('span', { class: `duel-avatar duel-avatar--${side} is-bot`, 'aria-hidden': 'true' }, robotIcon());
  return h('span', { class: `duel-avatar duel-avatar--${side}`, 'aria-hidden': 'true' }, [...(p.nickname || '?')][0]);
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

function banners() {
  ui.presence = h('p', { class: 'duel-banner', testid: 'duel-presence', role: 'status', hidden: true });
  ui.reconnecting = h('p', { class: 'duel-banner duel-banner--self', testid: 'duel-reconnecting', role: 'status', hidden: true }, t('duel.reconnecting'));
  return [ui.reconnecting, ui.presence];
}

function leaveButton() {
  return h('button', { class: 'btn-link play-quit', type: 'button', testid: 'duel-leave', onclick: leaveMatch }, t('duel.leave'));
}

function countdownView(s) {
  ui.countdown = h('span', { class: 'countdown-num', testid: 'duel-countdown' }, '');
  return h('section', { class: 'screen duel duel-intro', testid: 'duel-versus', dataset: { phase: s.phase, seq: String(s.seq), total: String(s.total), matchId: s.matchId } },
    h('div', { class: 'play-top' }, h('span', { class: 'play-progress' }, t('duel.title')), leaveButton()),
    h('h1', { class: 'duel-intro-title' }, t('duel.starting')),
    heads(s, true),
    banners(),
    h('p', { class: 'countdown', 'aria-live': 'off' }, ui.countdown),
    h('p', { class: 'muted center small' },
      [t('common.questions', { n: s.total }), s.relaxed ? t('setup.relaxed') : null, s.rated ? t('duel.rated') : t('duel.unrated')].filter(Boolean).join(' · ')));
}

function versusView(s) {
  const q = s.question;
  const rv = s.phase === 'reveal' ? s.reveal : null;
  const multiple = q.kind === 'multiple';
  const opp = opponentSeat(s);

  ui.fill = h('div', { class: 'timer-fill' });
  ui.secs = h('span', { class: 'timer-secs' });
  ui.timer = h('div', { class: 'timer', hidden: !!rv }, h('div', { class: 'timer-track', 'aria-hidden': 'true' }, ui.fill), ui.secs);
  if (!s.clock) {
    ui.fill.style.transform = 'scaleX(1)';
    ui.secs.textContent = s.phase === 'loading' ? t('play.waiting_clock') : '';
  }

  const correctSet = new Set(rv ? rv.correct_choice : []);
  const mineR = rv ? (rv.results || []).find((r) => r.seat === s.seat) : null;
  const oppR = rv ? (rv.results || []).find((r) => r.seat === opp) : null;
  const mineSet = new Set(mineR ? mineR.choice : []);
  const oppSet = new Set(oppR ? oppR.choice : []);
  ui.options = q.options.map((text, i) => {
    const cls = ['option'];
    const tags = [];
    if (rv) {
      if (correctSet.has(i)) { cls.push('is-correct'); tags.push(h('span', { class: 'opt-tag tag-correct' }, `✓ ${t('fb.mark.correct')}`)); }
      if (mineSet.has(i)) {
        cls.push('is-mine');
        if (!correctSet.has(i)) cls.push('is-wrong');
        tags.push(h('span', { class: 'opt-tag tag-me', testid: 'duel-mark-me' }, t('duel.mark.me')));
      }
      if (oppSet.has(i)) {
        cls.push('is-opp');
        tags.push(h('span', { class: 'opt-tag tag-opp', testid: 'duel-mark-opp' }, t('duel.mark.opp')));
      }
    }
    return h('button', {
      class: cls.join(' '), type: 'button', testid: `duel-option-${i}`,
      'aria-pressed': multiple && !rv ? 'false' : null,
      disabled: true,
      onclick: () => choose(i),
    },
    h('span', { class: 'opt-letter', 'aria-hidden': 'true' }, LETTERS[i] || String(i + 1)),
    h('span', { class: 'opt-body' },
      h('span', { class: 'opt-text', lang: 'zh-CN' }, text),
      tags.length ? h('span', { class: 'opt-tags' }, tags) : null));
  });
  if (multiple && !rv) {
    ui.submit = h('button', { class: 'btn btn-primary btn-block', type: 'button', testid: 'duel-submit', onclick: submitMultiple, disabled: true }, t('play.submit'));
  }
  ui.status = h('p', { class: 'play-status', testid: 'duel-status', 'aria-live': 'polite' });

  const kind = h('span', { class: `kind-badge kind-${q.kind}` }, t(`kind.${q.kind}`) === `kind.${q.kind}` ? q.kind : t(`kind.${q.kind}`));
  return h('section', { class: 'screen play duel', testid: 'duel-versus', dataset: { phase: s.phase, seq: String(s.seq), total: String(s.total), matchId: s.matchId } },
    heads(s, false),
    scoreBar(s),
    banners(),
    h('div', { class: 'play-top' },
      h('span', { class: 'play-progress', testid: 'duel-progress' }, t('play.progress', { n: s.seq, total: s.total })),
      q.history ? h('span', { class: 'history-tag' }, historyName(q.history)) : null,
      s.relaxed ? h('span', { class: 'relaxed-badge' }, t('setup.relaxed')) : null,
      leaveButton()),
    ui.timer,
    q.media && D.media ? mediaFigure(D.media.handle, ui) : null,
    h('div', { class: 'prompt-head' }, kind),
    h('h1', { class: 'prompt', testid: 'duel-prompt', lang: 'zh-CN', tabindex: '-1' }, q.prompt),
    multiple && !rv ? h('p', { class: 'hint' }, t('play.multiple.hint')) : null,
    h('div', { class: 'options', role: 'group', 'aria-label': t('play.options') }, ui.options),
    ui.submit || null,
    ui.status,
    rv ? revealView(s, rv, mineR, oppR) : null);
}

function revealView(s, rv, mineR, oppR) {
  const line = (who, r, testid) => {
    const tone = !r ? 'timeout' : r.correct ? 'ok' : r.timed_out ? 'timeout' : 'bad';
    return h('li', { class: `reveal-line reveal-${tone}`, testid },
      h('span', { class: 'reveal-who' }, who),
      h('span', { class: 'reveal-verdict' }, r ? verdict(r) : t('fb.timeout')),
      r && !r.timed_out ? h('span', { class: 'muted small' }, t('fb.time', { n: num(r.answer_ms / 1000, 1) })) : h('span', null),
      h('span', { class: 'reveal-points' }, t('fb.points', { n: num(r ? r.points : 0) })));
  };
  const opp = playerAt(s, opponentSeat(s));
  const me = playerAt(s, s.seat);
  const last = s.seq >= s.total;
  return h('section', { class: 'feedback duel-reveal', testid: 'duel-reveal', 'aria-labelledby': 'duel-reveal-heading' },
    h('h2', { id: 'duel-reveal-heading', tabindex: '-1' }, mineR ? verdict(mineR) : t('fb.timeout')),
    h('ul', { class: 'reveal-lines' },
      line([me ? me.nickname : '', h('span', { class: 'duel-you' }, t('duel.you'))], mineR, 'duel-reveal-me'),
      line(opp ? opp.nickname : t('duel.mark.opp'), oppR, 'duel-reveal-opp')),
    rv.explanation ? h('div', { class: 'explanation' }, h('h3', null, t('fb.explanation')), h('p', { lang: 'zh-CN' }, rv.explanation)) : null,
    rv.source ? h('p', { class: 'source', lang: 'zh-CN' }, t('fb.source', { s: rv.source })) : null,
    h('p', { class: 'next-soon', role: 'status' }, h('span', { class: 'spinner spinner-small', 'aria-hidden': 'true' }), last ? t('duel.last_soon') : t('duel.next_soon')));
}

/** Update what changes without a new view: indicators, banners, options, status. */
function refreshLive() {
  const s = D.m;
  if (!s || location.hash !== '#/duel/match') return;
  const opp = opponentSeat(s);
  const open = s.phase === 'question' || s.phase === 'loading';
  const root = document.querySelector('[data-testid="duel-versus"]');
  if (root && root.dataset.matchId === s.matchId && root.dataset.seq === String(s.seq)) root.dataset.phase = s.phase;
  if (ui.oppAnswered) ui.oppAnswered.hidden = !(open && s.answered.includes(opp));
  if (ui.meAnswered) ui.meAnswered.hidden = !(open && iAnswered(s));
  if (ui.reconnecting) ui.reconnecting.hidden = !(D.reconnecting || D.resuming) || s.phase === 'over';
  if (ui.presence) updatePresence(s);
  if (ui.options && open) {
    const enabled = canAnswer();
    const multiple = s.question.kind === 'multiple';
    const chosen = new Set(s.myChoice || (D.sent && D.sent.key === qkey(s) ? D.sent.choice : [...D.selected]));
    ui.options.forEach((b, i) => {
      b.disabled = !enabled;
      b.classList.toggle('is-selected', chosen.has(i));
      if (multiple) b.setAttribute('aria-pressed', String(chosen.has(i)));
    });
    if (ui.submit) ui.submit.disabled = !enabled || D.selected.size === 0;
  }
  if (ui.status && open) {
    let text = '';
    if (s.phase === 'loading') text = D.media && D.media.handle.state === 'loading' ? t('play.media.loading') : t('duel.waiting_media');
    else if (iAnswered(s)) text = s.answered.includes(opp) ? t('duel.both_answered') : t('duel.you_answered');
    else if (expired(s)) text = t('duel.time_up');
    else if (s.answered.includes(opp)) text = t('duel.opp_answered_hurry');
    ui.status.textContent = text;
  }
}

function updatePresence(s) {
  const opp = opponentSeat(s);
  const away = s.connected[opp] === false && s.phase !== 'over' && !D.ended;
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
      outcome === 'aborted' ? null : h('button', { class: 'btn btn-primary', type: 'button', testid: 'duel-rematch', disabled: s.rematch === 'asked' || s.rematch === 'unavailable' || !D.conn, onclick: askRematch },
        s.rematch === 'offered' ? t('duel.rematch.accept') : t('duel.rematch')),
      h('button', { class: 'btn btn-ghost', type: 'button', testid: 'duel-home', onclick: () => go('#/home') }, t('common.home'))));
}

function endedView(s) {
  return h('section', { class: 'screen center-screen', testid: 'duel-ended', dataset: { matchId: s.matchId } },
    h('h1', null, t('close.title')),
    h('p', { class: 'notice notice-error', role: 'alert' }, D.ended),
    h('div', { class: 'actions' },
      h('a', { class: 'btn btn-primary', href: '#/duel' }, t('duel.to_lobby')),
      h('a', { class: 'btn btn-ghost', href: '#/home' }, t('common.home'))));
}

// A test hook: drop the duel socket as a network failure would (not "closed by us").
window.__datiDuel = {
  dropSocket: () => { if (D.conn && D.conn.ws) D.conn.ws.close(4000, 'test drop'); },
  state: () => (D.m ? { matchId: D.m.matchId, version: D.m.version, phase: D.m.phase, seq: D.m.seq } : null),
};
