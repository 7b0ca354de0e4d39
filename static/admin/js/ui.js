// Building blocks shared by the console's pages: page header, filter fields,
// data tables with sortable headings, pager, export links, loading and error
// boxes, flag badges.
import { t } from '../i18n.js';
import { h } from '/js/dom.js';
import { qs } from './api.js';
import { int } from './format.js';

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

/** h1 plus optional actions on the right. */
export function pageHeader(title, ...actions) {
  return h('div', { class: 'page-head' },
    h('h1', null, title),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null);
}

/**
 * A labelled <select>. options: [{value, label}]; an "all" option with value
 * '' comes first unless `all: false`.
 */
export function selectField({ label, value, options, onChange, testid, all = true }) {
  const id = nextId('f');
  const select = h('select', { id, testid, onchange: (e) => onChange(e.target.value) },
    all ? h('option', { value: '' }, t('common.all')) : null,
    options.map((o) => h('option', { value: o.value, selected: String(o.value) === String(value ?? '') }, o.label)));
  return h('div', { class: 'field' }, h('label', { for: id }, label), select);
}

/** A labelled text (or date) input. `onInput` fires on every edit, `onChange` on commit. */
export function inputField({ label, value, type = 'text', placeholder, onInput, onChange, testid, wide }) {
  const id = nextId('f');
  const input = h('input', {
    id, type, value: value ?? '', placeholder, testid, autocomplete: 'off',
    oninput: onInput ? (e) => onInput(e.target.value) : null,
    onchange: onChange ? (e) => onChange(e.target.value) : null,
  });
  return h('div', { class: `field${wide ? ' field-wide' : ''}` }, h('label', { for: id }, label), input);
}

/** A row of filter fields (a search region). */
export function filterBar(label, ...fields) {
  return h('form', { class: 'filters', role: 'search', 'aria-label': label, onsubmit: (e) => e.preventDefault() }, fields);
}

/** 导出 CSV / 导出 XLSX links to `path` with the current filters (no paging). */
export function exportLinks(path, params, testid) {
  const clean = { ...params };
  delete clean.page;
  delete clean.per_page;
  const link = (format) => h('a', {
    class: 'btn btn-small btn-ghost', href: `${path}${qs({ ...clean, format })}`,
    download: '', testid: `${testid}-export-${format}`,
  }, t(`export.${format}`));
  return h('div', { class: 'exports', role: 'group', 'aria-label': t('export.label') }, link('csv'), link('xlsx'));
}

/**
 * A table. columns: [{key, label, num, render(row) → node|string, sort, cls}].
 * sort: {key, order, onSort(key)} makes columns with `sort` clickable;
 * `empty` replaces the "nothing matches" text of an empty table.
 */
export function dataTable({ columns, rows, sort, caption, testid, rowAttrs, empty }) {
  const head = h('tr', null, columns.map((c) => {
    const sortable = sort && c.sort;
    const active = sortable && sort.key === c.sort;
    const th = h('th', {
      scope: 'col', class: [c.num ? 'num' : '', c.cls || ''].join(' ').trim() || null,
      'aria-sort': active ? (sort.order === 'asc' ? 'ascending' : 'descending') : null,
    });
    if (sortable) {
      th.append(h('button', {
        type: 'button', class: `sort-btn${active ? ' is-active' : ''}`, testid: `sort-${c.sort}`,
        title: t('qs.sort.by', { col: c.label }),
        onclick: () => sort.onSort(c.sort),
      }, c.label, h('span', { class: 'sort-arrow', 'aria-hidden': 'true' }, active ? (sort.order === 'asc' ? '▲' : '▼') : '↕')));
    } else {
      th.append(c.label);
    }
    return th;
  }));
  const body = rows.length
    ? rows.map((row) => h('tr', rowAttrs ? rowAttrs(row) : null, columns.map((c) => {
      const v = c.render ? c.render(row) : row[c.key];
      return h(c.header ? 'th' : 'td', {
        class: [c.num ? 'num' : '', c.cls || ''].join(' ').trim() || null,
        scope: c.header ? 'row' : null,
      }, v === null || v === undefined ? t('common.none') : v);
    })))
    : h('tr', null, h('td', { class: 'empty', colspan: columns.length }, empty || t('common.empty')));
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'data', testid },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h('thead', null, head),
      h('tbody', null, body)));
}

/** Previous / next with "page x of y". Hidden when everything fits one page. */
export function pager({ page, perPage, total, onPage, testid }) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  return h('nav', { class: 'pager', 'aria-label': t('pager.label'), testid },
    h('button', {
      type: 'button', class: 'btn btn-small btn-ghost', disabled: page <= 1,
      testid: testid && `${testid}-prev`, onclick: () => onPage(page - 1),
    }, '‹ ', t('pager.prev')),
    h('span', { class: 'pager-status', 'aria-live': 'polite' },
      t('pager.status', { page: int(page), pages: int(pages), total: int(total) })),
    h('button', {
      type: 'button', class: 'btn btn-small btn-ghost', disabled: page >= pages,
      testid: testid && `${testid}-next`, onclick: () => onPage(page + 1),
    }, t('pager.next'), ' ›'));
}

export const loadingBox = () => h('p', { class: 'muted loading', role: 'status' }, t('common.loading'));

export function errorBox(err, retry) {
  return h('div', { class: 'notice notice-error', role: 'alert' },
    h('p', null, t('error.load', { msg: err.message })),
    retry ? h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: retry }, t('common.retry')) : null);
}

export const FLAGS = ['too_easy', 'too_hard', 'negative_discrimination', 'likely_miskeyed'];

/** A coloured flag badge with a tooltip (hover and keyboard focus) explaining it. */
export function flagBadge(flag) {
  const tip = t(`flag.${flag}.tip`);
  return h('span', { class: `badge flag-${flag}`, tabindex: 0, 'data-tip': tip, testid: `flag-${flag}` },
    t(`flag.${flag}`),
    h('span', { class: 'visually-hidden' }, `：${tip}`));
}

/** Integer from a URL parameter, or `fallback`. */
export function intParam(params, key, fallback) {
  const n = Number.parseInt(params.get(key) ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Select options for the four histories, difficulties 1–5, kinds, media. */
export const historyOptions = () => ['party', 'prc', 'reform', 'socialism'].map((v) => ({ value: v, label: t(`history.${v}`) }));
export const difficultyOptions = () => [1, 2, 3, 4, 5].map((v) => ({ value: v, label: t('difficulty.n', { n: v }) }));
export const kindOptions = () => ['single', 'multiple', 'true_false'].map((v) => ({ value: v, label: t(`kind.${v}`) }));
export const mediaOptions = () => ['image', 'audio', 'video', 'text'].map((v) => ({ value: v, label: t(`media.${v}`) }));
export const historyName = (id) => (id ? t(`history.${id}`) : t('common.none'));

/**
 * A modal confirmation (<dialog>): resolves true on the confirm button, false
 * on cancel or Escape. `danger` colours the confirm button as destructive.
 */
export function confirmDialog({ title, body, confirm, cancel, danger = false, testid = 'confirm' }) {
  return new Promise((resolve) => {
    const titleId = nextId('dlg-h');
    const bodyId = nextId('dlg-b');
    const back = document.activeElement;
    const dlg = h('dialog', { class: 'confirm-dialog', testid, 'aria-labelledby': titleId, 'aria-describedby': bodyId },
      h('h2', { id: titleId }, title),
      h('div', { id: bodyId, class: 'confirm-body' }, body),
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, testid: `${testid}-ok`, onclick: () => done(true) }, confirm),
        h('button', { type: 'button', class: 'btn btn-ghost', testid: `${testid}-cancel`, onclick: () => done(false) }, cancel || t('common.cancel'))));
    let settled = false;
    function done(ok) {
      if (settled) return;
      settled = true;
      if (dlg.open) dlg.close();
      dlg.remove();
      if (back && back.isConnected) back.focus();
      resolve(ok);
    }
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dlg);
    dlg.showModal();
    dlg.querySelector(`[data-testid="${testid}-cancel"]`).focus();
  });
}
