// Members: everyone who has answered, searchable by nickname, by district,
// sorted by points, answers, accuracy or the latest answer; paged and
// exportable.
import { t } from '../../i18n.js';
import { h, mount, fill } from '/js/dom.js';
import { get, qs } from '../api.js';
import { int, pct, secs, dateTime } from '../format.js';
import { pageHeader, filterBar, selectField, inputField, dataTable, pager, exportLinks, loadingBox, errorBox, intParam } from '../ui.js';

const PER_PAGE = 25;
const PATH = '/api/admin/stats/members';
const SORTS = ['points', 'answers', 'accuracy', 'recent'];

export function renderMembers(ctx) {
  const p = ctx.params;
  const state = {
    district: p.get('district') || '',
    q: p.get('q') || '',
    sort: SORTS.includes(p.get('sort')) ? p.get('sort') : 'points',
    page: intParam(p, 'page', 1),
  };
  const districtBox = h('div', { class: 'field-slot' });
  const exports = h('div', { class: 'exports-slot' });
  const table = h('div', null, loadingBox());
  const paging = h('div');

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    ctx.setParams(state);
    fill(exports, exportLinks(PATH, state, 'members'));
    let data;
    try {
      data = await get(`${PATH}${qs({ ...state, per_page: PER_PAGE })}`);
    } catch (err) {
      if (ctx.current() && mine === seq) fill(table, errorBox(err, load));
      return;
    }
    if (!ctx.current() || mine !== seq) return;
    const offset = (state.page - 1) * PER_PAGE;
    fill(table, dataTable({
      columns: [
        { key: 'rank', label: '#', num: true, render: (r) => int(offset + data.rows.indexOf(r) + 1) },
        { key: 'nickname', label: t('mb.col.nickname'), header: true },
        { key: 'member_id', label: t('mb.col.id'), num: true, cls: 'muted' },
        { key: 'district', label: t('mb.col.district') },
        { key: 'answers', label: t('mb.col.answers'), num: true, render: (r) => int(r.answers) },
        { key: 'correct', label: t('mb.col.correct'), num: true, render: (r) => int(r.correct) },
        { key: 'accuracy', label: t('mb.col.accuracy'), num: true, render: (r) => pct(r.accuracy) },
        { key: 'points', label: t('mb.col.points'), num: true, render: (r) => int(r.points) },
        { key: 'mean_ms', label: t('mb.col.mean'), num: true, render: (r) => secs(r.mean_ms) },
        { key: 'last_at_ms', label: t('mb.col.last'), num: true, cls: 'nowrap', render: (r) => dateTime(r.last_at_ms) },
      ],
      rows: data.rows, testid: 'members-table', caption: t('mb.title'),
    }));
    fill(paging, pager({ page: state.page, perPage: PER_PAGE, total: data.total, onPage: (n) => { state.page = n; load(); }, testid: 'members-pager' }));
  };
  const set = (key) => (value) => { state[key] = value; state.page = 1; load(); };
  let timer = null;
  const search = (value) => { clearTimeout(timer); timer = setTimeout(() => set('q')(value.trim()), 300); };

  const districtField = (names) => selectField({
    label: t('filter.district'), value: state.district, options: names.map((d) => ({ value: d, label: d })),
    onChange: set('district'), testid: 'members-filter-district',
  });
  fill(districtBox, districtField(state.district ? [state.district] : []));
  // The district list is public (the member sign-in uses it too).
  get('/api/districts').then((res) => {
    if (ctx.current()) fill(districtBox, districtField(res.districts || []));
  }).catch(() => { /* the filter keeps what it has */ });

  mount(h('section', { class: 'page members', testid: 'page-members' },
    pageHeader(t('mb.title')),
    filterBar(t('mb.title'),
      inputField({ label: t('filter.q'), value: state.q, type: 'search', placeholder: t('mb.search.placeholder'), onInput: search, testid: 'members-search' }),
      districtBox,
      selectField({
        label: t('filter.sort'), value: state.sort, all: false,
        options: SORTS.map((s) => ({ value: s, label: t(`mb.sort.${s}`) })), onChange: set('sort'), testid: 'members-sort',
      }),
      exports),
    table,
    paging));
  load();
}
