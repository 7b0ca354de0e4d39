// Days: participants, answers, accuracy, mean time and points per Beijing
// day over a chosen range (default the last 30 days), as a line chart and a
// table, newest first.
import { t } from '../../i18n.js';
import { h, mount, fill } from '/js/dom.js';
import { get, qs } from '../api.js';
import { int, pct, secs, shortDate, beijingDate } from '../format.js';
import { chartFigure, drawChart, destroyCharts, percentAxis, COLORS } from '../charts.js';
import { pageHeader, filterBar, inputField, dataTable, exportLinks, loadingBox, errorBox } from '../ui.js';

const PATH = '/api/admin/stats/days';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function renderDays(ctx) {
  const p = ctx.params;
  const state = {
    from: DATE.test(p.get('from') || '') ? p.get('from') : beijingDate(-29),
    to: DATE.test(p.get('to') || '') ? p.get('to') : beijingDate(0),
  };
  const range = h('p', { class: 'muted small', testid: 'days-range' });
  const exports = h('div', { class: 'exports-slot' });
  const chartBox = h('div');
  const table = h('div', null, loadingBox());

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    if (state.from > state.to) {
      fill(table, h('p', { class: 'notice notice-error', role: 'alert' }, t('dy.bad_range')));
      return;
    }
    ctx.setParams(state);
    fill(exports, exportLinks(PATH, state, 'days'));
    let data;
    try {
      data = await get(`${PATH}${qs(state)}`);
    } catch (err) {
      if (ctx.current() && mine === seq) fill(table, errorBox(err, load));
      return;
    }
    if (!ctx.current() || mine !== seq) return;
    range.textContent = t('dy.range', { from: data.from, to: data.to });
    fill(table, dataTable({
      columns: [
        { key: 'date', label: t('dy.col.date'), header: true, cls: 'nowrap' },
        { key: 'participants', label: t('dy.col.participants'), num: true, render: (r) => int(r.participants) },
        { key: 'answers', label: t('dy.col.answers'), num: true, render: (r) => int(r.answers) },
        { key: 'accuracy', label: t('dy.col.accuracy'), num: true, render: (r) => pct(r.accuracy) },
        { key: 'mean_ms', label: t('dy.col.mean'), num: true, render: (r) => secs(r.mean_ms) },
        { key: 'points', label: t('dy.col.points'), num: true, render: (r) => int(r.points) },
      ],
      rows: data.rows, testid: 'days-table', caption: t('dy.title'),
    }));
    drawDays(chartBox, data);
  };
  const set = (key) => (value) => {
    if (!DATE.test(value)) return;
    state[key] = value;
    load();
  };

  mount(h('section', { class: 'page days', testid: 'page-days' },
    pageHeader(t('dy.title')),
    filterBar(t('dy.title'),
      inputField({ label: t('filter.from'), type: 'date', value: state.from, onChange: set('from'), testid: 'days-from' }),
      inputField({ label: t('filter.to'), type: 'date', value: state.to, onChange: set('to'), testid: 'days-to' }),
      exports),
    range,
    chartBox,
    table));
  load();
}

function drawDays(box, data) {
  destroyCharts();
  const fig = chartFigure({ title: t('dy.chart'), testid: 'chart-days-line', height: 280 });
  fill(box, fig.el);
  const rows = [...data.rows].reverse();
  drawChart(fig, {
    type: 'line',
    data: {
      labels: rows.map((r) => (rows.length > 45 ? r.date : shortDate(r.date))),
      datasets: [
        {
          label: t('chart.answers'), data: rows.map((r) => r.answers), yAxisID: 'y',
          borderColor: COLORS.accent, backgroundColor: COLORS.accentSoft, fill: true, tension: 0.25, pointRadius: 2,
        },
        {
          label: t('chart.participants'), data: rows.map((r) => r.participants), yAxisID: 'y',
          borderColor: COLORS.blue, backgroundColor: COLORS.blue, tension: 0.25, pointRadius: 2,
        },
        {
          label: t('chart.accuracy'), data: rows.map((r) => r.accuracy), yAxisID: 'y1',
          borderColor: COLORS.gold, backgroundColor: COLORS.gold, borderDash: [5, 4], tension: 0.25, pointRadius: 2, spanGaps: true,
        },
      ],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (c) => `${c.dataset.label}: ${c.dataset.yAxisID === 'y1' ? pct(c.parsed.y) : int(c.parsed.y)}`,
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
        y: { beginAtZero: true, grid: { color: COLORS.grid }, ticks: { precision: 0 } },
        y1: percentAxis({ position: 'right', grid: { display: false } }),
      },
    },
  }, t('chart.summary.days', {
    from: data.from, to: data.to,
    answers: int(rows.reduce((s, r) => s + r.answers, 0)),
    max: int(Math.max(0, ...rows.map((r) => r.participants))),
  }));
}
