// 实时战况 for a published, running or finished district competition: the
// standings live from /ws/screen/{id} (the big screen's feed,
// /screen/feed.js), a link that opens the big screen in a new tab, and the
// competition's exports (standings and members, CSV or XLSX).
//
// One view is live at a time: opening another (or leaving the page) closes
// the previous feed.
import { t, STRINGS } from '../i18n.js';
import { h, fill } from '/js/dom.js';
import { openFeed, sortedRows, countdown, clock } from '/screen/feed.js';
import { int, pct, dateTime } from './format.js';
import { dataTable } from './ui.js';

const ZH = {
  'cp.rt.title': '实时战况',
  'cp.rt.screen': '打开大屏',
  'cp.rt.screen.label': '在新标签页打开「{name}」的大屏页面',
  'cp.rt.connecting': '连接中…',
  'cp.rt.live': '实时更新',
  'cp.rt.gone': '比赛不存在或未发布',
  'cp.rt.to_start': '距开赛 {t}',
  'cp.rt.left': '剩余 {t}',
  'cp.rt.over': '比赛已结束',
  'cp.rt.updated': '更新于 {at}',
  'cp.rt.summary': '{n} 个区市 · 已赛 {battles} 场 · {people} 人出战',
  'cp.rt.col.place': '名次',
  'cp.rt.col.district': '区市',
  'cp.rt.col.points': '积分',
  'cp.rt.col.record': '胜/平/负',
  'cp.rt.col.participants': '参赛人数',
  'cp.rt.col.rate': '参与率',
  'cp.rt.col.accuracy': '正确率',
  'cp.rt.col.top': '贡献榜',
  'cp.rt.of_registered': '/ {n}',
  'cp.rt.no_battles': '待出战',
  'cp.rt.empty': '正在读取排名…',
  'cp.rt.caption': '各区市实时排名',
  'cp.rt.exports': '导出成绩',
  'cp.rt.export.standings': '区市排名',
  'cp.rt.export.members': '队员成绩',
  'cp.rt.export.link': '导出{what}（{format}）',
  'cp.rt.sep': '、',
  'cp.rt.day': '天',
};

const EN = {
  'cp.rt.title': 'Live standings',
  'cp.rt.screen': 'Open the big screen',
  'cp.rt.screen.label': 'Open the big screen of “{name}” in a new tab',
  'cp.rt.connecting': 'Connecting…',
  'cp.rt.live': 'Live',
  'cp.rt.gone': 'No such competition, or not published',
  'cp.rt.to_start': 'Starts in {t}',
  'cp.rt.left': '{t} left',
  'cp.rt.over': 'Finished',
  'cp.rt.updated': 'Updated {at}',
  'cp.rt.summary': '{n} districts · {battles} battles · {people} members played',
  'cp.rt.col.place': 'Place',
  'cp.rt.col.district': 'District',
  'cp.rt.col.points': 'Points',
  'cp.rt.col.record': 'W/D/L',
  'cp.rt.col.participants': 'Players',
  'cp.rt.col.rate': 'Participation',
  'cp.rt.col.accuracy': 'Accuracy',
  'cp.rt.col.top': 'Top contributors',
  'cp.rt.of_registered': '/ {n}',
  'cp.rt.no_battles': 'No battles yet',
  'cp.rt.empty': 'Loading the standings…',
  'cp.rt.caption': 'Districts, live',
  'cp.rt.exports': 'Export',
  'cp.rt.export.standings': 'Standings',
  'cp.rt.export.members': 'Members',
  'cp.rt.export.link': 'Export {what} ({format})',
  'cp.rt.sep': ', ',
  'cp.rt.day': 'd',
};

for (const [lang, strings] of [['zh-CN', ZH], ['en', EN]]) {
  if (STRINGS[lang]) for (const [k, v] of Object.entries(strings)) if (!(k in STRINGS[lang])) STRINGS[lang][k] = v;
}

const EXPORT_PATH = (id) => `/api/admin/competitions/${id}/export`;

let current = null;

/** Closes the live view's feed, if one is open. */
export function stopLiveStandings() {
  if (current) current.stop();
  current = null;
}

/** Export links: standings and members, each as CSV and XLSX. */
function exportLinks(id) {
  const link = (table, format) => h('a', {
    class: 'btn btn-small btn-ghost',
    href: `${EXPORT_PATH(id)}?table=${table}&format=${format}`,
    download: '',
    testid: `competition-export-${table}-${format}`,
    'aria-label': t('cp.rt.export.link', { what: t(`cp.rt.export.${table}`), format: format.toUpperCase() }),
  }, `${t(`cp.rt.export.${table}`)} ${format.toUpperCase()}`);
  return h('div', { class: 'exports comp-exports', role: 'group', 'aria-label': t('cp.rt.exports') },
    h('span', { class: 'muted small exports-label', 'aria-hidden': 'true' }, t('cp.rt.exports')),
    link('standings', 'csv'), link('standings', 'xlsx'), link('members', 'csv'), link('members', 'xlsx'));
}

/** The 实时战况 section of competition `c` (published, running or finished). */
export function liveStandings(c) {
  stopLiveStandings();
  const id = c.id;
  const name = c.rules?.title || '';
  const state = h('span', { class: 'rt-state', testid: 'competition-rt-state', role: 'status' }, t('cp.rt.connecting'));
  const clockEl = h('span', { class: 'rt-clock', testid: 'competition-rt-clock' });
  const summary = h('span', { class: 'muted small', testid: 'competition-rt-summary' });
  const updatedEl = h('span', { class: 'muted small rt-updated' });
  const tableBox = h('div', { class: 'rt-table' }, h('p', { class: 'muted loading' }, t('cp.rt.empty')));
  const section = h('section', {
    class: 'comp-rt', testid: 'competition-standings', 'data-id': id, 'data-connected': 'false',
    'aria-label': t('cp.rt.title'),
  },
  h('div', { class: 'comp-rt-head' },
    h('h3', null, t('cp.rt.title')),
    state,
    clockEl,
    h('a', {
      class: 'btn btn-small btn-primary rt-screen', href: `/screen/${id}`, target: '_blank', rel: 'noopener',
      testid: 'competition-screen-link', 'aria-label': t('cp.rt.screen.label', { name }),
    }, t('cp.rt.screen'), h('span', { 'aria-hidden': 'true' }, ' ↗'))),
  exportLinks(id),
  tableBox,
  h('p', { class: 'rt-foot' }, summary, updatedEl));

  let latest = null;
  let drawn = false;
  let flashed = new Set();

  function draw(s) {
    const rows = sortedRows(s);
    fill(tableBox, dataTable({
      testid: 'competition-standings-table',
      caption: t('cp.rt.caption'),
      empty: t('cp.rt.empty'),
      rows,
      rowAttrs: (r) => ({
        'data-district': r.district,
        'data-place': r.place,
        class: [flashed.has(r.district) ? 'is-new' : '', r.place === 1 && r.battles ? 'is-leader' : ''].join(' ').trim() || null,
      }),
      columns: [
        { key: 'place', label: t('cp.rt.col.place'), num: true, cls: 'col-rank', render: (r) => h('span', { 'data-field': 'place', class: `rt-place${r.battles ? ` rt-place-${r.place}` : ''}` }, String(r.place)) },
        { key: 'district', label: t('cp.rt.col.district'), header: true, render: (r) => h('span', { 'data-field': 'district' }, r.district) },
        { key: 'points', label: t('cp.rt.col.points'), num: true, render: (r) => h('strong', { 'data-field': 'points' }, int(r.points)) },
        {
          key: 'record', label: t('cp.rt.col.record'), num: true, cls: 'nowrap',
          render: (r) => h('span', { class: 'rt-record' },
            h('span', { 'data-field': 'wins' }, int(r.wins)), '/',
            h('span', { 'data-field': 'draws' }, int(r.draws)), '/',
            h('span', { 'data-field': 'losses' }, int(r.losses))),
        },
        {
          key: 'participants', label: t('cp.rt.col.participants'), num: true, cls: 'nowrap',
          render: (r) => h('span', null, h('span', { 'data-field': 'participants' }, int(r.participants)),
            h('span', { class: 'muted small' }, ` ${t('cp.rt.of_registered', { n: int(r.registered) })}`)),
        },
        { key: 'participation_rate', label: t('cp.rt.col.rate'), num: true, render: (r) => h('span', { 'data-field': 'participation_rate' }, pct(r.participation_rate, 2)) },
        { key: 'accuracy', label: t('cp.rt.col.accuracy'), num: true, render: (r) => h('span', { 'data-field': 'accuracy' }, pct(r.accuracy)) },
        {
          key: 'top', label: t('cp.rt.col.top'),
          render: (r) => h('span', { 'data-field': 'top_contributors', class: 'rt-top' },
            (r.top_contributors || []).length
              ? r.top_contributors.map((p, i) => [i ? t('cp.rt.sep') : '', h('span', { class: 'rt-who' }, p.nickname, ' ', h('span', { class: 'muted' }, int(p.points)))])
              : h('span', { class: 'muted' }, t('cp.rt.no_battles'))),
        },
      ],
    }));
    const all = [...s.rows.values()];
    summary.textContent = t('cp.rt.summary', {
      n: int(all.length),
      battles: int(Math.round(all.reduce((n, r) => n + (r.battles || 0), 0) / 2)),
      people: int(all.reduce((n, r) => n + (r.participants || 0), 0)),
    });
    updatedEl.textContent = t('cp.rt.updated', { at: dateTime(Date.now() + s.clockOffsetMs) });
  }

  function tick() {
    if (!section.isConnected) {
      if (feed && current === feed) stopLiveStandings();
      return;
    }
    if (!latest?.competition) return;
    const { kind, ms } = countdown(latest.competition, latest.clockOffsetMs);
    const text = kind === 'over' ? t('cp.rt.over') : t(`cp.rt.${kind}`, { t: clock(ms, t('cp.rt.day')) });
    if (clockEl.textContent !== text) clockEl.textContent = text;
  }

  const setState = (connected) => {
    section.dataset.connected = connected ? 'true' : 'false';
    state.textContent = t(connected ? 'cp.rt.live' : 'cp.rt.connecting');
    state.classList.toggle('is-live', connected);
  };

  const feed = openFeed(id, {
    onConnection: setState,
    onGone: () => {
      section.dataset.connected = 'false';
      state.textContent = t('cp.rt.gone');
      state.classList.remove('is-live');
    },
    onUpdate: (s, result) => {
      latest = s;
      section.dataset.version = String(s.version);
      if (s.competition) section.dataset.status = s.competition.status;
      // The first snapshot lights nothing up; later ones what changed.
      flashed = drawn ? result.changed : new Set();
      draw(s);
      drawn = true;
      tick();
    },
  });
  const stop = feed.stop;
  feed.stop = () => {
    stop();
    clearInterval(timer);
  };
  const timer = setInterval(tick, 1000);
  current = feed;
  return section;
}
