// Districts: every configured district with members, participants, the
// participation rate (also as a bar chart), answers, accuracy and points.
import { t } from '../../i18n.js';
import { h, mount, fill } from '/js/dom.js';
import { get } from '../api.js';
import { int, pct, listSep } from '../format.js';
import { chartFigure, drawChart, percentAxis, COLORS } from '../charts.js';
import { pageHeader, dataTable, exportLinks, loadingBox, errorBox } from '../ui.js';

const PATH = '/api/admin/stats/districts';

export async function renderDistricts(ctx) {
  const fig = chartFigure({ title: t('ds.chart'), desc: t('ds.chart.desc'), testid: 'chart-districts', height: 300 });
  const table = h('div', null, loadingBox());
  mount(h('section', { class: 'page districts', testid: 'page-districts' },
    pageHeader(t('ds.title'), exportLinks(PATH, {}, 'districts')),
    fig.el,
    table));

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
      { key: 'district', label: t('ds.col.district'), header: true },
      { key: 'members', label: t('ds.col.members'), num: true, render: (r) => int(r.members) },
      { key: 'participants', label: t('ds.col.participants'), num: true, render: (r) => int(r.participants) },
      { key: 'participation_rate', label: t('ds.col.rate'), num: true, render: (r) => pct(r.participation_rate) },
      { key: 'answers', label: t('ds.col.answers'), num: true, render: (r) => int(r.answers) },
      { key: 'accuracy', label: t('ds.col.accuracy'), num: true, render: (r) => pct(r.accuracy) },
      { key: 'points', label: t('ds.col.points'), num: true, render: (r) => int(r.points) },
    ],
    rows, testid: 'districts-table', caption: t('ds.title'),
  }));

  drawChart(fig, {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.district),
      datasets: [{
        label: t('chart.participation'), data: rows.map((r) => r.participation_rate ?? 0),
        backgroundColor: COLORS.accent, maxBarThickness: 48,
      }],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (c) => {
              const r = rows[c.dataIndex];
              return `${t('chart.participation')}: ${pct(r.participation_rate)} (${int(r.participants)} / ${int(r.members)})`;
            },
          },
        },
      },
      scales: { x: { grid: { display: false } }, y: percentAxis() },
    },
  }, t('chart.summary.districts', { list: rows.map((r) => `${r.district} ${pct(r.participation_rate)}`).join(listSep()) }));
}
