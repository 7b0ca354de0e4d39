// dati organizer console: boot, routing (#/page?filters), header and navigation.
// Each page lives in its own module under js/pages/.
import { t, getLang, setLang } from './i18n.js';
import { h, fill, toast, announce } from '/js/dom.js';
import { api, get, qs, onUnauthorized, ApiError } from './js/api.js';
import { destroyCharts } from './js/charts.js';
import { renderSignin } from './js/pages/signin.js';
import { renderOverview } from './js/pages/overview.js';
import { renderBank } from './js/pages/bank.js';
import { renderImport } from './js/pages/import.js';
import { renderQuestions } from './js/pages/questions.js';
import { renderMembers } from './js/pages/members.js';
import { renderDistricts } from './js/pages/districts.js';
import { renderHistories } from './js/pages/histories.js';
import { renderDays } from './js/pages/days.js';
import { renderLadder } from './js/pages/ladder.js';
import { renderDistrictAdmin } from './js/pages/district_admin.js';
import { renderCompetitions } from './js/pages/competitions.js';

const PAGES = {
  overview: renderOverview,
  bank: renderBank,
  import: renderImport,
  questions: renderQuestions,
  members: renderMembers,
  districts: renderDistricts,
  histories: renderHistories,
  days: renderDays,
  ladder: renderLadder,
  'district-admin': renderDistrictAdmin,
  competitions: renderCompetitions,
};

const state = { me: null, next: null };

/** {name, params} of the current hash, e.g. #/questions?flag=too_easy. */
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [name, query] = raw.split('?');
  return { name: name || '', params: new URLSearchParams(query || '') };
}

let token = 0;

function render() {
  let { name, params } = parseHash();
  if (!state.me) {
    if (name !== 'signin' && PAGES[name]) state.next = location.hash;
    name = 'signin';
    params = new URLSearchParams();
  } else if (!PAGES[name]) {
    name = 'overview';
  }
  const hash = name === parseHash().name ? location.hash : `#/${name}`;
  if (hash !== location.hash) history.replaceState(null, '', hash);

  destroyCharts();
  const mine = ++token;
  const ctx = {
    params,
    current: () => mine === token,
    /** Records the page's filters in the address (no re-render). */
    setParams: (obj) => {
      if (mine !== token) return;
      history.replaceState(null, '', `#/${name}${qs(obj)}`);
    },
    rerender: render,
  };
  document.title = name === 'signin' ? t('app.title') : `${t(`nav.${name}`)} · ${t('app.title')}`;
  renderHeader();
  renderNav(name);
  document.body.classList.toggle('signed-out', !state.me);
  if (name === 'signin') {
    renderSignin(ctx, { onSignedIn });
  } else {
    PAGES[name](ctx);
  }
}

function onSignedIn(organizer) {
  state.me = organizer;
  const next = state.next;
  state.next = null;
  announce(t('header.signed_in', { name: organizer.name }));
  if (next && next !== location.hash) location.hash = next;
  else if (location.hash !== '#/overview') location.hash = '#/overview';
  else render();
}

async function signOut() {
  try {
    await api('DELETE', '/api/admin/session');
  } catch (err) {
    toast(err.message, 'error');
    return;
  }
  state.me = null;
  state.next = null;
  toast(t('signout.done'), 'ok');
  if (location.hash !== '#/signin') location.hash = '#/signin';
  else render();
}

function renderHeader() {
  const zh = getLang() === 'zh-CN';
  fill(document.getElementById('topbar'),
    h('a', { class: 'brand', href: state.me ? '#/overview' : '#/signin' },
      h('img', { src: '/favicon.svg', alt: '', width: 28, height: 28 }),
      h('span', null, t('app.brand')),
      h('span', { class: 'brand-sub' }, t('app.console'))),
    h('div', { class: 'topbar-right' },
      state.me ? h('span', { class: 'who', title: t('header.signed_in', { name: state.me.name }) },
        h('span', { class: 'who-icon', 'aria-hidden': 'true' }, '●'),
        h('span', { class: 'visually-hidden' }, t('header.signed_in', { name: '' })),
        h('span', { testid: 'admin-name' }, state.me.name)) : null,
      h('button', {
        class: 'lang-toggle', type: 'button', testid: 'lang-toggle', 'aria-label': t('lang.toggle'),
        onclick: () => {
          setLang(zh ? 'en' : 'zh-CN');
          render();
          document.querySelector('[data-testid="lang-toggle"]')?.focus();
        },
      },
      h('span', { class: zh ? 'is-current' : '' }, '中'),
      h('span', { 'aria-hidden': 'true' }, '/'),
      h('span', { class: zh ? '' : 'is-current' }, 'EN')),
      state.me ? h('button', { type: 'button', class: 'btn btn-small btn-on-dark', testid: 'signout', onclick: signOut }, t('signout')) : null));
}

function renderNav(current) {
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav.label'));
  if (!state.me) { nav.replaceChildren(); return; }
  fill(nav, h('ul', null, Object.keys(PAGES).map((name) => h('li', null,
    h('a', {
      href: `#/${name}`, testid: `nav-${name}`,
      class: name === current ? 'is-current' : null,
      'aria-current': name === current ? 'page' : null,
    }, t(`nav.${name}`))))));
}

onUnauthorized(() => {
  if (!state.me) return;
  state.me = null;
  toast(t('error.expired'), 'error');
  render();
});

async function boot() {
  setLang(getLang());
  try {
    state.me = await get('/api/admin/me');
  } catch (err) {
    state.me = null;
    if (!(err instanceof ApiError && err.status === 401)) toast(err.message, 'error');
  }
  window.addEventListener('hashchange', render);
  render();
}

boot();
