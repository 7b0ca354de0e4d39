// The match session shared by duels (duel.js), ladder races (ladder.js) and
// district battles (district.js): one websocket to /ws that reconnects while a
// match runs, the match state of match-state.js fed by the server's versioned
// events, resuming after a dropped socket or a page reload (hello's
// active_match), media preloading with match_media_ready, answering, and the
// ticker that drives clocks. docs/protocol.md §3.8, §3.9 and §3.10.
//
// Each mode registers its screens and its own messages with `defineMode`; this
// file knows no lobby, queue or result layout.
import { t } from '../i18n.js';
import { h, mount, toast, announce } from './dom.js';
import { get, ApiError } from './api.js';
import { store, go } from './state.js';
import { Conn } from './socket.js';
import { loadMedia, discardMedia, pauseMedia, updateMediaStatus } from './media.js';
import { applyEvent, isMatchEvent } from './match-state.js';

const MEDIA_FALLBACK_MS = 8000;   // send match_media_ready at the latest after this
const TICK_MS = 200;
const SAVE_KEY = 'dati.match';    // sessionStorage: {match_id, last_version, mode} of the running match

// ---- state ------------------------------------------------------------------------

export const S = {
  conn: null,
  token: 0,            // bumps on every new request, so stale awaits give up
  // idle | resuming | match, or a mode's own waiting stage (duel: queue, room,
  // joining; ladder: ladder_queue; district: district_queue) while the player
  // waits for a match.
  stage: 'idle',
  owner: null,         // the mode ('duel' | 'ladder' | 'district') whose screens are in use
  m: null,             // the match state (match-state.js)
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

/** Elements of the current view that live updates touch; emptied on every render. */
export const ui = {};

export function resetUi() {
  for (const k of Object.keys(ui)) delete ui[k];
}

/**
 * The hooks of a mode:
 * - i18n: key prefix of its texts (`${i18n}.resuming`, `.reconnecting`, `.ended_away`)
 * - lobbyRoute, matchRoute: hashes; ownsHash(hash): whether a hash is one of its screens
 * - view(s) → {view, focus, top}: the match view for the state (countdown,
 *   question, result…), what to focus in it, and whether to show it from the top
 * - refresh(s, {open}): live updates of its own indicators
 * - status(s, {loading, answered, expired}) → text under the options
 * - onMessage(msg) → true when it handled a non-match message
 * - onError(code, text) → true when it handled a refusal
 * - cancelWaiting(conn): leave its waiting stage (queue, room…)
 * - leaveConfirm(s) → the question asked before leaving a running match
 * - announce(msg, s): screen-reader announcements of match events
 * - tick(now): its own timers (queue elapsed…)
 */
const modes = new Map();

export function defineMode(name, hooks) {
  modes.set(name, hooks);
}

const hooksFor = (mode) => modes.get(mode) || modes.get(S.owner) || null;

/** The hooks of the running match's mode, else of the screens in use. */
export const matchHooks = () => hooksFor(S.m ? S.m.mode : S.owner);

export const qkey = (s) => (s && s.question ? `${s.matchId}:${s.seq}` : '');
export const now = () => performance.now();

/** Whether the player waits for a match (a mode's own stage). */
export const isWaiting = () => !['idle', 'resuming', 'match'].includes(S.stage);

/** Whether anything match-related is going on: a socket, a wait or a match. */
export const inSession = () => S.stage !== 'idle' || !!S.conn;

// ---- persistence across a page reload ---------------------------------------------

function save() {
  const s = S.m;
  try {
    if (s && s.phase !== 'over') sessionStorage.setItem(SAVE_KEY, JSON.stringify({ match_id: s.matchId, last_version: s.version, mode: s.mode }));
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
  if (S.conn && S.conn.hello && (S.conn.open || S.conn.reconnecting)) return Promise.resolve(S.conn);
  if (S.conn && !S.conn.hello && !S.conn.closedByUs) return S.conn.ready.then(() => S.conn);
  if (S.conn) { S.conn.close(); S.conn = null; }
  const conn = new Conn({
    onMessage,
    onClose,
    reconnect: {
      // Only a running match is worth coming back to.
      when: () => S.stage === 'match' && !!S.m && S.m.phase !== 'over',
      onRetry: () => {
        S.reconnecting = true;
        refreshLive();
      },
      maxAttempts: 20,
    },
  });
  S.conn = conn;
  return conn.ready.then(() => conn);
}

/**
 * Enter `stage` for mode `owner`, connect (if needed), then run `fn(conn)`
 * unless the player moved on meanwhile.
 */
export async function withConn(owner, stage, fn) {
  const token = ++S.token;
  S.stage = stage;
  S.owner = owner;
  try {
    const conn = await ensureConn();
    if (token !== S.token || S.stage !== stage || conn !== S.conn) return;
    if (S.probe) {
      // hello named a match; run once we know it is over.
      S.probe.then = (c) => { if (token === S.token && S.stage === stage) fn(c); };
      return;
    }
    fn(conn);
  } catch (e) {
    if (token !== S.token) return;
    try {
      await get('/api/me');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        store.me = null;
        leaveSession();
        go('#/signin');
        return;
      }
    }
    S.stage = 'idle';
    toast(t('close.connect_failed'), 'error');
    const hk = modes.get(owner);
    if (hk) go(hk.lobbyRoute);
  }
}

function onClose(ev, conn) {
  if (conn !== S.conn) return;
  S.conn = null;
  S.reconnecting = false;
  if (conn.closedByUs) return;
  const text = closeText(ev.code, ev.reason);
  if (S.m && (S.stage === 'match' || S.stage === 'resuming')) {
    if (S.m.phase === 'over') {
      if (S.m.rematch !== 'unavailable') S.m = { ...S.m, rematch: 'unavailable' };
      toast(text, 'error');
    } else {
      S.ended = text;
    }
    showMatch();
    return;
  }
  if (S.stage !== 'idle') {
    S.stage = 'idle';
    toast(text, 'error');
    const hk = hooksFor(S.owner);
    if (hk && hk.ownsHash(location.hash)) go(hk.lobbyRoute);
  }
}

function closeText(code, reason) {
  if (code === 1001) return t('close.1001');
  if (code === 1008 || code === 1009) return t('close.policy', { reason: reason || code });
  if (code === 1011) return t('close.1011');
  return t('close.other');
}

/** Before navigating away from a running match: ask, since leaving forfeits it. */
export function confirmLeaveMatch() {
  const s = S.m;
  if (!s || s.phase === 'over' || S.ended || S.stage !== 'match' || iLeft(s)) return true;
  const hk = hooksFor(s.mode);
  return window.confirm(hk ? hk.leaveConfirm(s) : t('duel.leave.confirm.forfeit'));
}

/** Leave everything: a wait (queue, room), a running match; close the socket. */
export function leaveSession() {
  const s = S.m;
  if (S.conn) {
    if (isWaiting()) {
      const hk = hooksFor(S.owner);
      if (hk) hk.cancelWaiting(S.conn);
    } else if (s && s.phase !== 'over' && !S.ended && !iLeft(s)) {
      S.conn.send({ type: 'match_leave', match_id: s.matchId });
    }
    S.conn.close();
  }
  resetQuestion();
  Object.assign(S, {
    conn: null, stage: 'idle', owner: null, m: null, viewKey: '',
    reconnecting: false, resuming: false, probe: null, gapAt: null, ended: null,
  });
  S.token += 1;
  clearSaved();
  stopTicker();
  resetUi();
}

/** Leave the current wait (if any) and forget a finished match; keeps the socket. */
export function settleIdle() {
  if (S.conn && isWaiting()) {
    const hk = hooksFor(S.owner);
    if (hk) hk.cancelWaiting(S.conn);
  }
  if (S.m && S.m.phase === 'over') forgetMatch();
  S.stage = 'idle';
  S.token += 1;
  resetUi();
}

/** Drop a finished match from the session (before queueing again). */
export function forgetMatch() {
  resetQuestion();
  S.m = null;
  S.viewKey = '';
  S.ended = null;
}

function resetQuestion() {
  if (S.media) discardMedia(S.media.handle);
  S.media = null;
  S.mediaReadySent = '';
  S.sent = null;
  S.selected = new Set();
}

// ---- messages from the server ----------------------------------------------------

function onMessage(msg, conn) {
  if (conn !== S.conn) return;
  if (isMatchEvent(msg)) { onMatchEvent(msg); return; }
  if (msg.type === 'hello') { onHello(msg, conn); return; }
  if (msg.type === 'error') { onError(msg); return; }
  for (const hk of modes.values()) {
    if (hk.onMessage && hk.onMessage(msg)) return;
  }
  // pong and anything newer
}

function onHello(msg, conn) {
  if (msg.member && store.me) Object.assign(store.me, msg.member);
  conn.matchHellos = (conn.matchHellos || 0) + 1;
  const reconnect = conn.matchHellos > 1;
  S.reconnecting = false;
  const active = msg.active_match;
  if (active && active.match_id) {
    const same = S.m && S.m.matchId === active.match_id;
    if (same && S.m.phase === 'over') return; // a finished match still listed for a while
    if (!same && isWaiting()) {
      // The player asked for a new game, but the server still seats them in
      // a match: maybe a running one (then it comes first), maybe one that
      // just ended (the server lists it for a while). A snapshot tells.
      S.probe = { matchId: active.match_id, then: null };
      S.resuming = true;
      conn.send({ type: 'match_resume', match_id: active.match_id, last_version: 0 });
      return;
    }
    // Seated in a match: come back to it. With our state of that match, the
    // server replays what we missed; without (a reload), it sends a snapshot.
    if (!same && S.m) { resetQuestion(); S.m = null; }
    S.token += 1;              // whatever we were about to do, the match comes first
    S.stage = 'match';
    if (modes.has(active.mode)) S.owner = active.mode;
    S.resuming = true;
    S.ended = null;
    S.gapAt = null;
    S.mediaReadySent = '';
    conn.send({ type: 'match_resume', match_id: active.match_id, last_version: same ? S.m.version : 0 });
    showMatch();
    return;
  }
  if (reconnect && S.m && S.m.phase !== 'over') {
    // No match any more: it ended while we were away. Ask for it anyway; the
    // server replays the end if it still knows the match, or refuses.
    S.resuming = true;
    conn.send({ type: 'match_resume', match_id: S.m.matchId, last_version: S.m.version });
    showMatch();
    return;
  }
  if (S.stage === 'resuming') {
    // A reload found no match to resume.
    const hk = hooksFor(S.owner);
    clearSaved();
    S.stage = 'idle';
    S.resuming = false;
    toast(t(`${hk ? hk.i18n : 'duel'}.ended_away`), 'info');
    if (hk) go(hk.lobbyRoute);
  }
}

/** The probe of hello's active_match is answered: go on with what the player asked. */
function endProbe() {
  const then = S.probe && S.probe.then;
  S.probe = null;
  S.resuming = false;
  if (then && S.conn) then(S.conn);
}

function onMatchEvent(msg) {
  if (S.probe && msg.match_id === S.probe.matchId) {
    if (msg.type === 'match_snapshot' && msg.phase === 'over') { endProbe(); return; }
    if (msg.type !== 'match_snapshot') return;
    // A running match: it takes over from the queue / room / join.
    S.probe = null;
    S.token += 1;
    resetQuestion();
    S.m = null;
  }
  const prev = S.m;
  const r = applyEvent(prev, msg, now(), { acceptGap: prev !== null && S.gapAt === prev.version });
  if (r.gap) {
    // Missed events (say, a relay lost one): resume from what we have.
    if (S.gapAt !== prev.version && S.conn) {
      S.gapAt = prev.version;
      S.resuming = true;
      S.conn.send({ type: 'match_resume', match_id: prev.matchId, last_version: prev.version });
    }
    return;
  }
  if (!r.applied) return;
  const s = r.state;
  const newMatch = !prev || prev.matchId !== s.matchId;
  if (newMatch) {
    resetQuestion();
    S.ended = null;
    S.gapAt = null;
  }
  if (msg.type === 'match_snapshot' || msg.type === 'match_resumed') {
    S.resuming = false;
    S.gapAt = null;
    S.mediaReadySent = '';
    // An answer we sent but the server never acknowledged was lost with the connection.
    if (S.sent && !(s.answered.includes(s.seat) || s.myChoice)) S.sent = null;
    if (s.myChoice && !S.sent && s.phase === 'question') S.sent = { key: qkey(s), choice: s.myChoice };
  }
  if (prev && !newMatch && qkey(prev) !== qkey(s)) {
    resetQuestion();
  }
  S.m = s;
  S.stage = 'match';
  if (modes.has(s.mode)) S.owner = s.mode;
  save();
  syncMedia();

  const hk = hooksFor(s.mode);
  if (msg.type === 'match_reveal' && s.phase === 'reveal') announceReveal(s);
  if (hk && hk.announce) hk.announce(msg, s);

  const key = viewKey(s);
  const full = key !== S.viewKey || ['match_snapshot', 'match_resumed', 'match_started'].includes(msg.type);
  if (full) showMatch({ focus: key !== S.viewKey });
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
      S.sent = null;
      toast(text, 'error');
      refreshLive();
      return;
    case 'not_in_match':
    case 'match_over':
    case 'forfeited':
      if (S.probe) { endProbe(); return; }
      if (S.resuming || S.stage === 'resuming') {
        S.resuming = false;
        const hk = matchHooks();
        const away = t(`${hk ? hk.i18n : 'duel'}.ended_away`);
        if (S.m && S.m.phase !== 'over') {
          S.ended = away;
          showMatch();
        } else if (!S.m) {
          clearSaved();
          S.stage = 'idle';
          toast(away, 'info');
          if (hk) go(hk.lobbyRoute);
        }
        return;
      }
      toast(text, 'error');
      return;
    default:
      break;
  }
  for (const hk of modes.values()) {
    if (hk.onError && hk.onError(code, text)) return;
  }
  toast(text, 'error');
  if (isWaiting()) {
    // The request was refused (already_queued, invalid_value, unavailable…).
    const hk = hooksFor(S.owner);
    S.stage = 'idle';
    if (hk && hk.ownsHash(location.hash)) go(hk.lobbyRoute);
  }
}

export function errorText(code, message) {
  const key = `wserr.${code}`;
  return t(key) !== key ? t(key) : (message || code);
}

// ---- media and the question ---------------------------------------------------------

function syncMedia() {
  const s = S.m;
  const q = s && s.question;
  const live = s && ['loading', 'question', 'reveal'].includes(s.phase);
  if (!q || !live || !q.media) {
    if (S.media) { discardMedia(S.media.handle); S.media = null; }
    if (s && s.phase === 'loading' && q && !q.media) sendMediaReady();
    return;
  }
  const key = qkey(s);
  if (!S.media || S.media.key !== key) {
    if (S.media) discardMedia(S.media.handle);
    const handle = loadMedia(q.media, {
      fallbackMs: MEDIA_FALLBACK_MS,
      onSettle: () => {
        if (!S.media || S.media.handle !== handle) return;
        sendMediaReady();
        updateMediaStatus(handle, ui);
        refreshLive();
      },
      onLate: () => { if (S.media && S.media.handle === handle) updateMediaStatus(handle, ui); },
    });
    S.media = { handle, key };
  }
  if (s.phase === 'loading' && S.media.handle.state !== 'loading') sendMediaReady();
  if (s.phase === 'reveal') pauseMedia(S.media.handle);
}

function sendMediaReady() {
  const s = S.m;
  if (!s || s.phase !== 'loading' || !S.conn) return;
  const key = qkey(s);
  if (S.mediaReadySent === key) return;
  if (S.conn.send({ type: 'match_media_ready', match_id: s.matchId, seq: s.seq })) S.mediaReadySent = key;
}

export function iAnswered(s) {
  return s.answered.includes(s.seat) || !!s.myChoice || (!!S.sent && S.sent.key === qkey(s));
}

/**
 * Whether this player has left the match that goes on without them (a race
 * or a district battle): the server announces their own seat gone. While
 * attached, that is the only way our own seat reads disconnected (a replay's
 * "gone, then back" ends connected).
 */
export function iLeft(s) {
  return s.connected[s.seat] === false;
}

export function expired(s) {
  return !!s.clock && s.clock.deadline <= now();
}

function canAnswer() {
  const s = S.m;
  if (!s || s.phase !== 'question' || S.ended) return false;
  if (iAnswered(s) || expired(s) || iLeft(s)) return false;
  if (!S.conn || !S.conn.open || S.reconnecting || S.resuming) return false;
  return true;
}

export function choose(i) {
  if (!canAnswer()) return;
  if (S.m.question.kind === 'multiple') {
    if (S.selected.has(i)) S.selected.delete(i); else S.selected.add(i);
    refreshLive();
    return;
  }
  S.selected = new Set([i]);
  sendAnswer([i]);
}

export function submitMultiple() {
  if (!canAnswer() || S.selected.size === 0) return;
  sendAnswer([...S.selected].sort((a, b) => a - b));
}

function sendAnswer(choice) {
  const s = S.m;
  const ok = S.conn.send({ type: 'match_answer', match_id: s.matchId, seq: s.seq, choice });
  if (ok) S.sent = { key: qkey(s), choice };
  refreshLive();
}

/** The leave button of a match: asks, then sends match_leave (match_over follows). */
export function leaveMatch() {
  const s = S.m;
  const hk = matchHooks();
  if (!s) { go('#/home'); return; }
  if (s.phase === 'over' || S.ended || !S.conn || iLeft(s)) { go(hk ? hk.lobbyRoute : '#/home'); return; }
  if (!window.confirm(hk.leaveConfirm(s))) return;
  if (!S.conn.send({ type: 'match_leave', match_id: s.matchId })) go('#/home');
}

function announceReveal(s) {
  const mine = (s.reveal.results || []).find((r) => r.seat === s.seat);
  if (!mine) return;
  announce(`${verdict(mine)} ${t('fb.points', { n: mine.points })}`);
}

export function verdict(r) {
  return r.timed_out ? t('fb.timeout') : r.correct ? t('fb.correct') : t('fb.wrong');
}

// ---- the ticker -------------------------------------------------------------------------

let ticker = null;

export function ensureTicker() {
  if (!ticker) ticker = setInterval(tick, TICK_MS);
}

function stopTicker() {
  if (ticker) clearInterval(ticker);
  ticker = null;
}

export const mmss = (ms) => {
  const sec = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}`;
};

function tick() {
  const n = now();
  for (const hk of modes.values()) if (hk.tick) hk.tick(n);
  const s = S.m;
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
  const hk = hooksFor(s.mode);
  if (hk && hk.tickMatch) hk.tickMatch(s, n);
}

// ---- views ------------------------------------------------------------------------------

function viewKey(s) {
  return `${s.matchId}|${s.phase === 'loading' ? 'question' : s.phase}|${s.seq}|${S.ended ? 'ended' : ''}`;
}

/** Show the running match on its mode's match route. */
export function showMatch(opts = {}) {
  const hk = matchHooks();
  if (!hk) return;
  if (location.hash !== hk.matchRoute) { go(hk.matchRoute); return; }
  renderMatchView(opts);
}

/** The match route of `mode` was opened: show the match, or resume one after a reload. */
export function renderMatchRoute(mode) {
  const hk = modes.get(mode);
  if (S.m && S.m.mode !== mode && modes.has(S.m.mode)) { go(modes.get(S.m.mode).matchRoute); return; }
  if (!S.m) {
    const sv = saved();
    if (!sv && S.stage !== 'resuming' && S.stage !== 'match') { go(hk.lobbyRoute); return; }
    // A reload during a match: connect; hello names the match and we resume it.
    if (S.stage !== 'resuming' && S.stage !== 'match') {
      S.resuming = true;
      withConn(sv && modes.has(sv.mode) ? sv.mode : mode, 'resuming', () => {});
    }
    resetUi();
    mount(h('section', { class: 'screen center-screen', testid: `${hk.i18n}-resuming` },
      h('h1', null, t(`${hk.i18n}.resuming`)),
      h('div', { class: 'spinner', 'aria-hidden': 'true' }),
      h('a', { class: 'btn btn-ghost', href: '#/home' }, t('common.home'))));
    return;
  }
  renderMatchView({ focus: false });
}

export function renderMatchView(opts = {}) {
  const s = S.m;
  const hk = s && hooksFor(s.mode);
  if (!s || !hk) return;
  ensureTicker();
  const key = viewKey(s);
  const focusChanged = opts.focus !== false && key !== S.viewKey;
  S.viewKey = key;
  resetUi();
  const { view, focus, top } = hk.view(s);
  const refocus = focusChanged || opts.focus === true;
  mount(view, { focus: refocus ? focus : false, top: refocus && !!top });
  if (S.media) updateMediaStatus(S.media.handle, ui);
  refreshLive();
  tick();
}

/** Update what changes without a new view: indicators, banners, options, status. */
export function refreshLive() {
  const s = S.m;
  const hk = s && hooksFor(s.mode);
  if (!s || !hk || location.hash !== hk.matchRoute) return;
  const open = s.phase === 'question' || s.phase === 'loading';
  if (ui.root && ui.root.dataset.matchId === s.matchId && ui.root.dataset.seq === String(s.seq)) ui.root.dataset.phase = s.phase;
  if (ui.reconnecting) ui.reconnecting.hidden = !(S.reconnecting || S.resuming) || s.phase === 'over';
  if (ui.options && open) {
    const enabled = canAnswer();
    const multiple = s.question.kind === 'multiple';
    const chosen = new Set(s.myChoice || (S.sent && S.sent.key === qkey(s) ? S.sent.choice : [...S.selected]));
    ui.options.forEach((b, i) => {
      b.disabled = !enabled;
      b.classList.toggle('is-selected', chosen.has(i));
      if (multiple) b.setAttribute('aria-pressed', String(chosen.has(i)));
    });
    if (ui.submit) ui.submit.disabled = !enabled || S.selected.size === 0;
  }
  if (ui.status && open) {
    const loading = s.phase === 'loading';
    ui.status.textContent = loading && S.media && S.media.handle.state === 'loading'
      ? t('play.media.loading')
      : hk.status(s, { loading, answered: iAnswered(s), expired: expired(s) });
  }
  if (hk.refresh) hk.refresh(s, { open });
}

// A test hook: drop the match socket as a network failure would (not "closed by us").
const testHook = {
  dropSocket: () => { if (S.conn && S.conn.ws) S.conn.ws.close(4000, 'test drop'); },
  state: () => (S.m ? { matchId: S.m.matchId, mode: S.m.mode, version: S.m.version, phase: S.m.phase, seq: S.m.seq } : null),
};
window.__datiMatch = testHook;
window.__datiDuel = testHook;
