// Overview: the headline numbers as cards, the last 30 days (answers and
// participants per day) and accuracy per history as charts.
import { t } from '../../i18n.js';
import { h, mount, fill } from '/js/dom.js';
import { get } from '../api.js';
import { int, pct, shortDate, listSep } from '../format.js';
import { chartFigure, drawChart, percentAxis, COLORS } from '../charts.js';
import { pageHeader, loadingBox, errorBox, historyName } from '../ui.js';

export async function renderOverview(ctx) {
  const cards = h('div', { class: 'stat-cards', testid: 'overview-cards' }, loadingBox());
  const daysFig = chartFigure({ title: t('ov.chart.days'), desc: t('ov.chart.days.desc'), testid: 'chart-days', height: 280 });
  const histFig = chartFigure({ title: t('ov.chart.histories'), testid: 'chart-histories', height: 280 });
  const view = h('section', { class: 'page overview', testid: 'page-overview' },
    pageHeader(t('ov.title')),
    cards,
    h('div', { class: 'chart-grid' }, daysFig.el, histFig.el));
  mount(view);

  let overview, days, histories;
  try {
    [overview, days, histories] = await Promise.all([
      get('/api/admin/stats/overview'),
      get('/api/admin/stats/days'),
      get('/api/admin/stats/histories'),
    ]);
  } catch (err) {
    if (ctx.current()) fill(cards, errorBox(err, ctx.rerender));
    return;
  }
  if (!ctx.current()) return;

  const o = overview;
  const card = (key, value, sub, testid) => h('div', { class: 'stat-card card', testid },
    h('span', { class: 'stat-label' }, t(key)),
    h('strong', { class: 'stat-value' }, value),
    sub ? h('span', { class: 'stat-sub muted' }, sub) : null);
  fill(cards,
    card('ov.members', int(o.members), null, 'ov-members'),
    card('ov.participants', int(o.participants),
      o.members ? t('ov.participants.sub', { rate: pct(o.participants / o.members) }) : null, 'ov-participants'),
    card('ov.answers', int(o.answers), null, 'ov-answers'),
    card('ov.accuracy', pct(o.accuracy), t('ov.accuracy.sub', { n: int(o.correct) }), 'ov-accuracy'),
    card('ov.points', int(o.points), null, 'ov-points'),
    card('ov.matches', int(o.matches), null, 'ov-matches'),
    card('ov.questions', int(o.questions), null, 'ov-questions'));

  // Days come newest first; charts read left to right, oldest first.
  const rows = [...days.rows].reverse();
  drawChart(daysFig, {
    data: {
      labels: rows.map((r) => shortDate(r.date)),
      datasets: [
        {
          type: 'bar', label: t('chart.answers'), data: rows.map((r) => r.answers),
          backgroundColor: COLORS.accentSoft, borderColor: COLORS.accent, borderWidth: 1, yAxisID: 'y', order: 2,
        },
        {
          type: 'line', label: t('chart.participants'), data: rows.map((r) => r.participants),
          borderColor: COLORS.blue, backgroundColor: COLORS.blue, pointRadius: 2, tension: 0.25, yAxisID: 'y1', order: 1,
        },
      ],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${int(c.parsed.y)}` } } },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
        y: { beginAtZero: true, position: 'left', grid: { color: COLORS.grid }, title: { display: true, text: t('chart.answers') }, ticks: { precision: 0 } },
        y1: { beginAtZero: true, position: 'right', grid: { display: false }, title: { display: true, text: t('chart.participants') }, ticks: { precision: 0 } },
      },
    },
  }, t('chart.summary.days', {
    from: days.from, to: days.to,
    answers: int(rows.reduce((s, r) => s + r.answers, 0)),
    max: int(Math.max(0, ...rows.map((r) => r.participants))),
  }));

  const hist = histories.rows;
  drawChart(histFig, {
    type: 'bar',
    data: {
      labels: hist.map((r) => historyName(r.history)),
      datasets: [{
        label: t('chart.accuracy'), data: hist.map((r) => r.accuracy),
        backgroundColor: [COLORS.accent, COLORS.gold, COLORS.blue, COLORS.ok], maxBarThickness: 64,
      }],
    },
    options: {
      indexAxis: 'y',
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (c) => `${t('chart.accuracy')}: ${pct(c.parsed.x)} (${t('chart.answers')} ${int(hist[c.dataIndex].answers)})` } },
      },
      scales: { x: percentAxis(), y: { grid: { display: false } } },
    },
  }, t('chart.summary.histories', { list: hist.map((r) => `${historyName(r.history)} ${pct(r.accuracy)}`).join(listSep()) }));
}
