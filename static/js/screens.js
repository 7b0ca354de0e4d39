// Screens outside play: sign-in, home, notebook, leaderboard, stats.
import { t, num, getLang } from '../i18n.js';
import { h, mount, toast, fill } from './dom.js';
import { api, get, ApiError } from './api.js';
import { store, go, historyName, loadHistories, HISTORY_IDS, LETTERS, peekNext, takeNext } from './state.js';
import { backBar, startReview } from './play.js';
import { tierBadge, tierName } from './tier.js';
import { ladderInfo } from './ladder.js';
import { boardState, ladderBoardSection } from './ladder-board.js';
import { districtSection } from './district.js';

/** Handle a failed REST call: 401 goes to sign-in, anything else is shown. */
function failed(err, ctx, box) {
  if (!ctx.current()) return;
  if (err instanceof ApiError && err.status === 401) {
    store.me = null;
    go('#/signin');
    return;
  }
  const msg = t('error.load', { msg: err.message });
  if (box) fill(box, h('p', { class: 'notice notice-error', role: 'alert' }, msg));
  else toast(msg, 'error');
}

function loading() {
  return h('p', { class: 'muted loading' }, t('common.loading'));
}

// ---- sign-in ----------------------------------------------------------------------

export async function renderSignin(ctx) {
  const error = h('p', { class: 'form-error', id: 'signin-error', role: 'alert' });
  const nickname = h('input', {
    id: 'signin-nickname', testid: 'signin-nickname', type: 'text', name: 'nickname',
    autocomplete: 'nickname', required: true, 'aria-describedby': 'signin-nickname-hint signin-error',
    enterkeyhint: 'next',
  });
  const district = h('select', { id: 'signin-district', testid: 'signin-district', name: 'district', required: true, 'aria-describedby': 'signin-error' },
    h('option', { value: '' }, t('common.loading')));
  const submit = h('button', { class: 'btn btn-primary btn-block btn-large', type: 'submit', testid: 'signin-submit' }, t('signin.submit'));

  const form = h('form', { class: 'card form', novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const nick = nickname.value.trim();
    if (!nick) { error.textContent = t('signin.need_nickname'); nickname.focus(); return; }
    if (!district.value) { error.textContent = t('signin.need_district'); district.focus(); return; }
    submit.disabled = true;
    submit.textContent = t('signin.submitting');
    try {
      const res = await api('POST', '/api/session', { nickname: nick, district: district.value });
      store.me = res.member;
      go(takeNext() || '#/home');
    } catch (err) {
      error.textContent = err.message;
      submit.disabled = false;
      submit.textContent = t('signin.submit');
      nickname.focus();
    }
  } },
  h('h2', null, t('signin.title')),
  h('p', { class: 'muted' }, t('signin.intro')),
  roomNotice(),
  h('div', { class: 'field' },
    h('label', { for: 'signin-nickname' }, t('signin.nickname')),
    nickname,
    h('p', { class: 'hint', id: 'signin-nickname-hint' }, t('signin.nickname.hint'))),
  h('div', { class: 'field' },
    h('label', { for: 'signin-district' }, t('signin.district')),
    district),
  error,
  submit);

  mount(h('section', { class: 'screen signin' },
    h('div', { class: 'hero' },
      h('img', { src: '/favicon.svg', alt: '', class: 'hero-logo', width: 64, height: 64 }),
      h('h1', null, t('app.title')),
      h('p', { class: 'hero-sub' }, t('app.subtitle'))),
    form), { focus: false });

  try {
    const { districts } = await get('/api/districts');
    if (!ctx.current()) return;
    fill(district,
      h('option', { value: '' }, t('signin.district.choose')),
      districts.map((d) => h('option', { value: d }, d)));
  } catch (err) {
    if (!ctx.current()) return;
    fill(district, h('option', { value: '' }, '—'));
    error.textContent = err.message;
  }
}

/** On sign-in after opening a room link: say where the player goes next. */
function roomNotice() {
  const next = peekNext();
  const m = next && next.match(/^#\/room\/([A-Za-z0-9]+)$/);
  return m ? h('p', { class: 'notice', testid: 'signin-room-notice' }, t('signin.then_room', { code: m[1].toUpperCase() })) : null;
}

// ---- home -----------------------------------------------------------------------------

export function renderHome(ctx) {
  const me = store.me;
  const dueSlot = h('span', { class: 'mode-badge', hidden: true });
  const card = (testid, icon, title, desc, onclick, extra) => h('button', {
    class: 'mode-card', type: 'button', testid, onclick,
  },
  h('span', { class: 'mode-icon', 'aria-hidden': 'true' }, icon),
  h('span', { class: 'mode-text' },
    h('span', { class: 'mode-title' }, title),
    h('span', { class: 'mode-desc' }, desc)),
  extra || null);
  const soon = (testid, icon, title) => h('button', { class: 'mode-card mode-soon', type: 'button', testid, disabled: true, 'aria-disabled': 'true' },
    h('span', { class: 'mode-icon', 'aria-hidden': 'true' }, icon),
    h('span', { class: 'mode-text' },
      h('span', { class: 'mode-title' }, title),
      h('span', { class: 'mode-desc' }, t('home.soon'))),
    h('span', { class: 'soon-badge' }, t('home.soon')));

  const tierSlot = h('a', { class: 'greeting-tier', href: '#/ladder', testid: 'home-tier', hidden: true });
  const ladderSlot = h('span', { class: 'mode-rank', hidden: true });
  // District PK is played in competitions: their cards above the modes are
  // its entrance; without one the mode shows as not open yet.
  const districtSoon = soon('mode-district', '区', t('mode.district'));
  const competitions = districtSection(ctx, (n) => { districtSoon.hidden = n > 0; });
  mount(h('section', { class: 'screen home' },
    h('div', { class: 'greeting card' },
      h('div', { class: 'greeting-row' },
        h('div', { class: 'greeting-main' },
          h('h1', null, t('home.greeting', { name: me.nickname })),
          h('p', { class: 'greeting-meta' },
            h('span', { class: 'district-tag' }, me.district),
            h('span', null, t('home.rating', { n: me.rating })))),
        tierSlot)),
    competitions,
    h('h2', { class: 'section-title' }, t('home.modes')),
    h('div', { class: 'mode-grid' },
      card('mode-practice', '练', t('mode.practice'), t('mode.practice.desc'), () => go('#/setup/practice')),
      card('mode-challenge', '挑', t('mode.challenge'), t('mode.challenge.desc'), () => go('#/setup/challenge')),
      card('mode-notebook', '错', t('mode.notebook'), t('mode.notebook.desc'), () => go('#/notebook'), dueSlot),
      card('mode-leaderboard', '榜', t('mode.leaderboard'), t('mode.leaderboard.desc'), () => go('#/leaderboard')),
      card('mode-stats', '绩', t('mode.stats'), t('mode.stats.desc'), () => go('#/stats')),
      card('mode-duel', '双', t('mode.duel'), t('mode.duel.desc'), () => go('#/duel')),
      card('mode-ladder', '争', t('mode.ladder'), t('mode.ladder.desc'), () => go('#/ladder'), ladderSlot),
      districtSoon),
    h('p', { class: 'signout' },
      h('button', { class: 'btn-link', type: 'button', testid: 'signout', onclick: signOut }, t('home.signout')))));

  ladderInfo().then((info) => {
    if (!ctx.current() || !info) return;
    fill(tierSlot, tierBadge(info.rank, { size: 'md' }));
    tierSlot.setAttribute('aria-label', t('home.tier', { tier: tierName(info.rank.tier, info.rank.tier_name) }));
    tierSlot.hidden = false;
    fill(ladderSlot, tierBadge(info.rank, { size: 'xs', stars: false }));
    ladderSlot.hidden = false;
  }).catch(() => { /* the badge is a nicety: the home works without it */ });

  get('/api/notebook').then((nb) => {
    if (!ctx.current()) return;
    if (nb && nb.due > 0) {
      dueSlot.textContent = t('mode.notebook.due', { n: nb.due });
      dueSlot.hidden = false;
    }
  }).catch((err) => failed(err, ctx, null));
}

async function signOut() {
  try { await api('DELETE', '/api/session'); } catch (err) { toast(err.message, 'error'); return; }
  store.me = null;
  go('#/signin');
}

// ---- notebook -----------------------------------------------------------------------

export async function renderNotebook(ctx) {
  const body = h('div', { class: 'nb-body' }, loading());
  mount(h('section', { class: 'screen notebook', testid: 'notebook' },
    backBar(), h('h1', null, t('nb.title')), body));
  let nb;
  try {
    nb = await get('/api/notebook');
  } catch (err) { failed(err, ctx, body); return; }
  if (!ctx.current()) return;
  const entries = nb.entries || [];
  if (!entries.length) {
    fill(body, h('div', { class: 'empty', testid: 'notebook-empty' },
      h('p', { class: 'empty-icon', 'aria-hidden': 'true' }, '✓'),
      h('p', null, t('nb.empty')),
      h('a', { class: 'btn btn-primary', href: '#/setup/practice' }, t('mode.practice'))));
    return;
  }
  fill(body,
    h('p', { class: 'muted' }, t('nb.intro')),
    h('div', { class: 'nb-actions' },
      h('span', { class: 'nb-due' }, t('nb.due', { n: nb.due })),
      h('button', { class: 'btn btn-primary', type: 'button', testid: 'notebook-review', onclick: startReview }, t('nb.review'))),
    h('ol', { class: 'nb-list' }, entries.map(entryView)));
}

function entryView(e) {
  const answer = new Set(e.answer || []);
  const date = new Date(e.due_at_ms).toLocaleDateString(getLang(), { month: 'numeric', day: 'numeric' });
  return h('li', { class: 'nb-entry card' },
    h('div', { class: 'nb-head' },
      h('span', { class: 'history-tag' }, historyName(e.history)),
      h('span', { class: `kind-badge kind-${e.kind}` }, t(`kind.${e.kind}`)),
      e.due ? h('span', { class: 'due-badge' }, t('nb.due_badge')) : h('span', { class: 'muted small' }, t('nb.next_review', { d: date })),
      h('span', { class: 'muted small nb-count' }, t('nb.wrong_count', { n: e.wrong_count }))),
    h('p', { class: 'nb-prompt', lang: 'zh-CN' }, e.prompt),
    e.media ? notebookMedia(e.media) : null,
    h('ul', { class: 'nb-options', 'aria-label': t('play.options') },
      (e.options || []).map((o, i) => h('li', { class: answer.has(i) ? 'nb-opt is-answer' : 'nb-opt' },
        h('span', { class: 'opt-letter', 'aria-hidden': 'true' }, LETTERS[i] || String(i + 1)),
        h('span', { class: 'opt-body' },
          h('span', { lang: 'zh-CN' }, o),
          answer.has(i) ? h('span', { class: 'opt-mark' }, `✓ ${t('nb.answer')}`) : null)))),
    e.explanation ? h('div', { class: 'explanation nb-expl' },
      h('h3', null, t('fb.explanation')),
      h('p', { lang: 'zh-CN' }, e.explanation)) : null,
    e.source ? h('p', { class: 'source', lang: 'zh-CN' }, t('fb.source', { s: e.source })) : null);
}

function notebookMedia(m) {
  let el = null;
  if (m.kind === 'image') el = h('img', { src: m.url, alt: m.alt || '', loading: 'lazy', class: 'media-img' });
  else if (m.kind === 'audio') el = h('audio', { src: m.url, controls: true, preload: 'none', class: 'media-audio' });
  else if (m.kind === 'video') el = h('video', { src: m.url, controls: true, preload: 'none', playsinline: true, class: 'media-video', 'aria-label': m.alt || null });
  return h('figure', { class: `media media--${m.kind}` }, el,
    m.caption ? h('figcaption', { class: 'media-caption', lang: 'zh-CN' }, m.caption) : null,
    m.alt && m.kind !== 'image' ? h('details', { class: 'media-alt' },
      h('summary', null, m.kind === 'audio' ? t('play.media.transcript') : t('play.media.description')),
      h('p', { lang: 'zh-CN' }, m.alt)) : null);
}

// ---- leaderboard ----------------------------------------------------------------------

const lb = { board: 'overall', period: 'week' };

export async function renderLeaderboard(ctx) {
  const views = h('div', { class: 'tabs tabs-view', role: 'group', 'aria-label': t('lb.view') },
    ['points', 'ladder'].map((v) => h('button', {
      class: boardState.view === v ? 'tab is-active' : 'tab', type: 'button', testid: `lb-view-${v}`,
      'aria-pressed': String(boardState.view === v),
      onclick: () => { boardState.view = v; renderLeaderboard(ctx.refresh({ focusTestid: `lb-view-${v}` })); },
    }, t(`lb.view.${v}`))));
  if (boardState.view === 'ladder') {
    const rerender = (focusTestid) => renderLeaderboard(ctx.refresh({ focusTestid }));
    mount(h('section', { class: 'screen leaderboard', testid: 'leaderboard' },
      backBar(), h('h1', null, t('lb.title')), views,
      ladderBoardSection(ctx, rerender, failed)), { focus: ctx.focusTestid ? `[data-testid="${ctx.focusTestid}"]` : undefined });
    return;
  }
  const body = h('div', { class: 'lb-body' }, loading());
  const tabs = (name, values, label) => h('div', { class: 'tabs', role: 'group', 'aria-label': label },
    values.map((v) => h('button', {
      class: lb[name] === v ? 'tab is-active' : 'tab', type: 'button', testid: `lb-${name}-${v}`,
      'aria-pressed': String(lb[name] === v),
      onclick: () => { lb[name] = v; renderLeaderboard(ctx.refresh({ focusTestid: `lb-${name}-${v}` })); },
    }, t(`lb.${name}.${v}`))));
  mount(h('section', { class: 'screen leaderboard', testid: 'leaderboard' },
    backBar(), h('h1', null, t('lb.title')), views,
    tabs('board', ['overall', 'solo', 'duel', 'duel_rating'], t('lb.board')),
    // The duel rating is one standing, not a sum over a period.
    lb.board === 'duel_rating' ? null : tabs('period', ['day', 'week', 'all_time'], t('lb.period')),
    body), { focus: ctx.focusTestid ? `[data-testid="${ctx.focusTestid}"]` : undefined });
  let data;
  try {
    const period = lb.board === 'duel_rating' ? 'all_time' : lb.period;
    data = await get(`/api/leaderboard?board=${lb.board}&period=${period}&limit=50`);
  } catch (err) { failed(err, ctx, body); return; }
  if (!ctx.current()) return;
  const myId = store.me && store.me.id;
  const row = (r) => h('li', { class: r.member_id === myId ? 'lb-row is-me' : 'lb-row' },
    h('span', { class: `lb-rank rank-${r.rank <= 3 ? r.rank : 'n'}` }, String(r.rank)),
    h('span', { class: 'lb-who' },
      h('span', { class: 'lb-name' }, r.nickname, r.member_id === myId ? t('lb.you') : ''),
      h('span', { class: 'lb-district' }, r.district)),
    h('span', { class: 'lb-score' }, num(r.score)));
  const top = data.top || [];
  const me = data.me;
  const meInTop = me && top.some((r) => r.member_id === me.member_id);
  fill(body,
    h('div', { class: 'lb-me card', testid: 'leaderboard-me' },
      h('span', { class: 'lb-me-label' }, t('lb.me')),
      me ? h('span', { class: 'lb-me-value' },
        h('strong', null, t('lb.me.rank', { n: me.rank })), ' · ', me.nickname, ' · ', num(me.score))
        : h('span', { class: 'lb-me-value muted' }, t('lb.me.none'))),
    top.length
      ? h('ol', { class: 'lb-list', testid: 'leaderboard-top' }, top.map(row))
      : h('p', { class: 'empty' }, t('lb.empty')),
    me && !meInTop && data.around_me && data.around_me.length
      ? [h('h2', { class: 'section-title' }, t('lb.around')), h('ol', { class: 'lb-list' }, data.around_me.map(row))]
      : null,
    typeof data.ranked === 'number' ? h('p', { class: 'muted small center' }, t('lb.ranked', { n: data.ranked })) : null);
}

// ---- stats ----------------------------------------------------------------------------

export async function renderStats(ctx) {
  const body = h('div', { class: 'st-body' }, loading());
  mount(h('section', { class: 'screen stats', testid: 'stats' }, backBar(), h('h1', null, t('st.title')), body));
  let s;
  try {
    [s] = await Promise.all([get('/api/me/stats'), loadHistories().catch(() => null)]);
  } catch (err) { failed(err, ctx, body); return; }
  if (!ctx.current()) return;
  const acc = (c, a) => (a ? Math.round((c / a) * 100) : 0);
  const stat = (label, value) => h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));
  const byHistory = new Map((s.by_history || []).map((x) => [x.history, x]));
  const ids = [...HISTORY_IDS, ...[...byHistory.keys()].filter((k) => !HISTORY_IDS.includes(k))];
  fill(body,
    h('div', { class: 'stat-grid' },
      stat(t('st.answered'), num(s.answered)),
      stat(t('st.correct'), num(s.correct)),
      stat(t('st.accuracy'), `${acc(s.correct, s.answered)}%`),
      stat(t('st.points'), num(s.points)),
      stat(t('st.mean_time'), s.mean_answer_ms === null || s.mean_answer_ms === undefined || !s.answered ? t('common.none') : t('common.seconds', { n: num(s.mean_answer_ms / 1000, 1) })),
      stat(t('st.best_streak'), num(s.best_streak)),
      typeof s.sets_finished === 'number' ? stat(t('st.sets'), num(s.sets_finished)) : null),
    !s.answered ? h('p', { class: 'empty' }, t('st.empty')) : null,
    h('h2', { class: 'section-title' }, t('st.by_history')),
    h('ul', { class: 'bars' }, ids.map((id) => {
      const x = byHistory.get(id) || { answered: 0, correct: 0 };
      const pct = acc(x.correct, x.answered);
      return h('li', { class: 'bar-row' },
        h('div', { class: 'bar-head' },
          h('span', null, historyName(id)),
          h('span', { class: 'muted' }, `${t('st.by_history.row', { correct: x.correct, answered: x.answered })} · ${pct}%`)),
        h('div', { class: 'bar-track', role: 'img', 'aria-label': `${historyName(id)} ${pct}%` },
          h('div', { class: 'bar-fill', style: { width: `${pct}%` } })));
    })));
}
