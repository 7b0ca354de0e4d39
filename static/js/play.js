// Playing a set over the websocket: set-up, question, feedback, summary.
// Follows docs/protocol.md §3.
import { t, num } from '../i18n.js';
import { h, mount, toast, announce } from './dom.js';
import { get, ApiError } from './api.js';
import { store, go, historyName, loadHistories, HISTORY_IDS, LETTERS } from './state.js';
import { Conn } from './socket.js';
import { loadMedia, discardMedia as discardMediaHandle, pauseMedia, mediaFigure, updateMediaStatus } from './media.js';

const MEDIA_FALLBACK_MS = 8000;   // send media_ready at the latest after this
const CLOCK_FALLBACK_MS = 3000;   // start our bar if clock_started does not come
const TICK_MS = 200;

// ---- state of the current set ------------------------------------------------

const P = {
  conn: null,
  params: null,        // what we sent in `start`
  phase: 'idle',       // idle | connecting | question | feedback | summary | closed
  set: null,           // set_started
  q: null,             // the current question message
  media: null,         // {el, state: loading|ready|failed, timer}
  mediaReadySent: false,
  clock: null,         // {deadline (performance.now ms), total}
  clockFallback: null,
  expired: false,
  selected: new Set(),
  answered: false,
  result: null,
  summary: null,
  wantSummary: false,
  waitingNext: false,
  points: 0,
  streak: 0,
  closed: null,        // {title, message}
};

let ui = {};           // element references of the current play view
let ticker = null;

export const inPlay = () => P.phase !== 'idle';

function resetSet() {
  discardMedia();
  stopTicker();
  clearTimeout(P.clockFallback);
  Object.assign(P, {
    set: null, q: null, media: null, mediaReadySent: false, clock: null, expired: false,
    selected: new Set(), answered: false, result: null, summary: null, wantSummary: false,
    waitingNext: false, points: 0, streak: 0, closed: null,
  });
}

/** Called by the router when the player leaves #/play: closing the socket ends the set. */
export function leavePlay() {
  resetSet();
  if (P.conn) { P.conn.close(); P.conn = null; }
  P.phase = 'idle';
  ui = {};
}

// ---- starting --------------------------------------------------------------------

function startMessage(p) {
  const msg = { type: 'start', mode: p.mode };
  if (p.mode !== 'review' && p.history && p.history !== 'mixed') msg.history = p.history;
  if (p.mode !== 'challenge' && p.size) msg.size = p.size;
  if (p.mode === 'practice' && p.difficulty) msg.difficulty = p.difficulty;
  if (p.relaxed) msg.relaxed = true;
  return msg;
}

async function ensureConn() {
  if (P.conn && P.conn.open && P.conn.hello) return P.conn;
  if (P.conn) { P.conn.close(); P.conn = null; }
  const conn = new Conn({ onMessage, onClose });
  P.conn = conn;
  await conn.ready;
  return conn;
}

/** Start a set: {mode: practice|challenge|review, history?, size?, difficulty?, relaxed?} */
export async function startSet(params) {
  resetSet();
  P.params = params;
  P.phase = 'connecting';
  if (location.hash !== '#/play') go('#/play');
  else renderPlay();
  try {
    const conn = await ensureConn();
    if (P.phase !== 'connecting' || conn !== P.conn) return;
    conn.send(startMessage(params));
  } catch (e) {
    if (P.phase !== 'connecting') return;
    // The upgrade is refused without a valid session: check it.
    try {
      await get('/api/me');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        store.me = null;
        leavePlay();
        go('#/signin');
        return;
      }
    }
    showClosed(e && e.code ? closeMessage(e.code, e.reason) : t('close.connect_failed'));
  }
}

// ---- messages from the server ----------------------------------------------------

function onMessage(msg, conn) {
  if (conn !== P.conn) return;
  switch (msg.type) {
    case 'hello':
      if (msg.member && store.me) Object.assign(store.me, msg.member);
      break;
    case 'set_started':
      P.set = msg;
      P.points = 0;
      P.streak = 0;
      break;
    case 'question':
      onQuestion(msg);
      break;
    case 'clock_started':
      if (P.q && msg.seq === P.q.seq && P.phase === 'question') startClock(msg.remaining_ms);
      break;
    case 'result':
      onResult(msg);
      break;
    case 'summary':
      onSummary(msg);
      break;
    case 'error':
      onError(msg);
      break;
    default:
      break; // pong and anything newer
  }
}

function onClose(ev, conn) {
  if (conn !== P.conn) return;
  P.conn = null;
  if (conn.closedByUs) return;
  if (!conn.hello) return; // startSet's catch handles a failed connect
  if (P.phase === 'idle' || P.phase === 'summary' || P.phase === 'closed') return;
  showClosed(closeMessage(ev.code, ev.reason));
}

function closeMessage(code, reason) {
  if (code === 1001) return t('close.1001');
  if (code === 1008 || code === 1009) return t('close.policy', { reason: reason || code });
  if (code === 1011) return t('close.1011');
  return t('close.other');
}

function showClosed(message) {
  discardMedia();
  stopTicker();
  P.phase = 'closed';
  P.closed = { message };
  toast(message, 'error');
  renderPlay();
}

function onQuestion(msg) {
  discardMedia();
  stopTicker();
  Object.assign(P, {
    q: msg, phase: 'question', result: null, selected: new Set(), answered: false,
    expired: false, clock: null, mediaReadySent: false, waitingNext: false,
  });
  const media = msg.question && msg.question.media;
  if (msg.waits_for_media) {
    if (media) createMedia(media);
    else sendMediaReady();
  } else {
    startClock(msg.time_limit_ms);
  }
  renderPlay({ focus: '[data-testid="question-prompt"]' });
}

function onResult(msg) {
  if (!P.q || msg.seq !== P.q.seq) return;
  stopTicker();
  clearTimeout(P.clockFallback);
  pauseMedia(P.media);
  P.result = msg;
  P.points = msg.total_points;
  P.streak = msg.streak;
  P.phase = 'feedback';
  renderPlay({ focus: '#feedback-heading' });
  announce(`${verdictText(msg)} ${t('fb.points', { n: msg.points })}`);
}

function onSummary(msg) {
  P.summary = msg;
  stopTicker();
  if (store.me && typeof msg.rating_after === 'number') store.me.rating = msg.rating_after;
  // After the last result the player reads the feedback first and taps 查看成绩.
  const readingLast = P.phase === 'feedback' && P.result && P.result.next === 'finished' && !P.wantSummary;
  if (readingLast) return;
  discardMedia();
  P.phase = 'summary';
  renderPlay();
}

function onError(msg) {
  const code = msg.code;
  if (code === 'too_late' || code === 'already_answered') return; // a result came or comes anyway
  const text = t(`wserr.${code}`) !== `wserr.${code}` ? t(`wserr.${code}`) : (msg.message || code);
  toast(text, 'error');
  if (P.phase === 'connecting') {
    // `start` was refused: back to where the player came from.
    const from = P.params && P.params.mode;
    leavePlay();
    go(from === 'review' ? '#/notebook' : from === 'challenge' ? '#/setup/challenge' : '#/setup/practice');
    return;
  }
  if ((code === 'invalid_choice' || code === 'not_current') && P.phase === 'question') {
    P.answered = code === 'not_current';
    refreshOptions();
  }
  if (P.waitingNext && code !== 'invalid_choice') {
    P.waitingNext = false;
    renderPlay({ focus: false });
  }
}

// ---- media --------------------------------------------------------------------------

function createMedia(m) {
  const handle = loadMedia(m, {
    fallbackMs: MEDIA_FALLBACK_MS,
    onSettle: () => { if (P.media === handle) sendMediaReady(); },
    onLate: () => { if (P.media === handle) updateMediaUI(); },
  });
  P.media = handle;
}

function discardMedia() {
  discardMediaHandle(P.media);
  P.media = null;
}

function sendMediaReady() {
  if (P.mediaReadySent || !P.q || P.phase !== 'question') return;
  P.mediaReadySent = true;
  if (P.conn) P.conn.send({ type: 'media_ready', seq: P.q.seq });
  // The server answers clock_started; if it does not, run our bar from the full limit.
  clearTimeout(P.clockFallback);
  const seq = P.q.seq;
  P.clockFallback = setTimeout(() => {
    if (P.q && P.q.seq === seq && !P.clock && P.phase === 'question') startClock(P.q.time_limit_ms);
  }, CLOCK_FALLBACK_MS);
  updateMediaUI();
  refreshOptions();
}

// ---- the clock -----------------------------------------------------------------------

function startClock(remainingMs) {
  clearTimeout(P.clockFallback);
  const total = Math.max(P.q.time_limit_ms || remainingMs, remainingMs);
  P.clock = { deadline: performance.now() + remainingMs, total };
  P.expired = false;
  stopTicker();
  ticker = setInterval(tick, TICK_MS);
  tick();
}

function stopTicker() {
  if (ticker) clearInterval(ticker);
  ticker = null;
}

function tick() {
  if (!P.clock) return;
  const left = Math.max(0, P.clock.deadline - performance.now());
  if (ui.fill) ui.fill.style.transform = `scaleX(${left / P.clock.total})`;
  if (ui.timer) ui.timer.classList.toggle('timer-low', left < 5000);
  if (ui.secs) ui.secs.textContent = t('play.seconds_left', { n: Math.ceil(left / 1000) });
  if (left <= 0 && !P.expired) {
    P.expired = true;
    stopTicker();
    refreshOptions();
  }
}

// ---- answering ---------------------------------------------------------------------

function canAnswer() {
  if (P.phase !== 'question' || P.answered || P.expired || !P.q) return false;
  if (P.q.waits_for_media && !P.mediaReadySent) return false;
  return true;
}

function choose(i) {
  if (!canAnswer()) return;
  if (P.q.question.kind === 'multiple') {
    if (P.selected.has(i)) P.selected.delete(i); else P.selected.add(i);
    refreshOptions();
    return;
  }
  P.selected = new Set([i]);
  sendAnswer([i]);
}

function submitMultiple() {
  if (!canAnswer() || P.selected.size === 0) return;
  sendAnswer([...P.selected].sort((a, b) => a - b));
}

function sendAnswer(choice) {
  P.answered = true;
  P.conn && P.conn.send({ type: 'answer', seq: P.q.seq, choice });
  refreshOptions();
}

function refreshOptions() {
  if (!ui.options || P.phase !== 'question') return;
  const enabled = canAnswer();
  const multiple = P.q.question.kind === 'multiple';
  ui.options.forEach((b, i) => {
    b.disabled = !enabled;
    b.classList.toggle('is-selected', P.selected.has(i));
    if (multiple) b.setAttribute('aria-pressed', String(P.selected.has(i)));
  });
  if (ui.submit) ui.submit.disabled = !enabled || P.selected.size === 0;
  if (ui.status) {
    ui.status.textContent = P.answered ? t('play.submitted') : P.expired ? t('play.time_up') : '';
  }
}

function updateMediaUI() {
  if (!P.media) return;
  updateMediaStatus(P.media, ui);
  if (ui.secs && !P.clock) ui.secs.textContent = t('play.waiting_clock');
}

// ---- views -----------------------------------------------------------------------------

export function renderPlay(opts = {}) {
  if (location.hash !== '#/play') return;
  switch (P.phase) {
    case 'idle': go('#/home'); return;
    case 'connecting': mount(connectingView()); return;
    case 'question':
    case 'feedback': mount(questionView(), { focus: opts.focus === undefined ? 'h1' : opts.focus }); tick(); updateMediaUI(); return;
    case 'summary': mount(summaryView()); return;
    case 'closed': mount(closedView()); return;
    default: go('#/home');
  }
}

function connectingView() {
  return h('section', { class: 'screen center-screen' },
    h('h1', { class: 'visually-hidden' }, t('play.connecting')),
    h('div', { class: 'spinner', 'aria-hidden': 'true' }),
    h('p', { class: 'muted' }, t('play.connecting')),
    h('button', { class: 'btn btn-ghost', type: 'button', onclick: () => { leavePlay(); go('#/home'); } }, t('play.cancel')));
}

function closedView() {
  return h('section', { class: 'screen center-screen' },
    h('h1', null, t('close.title')),
    h('p', { class: 'notice notice-error', role: 'alert' }, P.closed ? P.closed.message : t('close.other')),
    h('div', { class: 'actions' },
      P.params ? h('button', { class: 'btn btn-primary', type: 'button', onclick: () => startSet(P.params) }, t('common.retry')) : null,
      h('button', { class: 'btn btn-ghost', type: 'button', onclick: () => { leavePlay(); go('#/home'); } }, t('common.home'))));
}

function progressText() {
  const mode = (P.set && P.set.mode) || (P.params && P.params.mode);
  if (mode === 'challenge') return t('play.progress.challenge', { n: P.q.seq });
  return t('play.progress', { n: P.q.seq, total: P.q.total });
}

function quit() {
  if (!P.conn) { leavePlay(); go('#/home'); return; }
  if (P.phase === 'question' && !window.confirm(t('play.quit.confirm'))) return;
  P.wantSummary = true;
  P.conn.send({ type: 'finish' });
}

function mediaView() {
  return P.media ? mediaFigure(P.media, ui) : null;
}

function questionView() {
  const q = P.q.question;
  const r = P.result;
  const multiple = q.kind === 'multiple';
  ui = {};

  const top = h('div', { class: 'play-top' },
    h('span', { class: 'play-progress' }, progressText()),
    h('span', { class: 'play-score' }, t('play.score', { n: num(P.points) })),
    h('span', { class: 'play-streak' }, t('play.streak', { n: P.streak })),
    !r || r.next !== 'finished' ? h('button', { class: 'btn-link play-quit', type: 'button', onclick: quit }, t('play.quit')) : null);

  ui.fill = h('div', { class: 'timer-fill' });
  ui.secs = h('span', { class: 'timer-secs' });
  ui.timer = h('div', { class: 'timer', hidden: !!r },
    h('div', { class: 'timer-track', 'aria-hidden': 'true' }, ui.fill), ui.secs);
  if (!P.clock) ui.fill.style.transform = 'scaleX(1)';
  if (!P.clock) ui.secs.textContent = P.q.waits_for_media ? t('play.waiting_clock') : '';

  const prompt = h('h1', { class: 'prompt', testid: 'question-prompt', lang: 'zh-CN', tabindex: '-1' }, q.prompt);
  const kind = h('span', { class: `kind-badge kind-${q.kind}` }, t(`kind.${q.kind}`) === `kind.${q.kind}` ? q.kind : t(`kind.${q.kind}`));

  const correctSet = new Set(r ? r.correct_choice : []);
  const mineSet = new Set(r ? r.your_choice : []);
  ui.options = q.options.map((text, i) => {
    const cls = ['option'];
    let mark = null;
    if (r) {
      if (correctSet.has(i)) cls.push('is-correct');
      if (mineSet.has(i) && !correctSet.has(i)) cls.push('is-wrong');
      if (mineSet.has(i)) cls.push('is-mine');
      if (correctSet.has(i) && mineSet.has(i)) mark = `✓ ${t('fb.mark.mine')} · ${t('fb.mark.correct')}`;
      else if (correctSet.has(i)) mark = `✓ ${t('fb.mark.correct')}`;
      else if (mineSet.has(i)) mark = `✗ ${t('fb.mark.mine_wrong')}`;
    } else if (P.selected.has(i)) {
      cls.push('is-selected');
    }
    return h('button', {
      class: cls.join(' '), type: 'button', testid: `option-${i}`,
      'aria-pressed': multiple && !r ? String(P.selected.has(i)) : null,
      disabled: !!r || !canAnswer(),
      onclick: () => choose(i),
    },
    h('span', { class: 'opt-letter', 'aria-hidden': 'true' }, LETTERS[i] || String(i + 1)),
    h('span', { class: 'opt-body' },
      h('span', { class: 'opt-text', lang: 'zh-CN' }, text),
      mark ? h('span', { class: 'opt-mark' }, mark) : null));
  });

  if (multiple && !r) {
    ui.submit = h('button', { class: 'btn btn-primary btn-block', type: 'button', testid: 'submit-multiple', onclick: submitMultiple, disabled: true }, t('play.submit'));
  }
  ui.status = h('p', { class: 'play-status', 'aria-live': 'polite' });

  const view = h('section', { class: 'screen play', testid: 'play' },
    top,
    ui.timer,
    q.media ? mediaView() : null,
    h('div', { class: 'prompt-head' }, kind, P.set && P.set.relaxed ? h('span', { class: 'relaxed-badge' }, t('setup.relaxed')) : null),
    prompt,
    multiple && !r ? h('p', { class: 'hint' }, t('play.multiple.hint')) : null,
    h('div', { class: 'options', role: 'group', 'aria-label': t('play.options') }, ui.options),
    ui.submit || null,
    r ? null : ui.status,
    r ? feedbackView(r) : null);
  if (!r) refreshOptions();
  return view;
}

function verdictText(r) {
  return r.timed_out ? t('fb.timeout') : r.correct ? t('fb.correct') : t('fb.wrong');
}

function feedbackView(r) {
  const tone = r.correct ? 'ok' : r.timed_out ? 'timeout' : 'bad';
  const icon = r.correct ? '✓' : r.timed_out ? '!' : '✗';
  let actions;
  if (r.next === 'revive_offered') {
    actions = [
      h('p', { class: 'revive-hint' }, t('fb.revive.hint')),
      h('button', { class: 'btn btn-primary', type: 'button', testid: 'feedback-revive', disabled: P.waitingNext, onclick: () => doAction('revive') }, t('fb.revive')),
      h('button', { class: 'btn btn-ghost', type: 'button', testid: 'feedback-finish', disabled: P.waitingNext, onclick: () => doAction('finish') }, t('fb.finish')),
    ];
  } else if (r.next === 'finished') {
    actions = [h('button', { class: 'btn btn-primary btn-block', type: 'button', testid: 'feedback-next', dataset: { action: 'summary' }, onclick: showSummary }, t('fb.summary'))];
  } else {
    actions = [h('button', { class: 'btn btn-primary btn-block', type: 'button', testid: 'feedback-next', dataset: { action: 'next' }, disabled: P.waitingNext, onclick: () => doAction('next') }, P.waitingNext ? t('common.loading') : t('fb.next'))];
  }
  return h('section', { class: `feedback feedback-${tone}`, testid: 'feedback', 'aria-live': 'polite', 'aria-labelledby': 'feedback-heading' },
    h('div', { class: 'feedback-head' },
      h('h2', { id: 'feedback-heading', tabindex: '-1' }, h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, icon), verdictText(r)),
      h('span', { class: 'feedback-points' }, t('fb.points', { n: num(r.points) }))),
    h('p', { class: 'feedback-meta' },
      r.correct ? h('span', null, t('fb.breakdown', { base: num(r.base_points), bonus: num(r.streak_bonus) })) : null,
      !r.timed_out ? h('span', null, t('fb.time', { n: num(r.answer_ms / 1000, 1) })) : null,
      r.streak > 0 ? h('span', null, t('fb.streak', { n: r.streak })) : null),
    r.explanation ? h('div', { class: 'explanation' },
      h('h3', null, t('fb.explanation')),
      h('p', { lang: 'zh-CN' }, r.explanation)) : null,
    r.source ? h('p', { class: 'source', lang: 'zh-CN' }, t('fb.source', { s: r.source })) : null,
    h('div', { class: 'actions' }, actions));
}

function doAction(type) {
  if (!P.conn) { showClosed(t('close.other')); return; }
  P.waitingNext = true;
  if (type === 'finish') P.wantSummary = true;
  P.conn.send({ type });
  const btns = document.querySelectorAll('.feedback .actions button');
  btns.forEach((b) => { b.disabled = true; });
}

function showSummary() {
  P.wantSummary = true;
  if (P.summary) {
    discardMedia();
    P.phase = 'summary';
    renderPlay();
  } else {
    const b = document.querySelector('[data-testid="feedback-next"]');
    if (b) { b.disabled = true; b.textContent = t('common.loading'); }
  }
}

function summaryView() {
  const s = P.summary;
  const mode = s.mode;
  const acc = s.answered ? Math.round((s.correct / s.answered) * 100) : 0;
  const delta = s.rating_after - s.rating_before;
  const title = mode === 'challenge' ? t('sum.title.challenge') : mode === 'review' ? t('sum.title.review') : t('sum.title');
  const stat = (label, value, testid, extra) => h('div', { class: 'stat' },
    h('span', { class: 'stat-value', testid }, value),
    h('span', { class: 'stat-label' }, label), extra || null);
  const missed = s.missed ? s.missed.length : 0;
  return h('section', { class: 'screen summary', testid: 'summary' },
    h('h1', null, title),
    h('p', { class: 'summary-points' }, h('strong', null, num(s.points)), ' ', h('span', null, t('sum.points'))),
    mode === 'challenge' && (s.completed || s.revive_used)
      ? h('p', { class: 'muted center' }, [s.completed ? t('sum.completed') : null, s.revive_used ? t('sum.revive_used') : null].filter(Boolean).join(' · '))
      : null,
    h('div', { class: 'stat-grid' },
      stat(t('sum.answered'), String(s.answered), 'summary-answered'),
      stat(t('sum.correct'), String(s.correct), 'summary-correct'),
      stat(t('sum.accuracy'), `${acc}%`, 'summary-accuracy'),
      stat(t('sum.best_streak'), String(s.best_streak), 'summary-best-streak')),
    h('div', { class: 'rating-line' },
      h('span', null, t('sum.rating')),
      h('span', { class: 'rating-change' },
        `${s.rating_before} → ${s.rating_after}`,
        delta ? h('span', { class: delta > 0 ? 'delta-up' : 'delta-down' }, ` ${delta > 0 ? '+' : ''}${delta}`) : null)),
    h('p', { class: missed ? 'missed' : 'missed missed-none' },
      missed ? t('sum.missed', { n: missed }) : t('sum.missed.none'),
      missed ? h('a', { href: '#/notebook', class: 'missed-link', testid: 'summary-notebook' }, t('sum.to_notebook')) : null),
    h('div', { class: 'actions' },
      h('button', { class: 'btn btn-primary', type: 'button', testid: 'summary-again', onclick: () => startSet(P.params) }, t('sum.again')),
      h('button', { class: 'btn btn-ghost', type: 'button', testid: 'summary-home', onclick: () => { leavePlay(); go('#/home'); } }, t('common.home'))));
}

// ---- set-up screen ------------------------------------------------------------------------

const setupChoice = { history: 'mixed', size: 10, difficulty: 0, relaxed: false };

export async function renderSetup(mode, ctx) {
  const title = t(`setup.title.${mode}`);
  mount(h('section', { class: 'screen' }, backBar(), h('h1', null, title), h('p', { class: 'muted' }, t('common.loading'))));
  let hist = null;
  try { hist = await loadHistories(); } catch (e) { if (!ctx.current()) return; toast(e.message, 'error'); }
  if (!ctx.current()) return;

  const radio = (name, value, label, sub, testid) => h('label', { class: 'chip', testid },
    h('input', { type: 'radio', name, value: String(value), checked: String(setupChoice[name]) === String(value),
      onchange: () => { setupChoice[name] = typeof value === 'number' ? value : value; } }),
    h('span', { class: 'chip-body' }, h('span', { class: 'chip-label' }, label), sub ? h('span', { class: 'chip-sub' }, sub) : null));

  const histories = hist ? hist.histories : HISTORY_IDS.map((id) => ({ id, count: null }));
  const total = hist ? hist.total : null;
  const form = h('form', { class: 'setup', onsubmit: (ev) => {
    ev.preventDefault();
    const p = { mode, history: setupChoice.history, relaxed: setupChoice.relaxed };
    if (mode === 'practice') {
      p.size = setupChoice.size;
      if (setupChoice.difficulty) p.difficulty = setupChoice.difficulty;
    }
    startSet(p);
  } },
  h('fieldset', { class: 'field' },
    h('legend', null, t('setup.history')),
    h('div', { class: 'chips chips-wrap' },
      radio('history', 'mixed', t('history.mixed'), total !== null ? t('common.questions', { n: total }) : null, 'setup-history-mixed'),
      histories.map((x) => radio('history', x.id, historyName(x.id), x.count !== null ? t('common.questions', { n: x.count }) : null, `setup-history-${x.id}`)))),
  mode === 'practice' ? h('fieldset', { class: 'field' },
    h('legend', null, t('setup.size')),
    h('div', { class: 'chips' }, [5, 10, 20].map((n) => radio('size', n, String(n), null, `setup-size-${n}`)))) : null,
  mode === 'practice' ? h('fieldset', { class: 'field' },
    h('legend', null, t('setup.difficulty')),
    h('div', { class: 'chips chips-6' }, [0, 1, 2, 3, 4, 5].map((n) => radio('difficulty', n, n ? String(n) : t('setup.difficulty.any'), null, `setup-difficulty-${n}`)))) : null,
  mode === 'challenge' ? h('p', { class: 'notice' }, t('setup.challenge.rules')) : null,
  h('label', { class: 'switch', testid: 'setup-relaxed' },
    h('input', { type: 'checkbox', role: 'switch', checked: setupChoice.relaxed, onchange: (ev) => { setupChoice.relaxed = ev.target.checked; } }),
    h('span', { class: 'switch-track', 'aria-hidden': 'true' }),
    h('span', { class: 'switch-text' },
      h('span', { class: 'switch-label' }, t('setup.relaxed')),
      h('span', { class: 'switch-hint' }, t('setup.relaxed.hint')))),
  h('button', { class: 'btn btn-primary btn-block btn-large', type: 'submit', testid: 'setup-start' }, t('setup.start')));

  mount(h('section', { class: 'screen' }, backBar(), h('h1', null, title), form));
}

export function backBar(target = '#/home') {
  return h('div', { class: 'back-bar' },
    h('a', { class: 'back-link', href: target }, h('span', { 'aria-hidden': 'true' }, '‹ '), t('common.back')));
}

export function startReview() {
  startSet({ mode: 'review', size: 10 });
}
