// The 争上游 season boards on the leaderboard page: 总榜 (everyone who raced
// this season) and one board per tier, with the season's dates, tier badges
// and the member's own place. GET /api/leaderboard?board=ladder[_TIER].
import { t, num, getLang } from '../i18n.js';
import { h, fill } from './dom.js';
import { get } from './api.js';
import { store, go } from './state.js';
import { TIER_IDS, tierBadge, tierEmblem, tierName, rankLabel } from './tier.js';

/** What the leaderboard page shows: the points boards or the ladder's. */
export const boardState = {
  view: 'points',  // points | ladder
  tier: 'all',     // all | bronze … king
  season: null,    // a past season's id; null for the current one
};

/** Open the leaderboard page on the ladder's season boards. */
export function openLadderBoard(tier = 'all') {
  boardState.view = 'ladder';
  boardState.tier = tier;
  go('#/leaderboard');
}

/**
 * The ladder section; `rerender(focusTestid)` draws the page again after a
 * tab or the season changed.
 */
export function ladderBoardSection(ctx, rerender, failed) {
  const body = h('div', { class: 'lb-ladder-body' }, h('p', { class: 'muted loading' }, t('common.loading')));
  const seasonSlot = h('div', { class: 'lb-ladder-season', testid: 'lb-ladder-season' });
  const tab = (id) => h('button', {
    class: boardState.tier === id ? 'tab is-active' : 'tab', type: 'button', testid: `lb-ladder-tab-${id}`,
    'aria-pressed': String(boardState.tier === id),
    onclick: () => { boardState.tier = id; rerender(`lb-ladder-tab-${id}`); },
  },
  id === 'all' ? null : tierEmblem(id, 16),
  h('span', null, id === 'all' ? t('lb.ladder.all') : tierName(id)));
  const section = h('section', { class: 'lb-ladder', testid: 'lb-ladder', dataset: { tier: boardState.tier } },
    h('h2', { class: 'lb-ladder-title' }, t('lb.ladder.title')),
    seasonSlot,
    h('div', { class: 'tabs tabs-scroll', role: 'group', 'aria-label': t('lb.ladder.tiers') }, ['all', ...TIER_IDS].map(tab)),
    body);
  load(ctx, body, seasonSlot, rerender, failed);
  return section;
}

async function load(ctx, body, seasonSlot, rerender, failed) {
  const board = boardState.tier === 'all' ? 'ladder' : `ladder_${boardState.tier}`;
  const season = boardState.season ? `&season=${boardState.season}` : '';
  let data;
  let mine = null;
  try {
    [data, mine] = await Promise.all([
      get(`/api/leaderboard?board=${board}&limit=50${season}`),
      get('/api/ladder').catch(() => null),
    ]);
  } catch (err) { failed(err, ctx, body); return; }
  if (!ctx.current()) return;

  const seasons = mine ? [mine.season, ...(mine.history || []).map((x) => x.season)] : (data.season ? [data.season] : []);
  const shown = data.season || seasons[0];
  if (shown) {
    const fmt = (ms) => new Date(ms).toLocaleDateString(getLang(), { month: 'long', day: 'numeric', timeZone: 'Asia/Shanghai' });
    const range = t('lb.ladder.range', { from: fmt(shown.starts_at_ms), to: fmt(shown.ends_at_ms - 1) });
    if (seasons.length > 1) {
      const select = h('select', {
        class: 'lb-ladder-select', testid: 'lb-ladder-season-select', 'aria-label': t('lb.ladder.season_pick'),
        onchange: (ev) => { boardState.season = ev.target.value === String(seasons[0].id) ? null : Number(ev.target.value); rerender('lb-ladder-season-select'); },
      }, seasons.map((x, i) => h('option', { value: String(x.id), selected: x.id === shown.id }, i === 0 ? t('lb.ladder.season_now', { id: x.id }) : t('lb.ladder.season', { id: x.id }))));
      fill(seasonSlot, select, h('span', { class: 'muted small' }, range));
    } else {
      fill(seasonSlot, h('strong', null, t('lb.ladder.season_now', { id: shown.id })), h('span', { class: 'muted small' }, range));
    }
  }

  const myId = store.me && store.me.id;
  const row = (r) => h('li', { class: r.member_id === myId ? 'lb-row is-me' : 'lb-row', testid: 'lb-ladder-row', dataset: { rank: String(r.rank), member: String(r.member_id), points: String(r.score) } },
    h('span', { class: `lb-rank rank-${r.rank <= 3 ? r.rank : 'n'}` }, String(r.rank)),
    h('span', { class: 'lb-who' },
      h('span', { class: 'lb-name' }, r.nickname, r.member_id === myId ? t('lb.you') : ''),
      h('span', { class: 'lb-district' }, r.district)),
    r.ladder ? tierBadge(r.ladder, { size: 'sm' }) : h('span', { class: 'lb-score' }, num(r.score)));
  const top = data.top || [];
  const me = data.me;
  const meInTop = me && top.some((r) => r.member_id === me.member_id);
  fill(body,
    h('div', { class: 'lb-me card', testid: 'lb-ladder-me' },
      h('span', { class: 'lb-me-label' }, t('lb.me')),
      me ? h('span', { class: 'lb-me-value' },
        h('strong', null, t('lb.me.rank', { n: me.rank })), ' · ', me.ladder ? rankLabel(me.ladder) : num(me.score))
        : h('span', { class: 'lb-me-value muted' }, boardState.tier === 'all' ? t('lb.ladder.me.none') : t('lb.ladder.me.none_tier'))),
    top.length
      ? h('ol', { class: 'lb-list', testid: 'lb-ladder-top' }, top.map(row))
      : h('p', { class: 'empty', testid: 'lb-ladder-empty' }, t('lb.ladder.empty')),
    me && !meInTop && data.around_me && data.around_me.length
      ? [h('h2', { class: 'section-title' }, t('lb.around')), h('ol', { class: 'lb-list' }, data.around_me.map(row))]
      : null,
    typeof data.ranked === 'number' ? h('p', { class: 'muted small center', testid: 'lb-ladder-ranked', dataset: { n: String(data.ranked) } }, t('lb.ranked', { n: data.ranked })) : null,
    h('p', { class: 'center' }, h('a', { class: 'btn btn-ghost', href: '#/ladder', testid: 'lb-ladder-play' }, t('lb.ladder.play'))));
}
