// Charts with Chart.js 4.6.1 (MIT; the UMD build chart.umd.js from the npm
// package chart.js@4.6.1, in ../vendor/ with its LICENSE.md), loaded on first
// use from our own server, never from a CDN.
//
// Every chart is a <figure> with a heading, a canvas described for screen
// readers (role=img plus a text summary) and the numbers in a table on the
// same page.
import { t } from '../i18n.js';
import { h, reducedMotion } from '/js/dom.js';

const SRC = '/admin/vendor/chart.umd.js';
let loading = null;
const live = new Set();

export const COLORS = {
  accent: '#c8102e',
  accentSoft: 'rgba(200, 16, 46, .18)',
  gold: '#e8b23a',
  blue: '#1a5fb4',
  blueSoft: 'rgba(26, 95, 180, .15)',
  ok: '#17703a',
  grid: '#ece5df',
  text: '#5c5550',
};

/** window.Chart, loading the script once. */
export function loadChartJs() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = SRC;
      s.async = true;
      s.onload = () => (window.Chart ? resolve(window.Chart) : reject(new Error('Chart.js did not load')));
      s.onerror = () => { loading = null; reject(new Error('Chart.js did not load')); };
      document.head.append(s);
    });
  }
  return loading;
}

/** An empty chart figure: {el, canvas, summary}. */
export function chartFigure({ title, desc, testid, height = 260 }) {
  const canvas = h('canvas', { role: 'img', 'aria-label': title });
  const summary = h('p', { class: 'visually-hidden' });
  const el = h('figure', { class: 'card chart', testid },
    h('figcaption', null, h('h2', null, title), desc ? h('p', { class: 'muted small' }, desc) : null),
    h('div', { class: 'chart-box', style: { height: `${height}px` } }, canvas),
    summary);
  return { el, canvas, summary };
}

/**
 * Draws `config` into a figure made by chartFigure; `summaryText` describes
 * it in words. Resolves to the chart (or null when Chart.js is unavailable,
 * after saying so in the figure).
 */
export async function drawChart(figure, config, summaryText) {
  figure.summary.textContent = summaryText || '';
  if (summaryText) figure.canvas.setAttribute('aria-label', summaryText);
  let Chart;
  try {
    Chart = await loadChartJs();
  } catch {
    figure.el.querySelector('.chart-box').replaceChildren(h('p', { class: 'muted' }, t('chart.unavailable')));
    return null;
  }
  if (!figure.canvas.isConnected) return null; // the page changed meanwhile
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = COLORS.text;
  config.options = {
    maintainAspectRatio: false,
    animation: reducedMotion() ? false : { duration: 400 },
    ...config.options,
  };
  const chart = new Chart(figure.canvas, config);
  live.add(chart);
  figure.el.dataset.ready = '1';
  return chart;
}

/** Destroys every chart (before a page change). */
export function destroyCharts() {
  for (const c of live) c.destroy();
  live.clear();
}

/** Axis options: a percentage scale 0–100 % for ratios 0–1. */
export function percentAxis(extra = {}) {
  return {
    min: 0, max: 1, grid: { color: COLORS.grid },
    ticks: { callback: (v) => `${Math.round(v * 100)}%` },
    ...extra,
  };
}
