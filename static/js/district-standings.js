// A district competition's standings (#/district/standings/ID): every
// taking-part district ranked by competition points, the member's own
// district and contribution, and their district's top contributors.
// GET /api/competitions/{id}/standings (docs/protocol.md §3.10.3), read
// afresh every time the screen is shown and on 刷新.
import { t, num, getLang } from '../i18n.js';
import { h, mount, fill, announce } from './dom.js';
import { get, ApiError } from './api.js';
import { store, go } from './state.js';
import { startQueue } from './district.js';

const pct = (x) => (x === null || x === undefined ? t('common.none') : `${num(x * 100, 1)}%`);

const timeText = (ms) => new Date(ms).toLocaleString(getLang(), {
  month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Shanghai',
});

export function renderStandings(ctx) {
  const id = Number(ctx.param);
  const head = h('div', { class: 'standings-head' });
  const body = h('div', { class: 'standings-body' }, h('p', { class: 'muted loading' }, t('common.loading')));
  const refresh = h('button', {
    class: 'btn btn-ghost btn-small', type: 'button', testid: 'district-standings-refresh',
    onclick: () => load(ctx, id, head, body, refresh, true),
  }, t('district.standings.refresh'));
  mount(h('section', { class: 'screen district-standings', testid: 'district-standings', dataset: { competitionId: String(id), loaded: '0' } },
    h('div', { class: 'back-bar' },
      h('a', { class: 'back-link', href: '#/home' }, h('span', { 'aria-hidden': 'true' }, '‹ '), t('common.back'))),
    h('div', { class: 'standings-title-row' }, h('h1', null, t('district.standings.title')), refresh),
    head,
    body));
  load(ctx, id, head, body, refresh, false);
}

async function load(ctx, id, head, body, refresh, announceIt) {
  refresh.disabled = true;
  let data;
  try {
    data = await get(`/api/competitions/${id}/standings`);
  } catch (err) {
    if (!ctx.current()) return;
    refresh.disabled = false;
    if (err instanceof ApiError && err.status === 401) { store.me = null; go('#/signin'); return; }
    const text = err instanceof ApiError && err.status === 404 ? t('district.standings.not_found') : t('error.load', { msg: err.message });
    fill(body, h('p', { class: 'notice notice-error', role: 'alert', testid: 'district-standings-error' }, text));
    return;
  }
  if (!ctx.current()) return;
  refresh.disabled = false;
  const root = body.closest('[data-testid="district-standings"]');
  if (root) Object.assign(root.dataset, { loaded: '1', status: data.competition.status, at: String(Date.now()) });
  fillHead(head, data);
  fillBody(body, data);
  if (announceIt) announce(t('district.standings.updated'));
}

function fillHead(head, data) {
  const c = data.competition;
  fill(head,
    h('p', { class: 'standings-comp' },
      h('span', { class: `comp-badge comp-badge--${c.status}` }, t(`district.status.${c.status}`)),
      h('strong', { lang: 'zh-CN' }, c.title)),
    h('p', { class: 'muted small' },
      t('district.card.window', { from: timeText(c.starts_at_ms), to: timeText(c.ends_at_ms) }),
      ' · ', t('district.standings.as_of', { time: new Date().toLocaleTimeString(getLang(), { hour12: false }) })));
}

function fillBody(body, data) {
  const c = data.competition;
  const mine = data.my_district;
  const districts = data.districts || [];
  fill(body,
    mine ? myDistrictCard(mine) : h('p', { class: 'notice', testid: 'district-standings-not-taking-part' },
      t('district.card.not_taking_part', { district: store.me ? store.me.district : '' })),
    mine ? contributionCard(data.my_contribution) : null,
    mine && c.status === 'running'
      ? h('button', { class: 'btn btn-primary btn-block', type: 'button', testid: 'district-standings-enter', onclick: () => startQueue(c) }, t('district.enter'))
      : null,
    h('h2', { class: 'section-title' }, t('district.standings.ranking')),
    districts.length
      ? h('ol', { class: 'standings-list', testid: 'district-ranking' }, districts.map((d) => districtRow(d, mine)))
      : h('p', { class: 'empty' }, t('district.standings.empty')),
    mine ? contributors(mine) : null,
    h('p', { class: 'muted small standings-note' }, t('district.standings.note')));
}

function myDistrictCard(d) {
  return h('div', { class: 'card standings-mine', testid: 'district-my-district', dataset: { district: d.district, place: String(d.place), points: String(d.points) } },
    h('span', { class: 'standings-mine-label' }, t('district.standings.my_district')),
    h('div', { class: 'standings-mine-main' },
      h('span', { class: `standings-place place-${d.place <= 3 ? d.place : 'n'}` }, String(d.place)),
      h('strong', { class: 'standings-mine-name' }, d.district),
      h('span', { class: 'standings-mine-points' }, t('district.standings.points', { n: num(d.points) }))),
    h('p', { class: 'standings-mine-meta' }, recordText(d)));
}

function contributionCard(c) {
  if (!c) return null;
  const rank = typeof c.rank_in_district === 'number' ? c.rank_in_district : null;
  const stat = (testid, label, value) => h('div', { class: 'stat', testid }, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));
  return h('section', { class: 'standings-contribution', testid: 'district-my-contribution', dataset: { points: String(c.points), battles: String(c.battles), rank: rank === null ? '' : String(rank) } },
    h('h2', { class: 'section-title' }, t('district.standings.my_contribution')),
    h('div', { class: 'stat-grid standings-stats' },
      stat('district-contribution-points', t('district.standings.contrib_points'), num(c.points)),
      stat('district-contribution-battles', t('district.standings.contrib_battles'), num(c.battles)),
      'rank_in_district' in c
        ? stat('district-contribution-rank', t('district.standings.contrib_rank'), rank === null ? t('common.none') : t('ladder.place', { n: rank }))
        : null));
}

/** "9 场 · 6 胜 2 平 1 负 · 参与率 1.3% · 正确率 81.0%" */
function recordText(d) {
  return [
    t('district.standings.record', { battles: d.battles, w: d.wins, d: d.draws, l: d.losses }),
    t('district.standings.participation', { rate: pct(d.participation_rate), n: num(d.participants), all: num(d.registered) }),
    t('district.standings.accuracy', { rate: pct(d.accuracy) }),
  ].join(' · ');
}

function districtRow(d, mine) {
  const isMine = !!mine && mine.district === d.district;
  return h('li', {
    class: `standings-row${isMine ? ' is-me' : ''}`, testid: 'district-row',
    dataset: { district: d.district, place: String(d.place), points: String(d.points), me: isMine ? '1' : '0' },
  },
  h('span', { class: `standings-place place-${d.place <= 3 ? d.place : 'n'}` }, String(d.place)),
  h('span', { class: 'standings-who' },
    h('span', { class: 'standings-name' }, d.district, isMine ? h('span', { class: 'standings-mine-tag' }, t('district.standings.mine_tag')) : null),
    h('span', { class: 'standings-meta' },
      h('span', null, t('district.standings.record', { battles: d.battles, w: d.wins, d: d.draws, l: d.losses })),
      h('span', null, t('district.standings.participation_short', { rate: pct(d.participation_rate) })),
      h('span', null, t('district.standings.accuracy', { rate: pct(d.accuracy) })))),
  h('span', { class: 'standings-points' }, h('strong', null, num(d.points)), h('span', { class: 'muted small' }, t('district.standings.points_unit'))));
}

function contributors(d) {
  const list = d.top_contributors || [];
  const myId = store.me && store.me.id;
  return h('section', { class: 'standings-contributors', testid: 'district-top-contributors' },
    h('h2', { class: 'section-title' }, t('district.standings.top', { district: d.district })),
    list.length
      ? h('ol', { class: 'lb-list' }, list.map((c) => h('li', {
        class: c.member_id === myId ? 'lb-row is-me' : 'lb-row', testid: 'district-contributor',
        dataset: { place: String(c.place), member: String(c.member_id), points: String(c.points) },
      },
      h('span', { class: `lb-rank rank-${c.place <= 3 ? c.place : 'n'}` }, String(c.place)),
      h('span', { class: 'lb-who' },
        h('span', { class: 'lb-name' }, c.nickname, c.member_id === myId ? t('lb.you') : ''),
        h('span', { class: 'lb-district' }, t('district.standings.contrib_row', { n: c.battles }))),
      h('span', { class: 'lb-score' }, num(c.points)))))
      : h('p', { class: 'empty', testid: 'district-top-empty' }, t('district.standings.top_empty')));
}
