// Histories: the four histories with their questions, answers, accuracy,
// mean time and points; answers and accuracy also as a chart.
import { t } from '../../i18n.js';
import { h, mount, fill } from '/js/dom.js';
import { get } from '../api.js';
import { int, pct, secs, listSep } from '../format.js';
import { chartFigure, drawChart, percentAxis, COLORS } from '../charts.js';
import { pageHeader, dataTable, exportLinks, loadingBox, errorBox, historyName } from '../ui.js';

const PATH = '/api/admin/stats/histories';

export async function renderHistories(ctx) {
  const table = h('div', null, loadingBox());
  const fig = chartFigure({ title: t('hs.chart'), desc: t('hs.chart.desc'), testid: 'chart-histories-answers', height: 260 });
  mount(h('section', { class: 'page histories', testid: 'page-histories' },
    pageHeader(t('hs.title'), exportLinks(PATH, {}, 'histories')),
    table,
    fig.el));
  let data;
  try {
    data = await get(PATH);
  } catch (err) {
    if (ctx.current()) fill(table, errorBox(err, ctx.rerender));
    return;
  }
  if (!ctx.current()) return;
  const rows = data.rows;
  fill(table, dataTable({
    columns: [
      { key: 'name', label: t('hs.col.name'), header: true, render: (r) => h('span', null, h('span', { class: `dot dot-${r.history}`, 'aria-hidden': 'true' }), historyName(r.history)) },
      { key: 'questions', label: t('hs.col.questions'), num: true, render: (r) => int(r.questions) },
      { key: 'answers', label: t('hs.col.answers'), num: true, render: (r) => int(r.answers) },
      { key: 'accuracy', label: t('hs.col.accuracy'), num: true, render: (r) => pct(r.accuracy) },
      { key: 'mean_ms', label: t('hs.col.mean'), num: true, render: (r) => secs(r.mean_ms) },
      { key: 'points', label: t('hs.col.points'), num: true, render: (r) => int(r.points) },
    ],
    rows, testid: 'histories-table', caption: t('hs.title'),
  }));

  drawChart(fig, {
    data: {
      labels: rows.map((r) => historyName(r.history)),
      datasets: [
        {
          type: 'bar', label: t('chart.answers'), data: rows.map((r) => r.answers), yAxisID: 'y', order: 2,
          backgroundColor: [COLORS.accent, COLORS.gold, COLORS.blue, COLORS.ok], maxBarThickness: 72,
        },
        {
          type: 'line', label: t('chart.accuracy'), data: rows.map((r) => r.accuracy), yAxisID: 'y1', order: 1,
          borderColor: '#2b2522', backgroundColor: '#2b2522', pointRadius: 4, spanGaps: true,
        },
      ],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.dataset.yAxisID === 'y1' ? pct(c.parsed.y) : int(c.parsed.y)}` } },
      },
      scales: {
        x: { grid: { display: false } },
        y: { beginAtZero: true, grid: { color: COLORS.grid }, ticks: { precision: 0 }, title: { display: true, text: t('chart.answers') } },
        y1: percentAxis({ position: 'right', grid: { display: false }, title: { display: true, text: t('chart.accuracy') } }),
      },
    },
  }, t('chart.summary.histories.answers', { list: rows.map((r) => `${historyName(r.history)} ${int(r.answers)} / ${pct(r.accuracy)}`).join(listSep()) }));
}
