// Question analysis: per-question attempts, accuracy, times, the option
// distribution as a small bar, the discrimination index and flags; sorting,
// filters, paging, export, and "recompute the groups now".
import { t } from '../../i18n.js';
import { h, mount, fill, toast } from '/js/dom.js';
import { api, get, qs } from '../api.js';
import { int, pct, secs, signed, dateTime } from '../format.js';
import {
  pageHeader, filterBar, selectField, inputField, dataTable, pager, exportLinks, loadingBox, errorBox,
  intParam, flagBadge, FLAGS, historyOptions, difficultyOptions, historyName,
} from '../ui.js';

const PER_PAGE = 25;
const PATH = '/api/admin/stats/questions';
const SORTS = ['attempts', 'accuracy', 'discrimination', 'id'];

export function renderQuestions(ctx) {
  const p = ctx.params;
  const state = {
    history: p.get('history') || '', difficulty: p.get('difficulty') || '', flag: p.get('flag') || '',
    q: p.get('q') || '',
    sort: SORTS.includes(p.get('sort')) ? p.get('sort') : 'attempts',
    order: p.get('order') === 'asc' ? 'asc' : 'desc',
    page: intParam(p, 'page', 1),
  };
  const groupsAt = h('p', { class: 'muted small', testid: 'groups-at' });
  const exports = h('div', { class: 'exports-slot' });
  const table = h('div', { testid: 'questions-table-box' }, loadingBox());
  const paging = h('div');
  const refreshBtn = h('button', { type: 'button', class: 'btn btn-small btn-primary', testid: 'groups-refresh' }, t('qs.refresh'));

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    ctx.setParams(state);
    fill(exports, exportLinks(PATH, state, 'questions'));
    let data;
    try {
      data = await get(`${PATH}${qs({ ...state, per_page: PER_PAGE })}`);
    } catch (err) {
      if (ctx.current() && mine === seq) fill(table, errorBox(err, load));
      return;
    }
    if (!ctx.current() || mine !== seq) return;
    groupsAt.textContent = data.groups_at_ms ? t('qs.groups_at', { at: dateTime(data.groups_at_ms) }) : t('qs.groups_never');
    fill(table, dataTable({
      columns: columns(), rows: data.rows, testid: 'questions-table', caption: t('qs.title'),
      sort: { key: state.sort, order: state.order, onSort },
      rowAttrs: (r) => ({ dataset: { id: r.question_id } }),
    }));
    fill(paging, pager({ page: state.page, perPage: PER_PAGE, total: data.total, onPage: (n) => { state.page = n; load(); }, testid: 'questions-pager' }));
  };
  const onSort = (key) => {
    if (state.sort === key) state.order = state.order === 'asc' ? 'desc' : 'asc';
    else { state.sort = key; state.order = key === 'id' ? 'asc' : 'desc'; }
    state.page = 1;
    load().then(() => document.querySelector(`[data-testid="sort-${key}"]`)?.focus());
  };
  const set = (key) => (value) => { state[key] = value; state.page = 1; load(); };
  let timer = null;
  const search = (value) => { clearTimeout(timer); timer = setTimeout(() => set('q')(value.trim()), 300); };

  refreshBtn.addEventListener('click', async () => {
    refreshBtn.disabled = true;
    refreshBtn.textContent = t('qs.refreshing');
    try {
      const res = await api('POST', '/api/admin/stats/refresh');
      toast(t('qs.refreshed', { n: int(res.questions) }), 'ok');
      await load();
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      refreshBtn.disabled = false;
      refreshBtn.textContent = t('qs.refresh');
    }
  });

  mount(h('section', { class: 'page questions', testid: 'page-questions' },
    pageHeader(t('qs.title'), refreshBtn),
    groupsAt,
    filterBar(t('qs.title'),
      inputField({ label: t('filter.q'), value: state.q, type: 'search', placeholder: t('filter.q.placeholder.short'), onInput: search, testid: 'questions-search' }),
      selectField({ label: t('filter.history'), value: state.history, options: historyOptions(), onChange: set('history'), testid: 'questions-filter-history' }),
      selectField({ label: t('filter.difficulty'), value: state.difficulty, options: difficultyOptions(), onChange: set('difficulty'), testid: 'questions-filter-difficulty' }),
      selectField({ label: t('filter.flag'), value: state.flag, options: FLAGS.map((f) => ({ value: f, label: t(`flag.${f}`) })), onChange: set('flag'), testid: 'questions-filter-flag' }),
      exports),
    legend(),
    table,
    paging));
  load();
}

function legend() {
  return h('details', { class: 'legend card' },
    h('summary', null, t('qs.legend')),
    h('dl', null, FLAGS.map((f) => [h('dt', null, flagBadge(f)), h('dd', null, t(`flag.${f}.tip`))])));
}

function columns() {
  return [
    {
      key: 'question_id', label: t('qs.col.id'), sort: 'id', cls: 'col-question', header: true,
      render: (r) => h('div', { class: 'q-cell' },
        h('span', { class: 'q-id' }, r.question_id),
        h('span', { class: 'q-prompt-clamp', title: r.prompt }, r.prompt)),
    },
    { key: 'history', label: t('qs.col.history'), render: (r) => historyName(r.history), cls: 'col-history' },
    { key: 'difficulty', label: t('qs.col.difficulty'), num: true },
    { key: 'attempts', label: t('qs.col.attempts'), num: true, sort: 'attempts', render: (r) => int(r.attempts) },
    { key: 'accuracy', label: t('qs.col.accuracy'), num: true, sort: 'accuracy', render: (r) => meter(r.accuracy) },
    {
      key: 'time', label: t('qs.col.time'), num: true, cls: 'nowrap',
      render: (r) => h('div', { class: 'two-line' }, h('span', null, secs(r.mean_ms)), h('span', { class: 'sub' }, t('qs.median', { s: secs(r.median_ms) }))),
    },
    { key: 'timeouts', label: t('qs.col.timeouts'), num: true, render: (r) => int(r.timeouts) },
    { key: 'choices', label: t('qs.col.choices'), render: choiceBar },
    {
      key: 'discrimination', label: t('qs.col.discrimination'), num: true, sort: 'discrimination', cls: 'nowrap',
      render: (r) => h('div', { class: 'two-line' },
        h('span', { class: r.discrimination < 0 ? 'neg' : null }, signed(r.discrimination)),
        h('span', { class: 'sub', title: t('qs.groups.tip') }, t('qs.groups', { upper: pct(r.upper_accuracy, 0), lower: pct(r.lower_accuracy, 0) }))),
    },
    { key: 'flags', label: t('qs.col.flags'), render: (r) => h('div', { class: 'badges' }, (r.flags || []).map(flagBadge)) },
  ];
}

/** "81.2 %" with a thin bar under it. */
function meter(ratio) {
  if (ratio === null || ratio === undefined) return t('common.none');
  return h('div', { class: 'meter-cell' },
    h('span', null, pct(ratio)),
    h('span', { class: 'meter', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.round(ratio * 100)}%` } })));
}

const WRONG = ['#e07a5f', '#f2b134', '#9c6ade', '#4f9d9a', '#c77dba', '#8d99ae'];

/** The option distribution as one stacked bar, the key in green, timeouts grey. */
function choiceBar(r) {
  const choices = [...(r.choices || [])].sort((a, b) => (a.choice === '-') - (b.choice === '-') || a.choice.localeCompare(b.choice));
  const total = choices.reduce((s, c) => s + c.count, 0);
  if (!total) return t('common.none');
  let wrong = 0;
  const label = (c) => (c.choice === '-' ? t('qs.choice.timeout') : c.choice);
  const optionText = (c) => {
    if (c.choice.length !== 1 || c.choice === '-') return '';
    const i = c.choice.charCodeAt(0) - 65;
    return r.options && r.options[i] ? `（${r.options[i]}）` : '';
  };
  const parts = choices.map((c) => {
    const key = c.choice === r.answer;
    const color = c.choice === '-' ? '#b9b1ab' : key ? 'var(--ok)' : WRONG[wrong++ % WRONG.length];
    const tip = `${t('qs.choice.tip', { choice: label(c), n: int(c.count), pct: pct(c.count / total, 0) })}${optionText(c)}${key ? t('qs.choice.key') : ''}`;
    return { c, key, color, tip };
  });
  return h('div', { class: 'choice-cell', testid: 'choice-bar' },
    h('div', {
      class: 'choice-bar', role: 'img',
      'aria-label': t('qs.choices.label', { list: parts.map((x) => x.tip).join('；') }),
    }, parts.map((x) => h('span', {
      class: `seg${x.key ? ' seg-key' : ''}`, title: x.tip,
      style: { width: `${(x.c.count / total) * 100}%`, background: x.color },
    }))),
    h('div', { class: 'choice-legend', 'aria-hidden': 'true' }, parts.map((x) => h('span', { class: x.key ? 'is-key' : null },
      h('i', { style: { background: x.color } }), `${x.c.choice === '-' ? '—' : x.c.choice} ${int(x.c.count)}`))));
}
