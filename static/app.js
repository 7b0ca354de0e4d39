// dati web client: boot, routing, header.
import { t, getLang, setLang } from './i18n.js';
import { h, toast } from './js/dom.js';
import { get, ApiError } from './js/api.js';
import { store, go, rememberNext } from './js/state.js';
import { renderPlay, renderSetup, leavePlay, inPlay } from './js/play.js';
import { renderSignin, renderHome, renderNotebook, renderLeaderboard, renderStats } from './js/screens.js';
import { renderLobby, renderQueue, renderRoom, renderJoin, renderMatch } from './js/duel.js';
import { renderLadderHome, renderLadderQueue, renderRace } from './js/ladder.js';
import { renderDistrictQueue, renderBattle } from './js/district.js';
import { renderStandings } from './js/district-standings.js';
import { inSession, leaveSession, confirmLeaveMatch } from './js/match.js';

const ROUTES = {
  signin: { auth: false, render: renderSignin, title: 'signin.title' },
  home: { auth: true, render: renderHome, title: 'home.title' },
  'setup/practice': { auth: true, render: (ctx) => renderSetup('practice', ctx), title: 'setup.title.practice' },
  'setup/challenge': { auth: true, render: (ctx) => renderSetup('challenge', ctx), title: 'setup.title.challenge' },
  play: { auth: true, render: () => renderPlay(), title: 'app.title' },
  notebook: { auth: true, render: renderNotebook, title: 'nb.title' },
  leaderboard: { auth: true, render: renderLeaderboard, title: 'lb.title' },
  stats: { auth: true, render: renderStats, title: 'st.title' },
  duel: { auth: true, render: renderLobby, title: 'duel.title' },
  'duel/queue': { auth: true, render: renderQueue, title: 'duel.queue.title' },
  'duel/room': { auth: true, render: renderRoom, title: 'duel.room.title' },
  'duel/match': { auth: true, render: renderMatch, title: 'duel.title' },
  ladder: { auth: true, render: renderLadderHome, title: 'ladder.title' },
  'ladder/queue': { auth: true, render: renderLadderQueue, title: 'ladder.queue.title' },
  'ladder/race': { auth: true, render: renderRace, title: 'ladder.title' },
  'district/queue': { auth: true, render: renderDistrictQueue, title: 'district.queue.title' },
  'district/battle': { auth: true, render: renderBattle, title: 'district.title' },
  // #/district/standings/ID (see resolve()).
  'district/standings': { auth: true, render: renderStandings, title: 'district.standings.title' },
  // #/room/CODE: the link of a friend room (see resolve()).
  room: { auth: true, render: (ctx) => renderJoin(ctx.param), title: 'duel.join.title' },
};

// Routes of the match modes share one session (match.js): moving between them
// keeps the socket; leaving them all leaves the queue or match and closes it.
// A district's standings are a plain page: the battle is over by then.
const isMatchRoute = (name) => /^(duel|ladder|district\/(queue|battle))(\/|$)/.test(name || '') || name === 'room';
const isMatchScreen = (name) => name === 'duel/match' || name === 'ladder/race' || name === 'district/battle';
// Routes that need their parameter (#/room/CODE, #/district/standings/ID).
const PARAM_ROUTES = { room: /^room\/([A-Za-z0-9]{1,16})$/, 'district/standings': /^district\/standings\/(\d{1,18})$/ };

let token = 0;
function makeCtx(extra = {}) {
  const mine = ++token;
  return { current: () => mine === token, refresh: (more) => makeCtx(more), ...extra };
}

let prevRoute = null;

/** The route of the current hash: {name, param, hash} or null. */
function resolve() {
  const raw = location.hash.replace(/^#\/?/, '');
  if (ROUTES[raw] && !PARAM_ROUTES[raw]) return { name: raw, param: null, hash: `#/${raw}` };
  for (const [name, re] of Object.entries(PARAM_ROUTES)) {
    const m = raw.match(re);
    if (m) return { name, param: m[1], hash: `#/${name}/${m[1]}` };
  }
  return null;
}

function routeName() {
  const r = resolve();
  return r ? r.name : null;
}

function render() {
  let r = resolve();
  if (!r) r = { name: store.me ? 'home' : 'signin', param: null };
  let { name } = r;
  const route = ROUTES[name];
  if (route.auth && !store.me) {
    // A room link opened before signing in: continue to the room afterwards.
    if (name === 'room') rememberNext(r.hash);
    name = 'signin';
  }
  if (name === 'signin' && store.me) { name = 'home'; }
  const hash = name === r.name && r.hash ? r.hash : `#/${name}`;
  if (hash !== location.hash) {
    history.replaceState(null, '', hash);
  }
  if (prevRoute === 'play' && name !== 'play' && inPlay()) leavePlay();
  if (isMatchRoute(prevRoute) && !isMatchRoute(name) && inSession()) {
    if (isMatchScreen(prevRoute) && store.me && !confirmLeaveMatch()) {
      history.replaceState(null, '', `#/${prevRoute}`); // stay in the match
      return;
    }
    leaveSession();
  }
  prevRoute = name;
  document.title = name === 'signin' || name === 'home' ? t('app.title') : `${t(ROUTES[name].title)} · ${t('app.title')}`;
  renderHeader();
  ROUTES[name].render(makeCtx({ param: name === r.name ? r.param : null }));
}

function renderHeader() {
  const header = document.getElementById('topbar');
  const zh = getLang() === 'zh-CN';
  header.replaceChildren(
    h('a', { class: 'brand', href: '#/home' },
      h('img', { src: '/favicon.svg', alt: '', width: 28, height: 28 }),
      h('span', null, t('app.title'))),
    h('button', {
      class: 'lang-toggle', type: 'button', testid: 'lang-toggle', 'aria-label': t('lang.toggle'),
      onclick: () => { setLang(zh ? 'en' : 'zh-CN'); rerender(); },
    },
    h('span', { class: zh ? 'is-current' : '' }, '中'),
    h('span', { 'aria-hidden': 'true' }, '/'),
    h('span', { class: zh ? '' : 'is-current' }, 'EN')));
}

/** Re-render the current screen in place (language change). */
function rerender() {
  const name = routeName();
  renderHeader();
  document.getElementById('sr-live').textContent = '';
  if (name === 'play') renderPlay({ focus: false });
  else render();
  const toggle = document.querySelector('[data-testid="lang-toggle"]');
  if (toggle) toggle.focus();
}

async function boot() {
  setLang(getLang());
  renderHeader();
  try {
    store.me = await get('/api/me');
  } catch (err) {
    store.me = null;
    if (!(err instanceof ApiError && err.status === 401)) toast(err.message, 'error');
  }
  // A fresh page load cannot resume a set (the socket is gone).
  if (routeName() === 'play') history.replaceState(null, '', '#/home');
  window.addEventListener('hashchange', render);
  render();
}

boot();
