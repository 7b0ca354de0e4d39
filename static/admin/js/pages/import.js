// Import questions: download the template or the current bank, read the
// rules, upload a CSV / XLSX / ZIP bundle to check it (dry run) or import it
// (all or nothing, or only the valid rows), and read the report: accepted
// rows, what would change, and the rejected rows as a sortable table that
// can be saved as CSV (docs/protocol.md §7, "Importing questions").
import { t } from '../../i18n.js';
import { h, mount, fill, toast, announce } from '/js/dom.js';
import { upload, qs, ApiError } from '../api.js';
import { int, dateTime } from '../format.js';
import { pageHeader, dataTable } from '../ui.js';

const BASE = '/api/admin/bank';
const MAX_BYTES = 50 * 1024 * 1024;
const TYPES = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  zip: 'application/zip',
};
const VERSION_KEYS = ['new', 'changed', 'unchanged', 'retired', 'restored'];

// The last report stays while the console is open, so switching the language
// (which redraws the page) or looking at the bank and coming back keeps it.
let last = null;

/** The Content-Type for a chosen file: by its extension, else by its type. */
export function contentTypeOf(file) {
  const ext = (file.name.match(/\.([a-z0-9]+)$/i) || [])[1]?.toLowerCase();
  if (TYPES[ext]) return TYPES[ext];
  if (Object.values(TYPES).includes(file.type)) return file.type;
  // The server recognises the file by its content; say what we can.
  return file.type || 'application/octet-stream';
}

export function renderImport(ctx) {
  const state = { mode: 'all', sort: { key: 'row', order: 'asc' } };

  // A styled picker: the native input is visually hidden (its button text
  // follows the browser's language, not the console's) but still focusable.
  const fileName = h('span', { class: 'file-name muted', testid: 'import-file-name' }, t('im.file.none'));
  const fileInput = h('input', {
    id: 'import-file', type: 'file', accept: '.xlsx,.csv,.zip', testid: 'import-file',
    class: 'visually-hidden', 'aria-describedby': 'import-file-hint',
    onchange: () => chosen(),
  });
  function chosen() {
    const file = fileInput.files && fileInput.files[0];
    fileName.textContent = file ? `${file.name}（${size(file.size)}）` : t('im.file.none');
    fileName.classList.toggle('muted', !file);
    message.replaceChildren();
    syncButtons();
  }
  const dropZone = h('div', {
    class: 'file-pick',
    ondragover: (e) => { e.preventDefault(); dropZone.classList.add('is-over'); },
    ondragleave: () => dropZone.classList.remove('is-over'),
    ondrop: (e) => {
      e.preventDefault();
      dropZone.classList.remove('is-over');
      if (!e.dataTransfer?.files?.length) return;
      fileInput.files = e.dataTransfer.files;
      chosen();
    },
  },
  fileInput,
  h('label', { for: 'import-file', class: 'btn btn-small btn-ghost' }, t('im.file.choose')),
  fileName);
  const modeChoice = (value) => h('label', { class: 'choice' },
    h('input', {
      type: 'radio', name: 'import-mode', value, checked: state.mode === value, testid: `import-mode-${value}`,
      onchange: (e) => { if (e.target.checked) state.mode = value; },
    }),
    h('span', null,
      h('strong', null, t(`im.mode.${value}`)),
      h('span', { class: 'small muted choice-sub' }, t(`im.mode.${value}.sub`))));
  const checkBtn = h('button', {
    type: 'button', class: 'btn btn-ghost', testid: 'import-check', disabled: true,
    onclick: () => send(true),
  }, t('im.check'));
  const importBtn = h('button', {
    type: 'button', class: 'btn btn-primary', testid: 'import-submit', disabled: true,
    onclick: () => send(false),
  }, t('im.submit'));
  const message = h('div', { class: 'import-message', testid: 'import-message' });
  const report = h('div', { class: 'import-report', testid: 'import-report', 'aria-live': 'polite' });

  let busy = false;
  function syncButtons() {
    const none = !fileInput.files || !fileInput.files.length;
    checkBtn.disabled = busy || none;
    importBtn.disabled = busy || none;
  }

  async function send(dryRun) {
    const file = fileInput.files && fileInput.files[0];
    if (!file || busy) return;
    message.replaceChildren();
    if (file.size > MAX_BYTES) {
      fill(message, errorNotice(t('im.error.too_large')));
      return;
    }
    if (!dryRun) {
      const ask = t(state.mode === 'valid_only' ? 'im.confirm.valid_only' : 'im.confirm.all', { file: file.name });
      if (!window.confirm(ask)) return;
    }
    busy = true;
    syncButtons();
    const btn = dryRun ? checkBtn : importBtn;
    btn.textContent = t(dryRun ? 'im.checking' : 'im.importing');
    fill(message, h('p', { class: 'muted', role: 'status' }, t(dryRun ? 'im.checking' : 'im.importing')));
    const mode = state.mode;
    try {
      const res = await upload(`${BASE}/import${qs({ mode, dry_run: dryRun })}`, file, contentTypeOf(file));
      last = { report: res, dryRun, mode, fileName: file.name, at: Date.now() };
      if (!ctx.current()) return;
      message.replaceChildren();
      showReport();
      announce(summaryText(last));
      if (res.written) toast(t('im.toast.written', { n: int(res.accepted) }), 'ok');
    } catch (err) {
      if (!ctx.current()) return;
      fill(message, errorNotice(explain(err)));
    } finally {
      busy = false;
      if (ctx.current()) {
        btn.textContent = t(dryRun ? 'im.check' : 'im.submit');
        syncButtons();
      }
    }
  }

  function showReport() {
    if (!last) { report.replaceChildren(); return; }
    fill(report, reportView(last, state.sort, (key) => {
      state.sort = {
        key,
        order: state.sort.key === key && state.sort.order === 'asc' ? 'desc' : 'asc',
      };
      showReport();
      report.querySelector(`[data-testid="sort-${key}"]`)?.focus();
    }));
  }

  const download = (href, label, testid) => h('a', { class: 'btn btn-small btn-ghost', href, download: '', testid }, '⤓ ', label);

  mount(h('section', { class: 'page import', testid: 'page-import' },
    pageHeader(t('im.title')),
    h('div', { class: 'import-grid' },
      h('div', { class: 'card import-help' },
        h('h2', null, t('im.help.title')),
        h('div', { class: 'downloads', role: 'group', 'aria-label': t('im.downloads') },
          download(`${BASE}/template.xlsx`, t('im.template.xlsx'), 'import-template-xlsx'),
          download(`${BASE}/template.csv`, t('im.template.csv'), 'import-template-csv'),
          download(`${BASE}/export.xlsx`, t('im.export.xlsx'), 'import-export-xlsx')),
        h('ul', { class: 'rules' },
          ['columns', 'id', 'version', 'status', 'media', 'mode', 'live'].map((k) => h('li', null, t(`im.rule.${k}`))))),
      h('form', { class: 'card import-form', onsubmit: (e) => e.preventDefault() },
        h('h2', null, t('im.upload.title')),
        h('div', { class: 'field' },
          h('label', { for: 'import-file' }, t('im.file')),
          dropZone,
          h('p', { id: 'import-file-hint', class: 'small muted' }, t('im.file.hint'))),
        h('fieldset', { class: 'choices' },
          h('legend', null, t('im.mode')),
          modeChoice('all'),
          modeChoice('valid_only')),
        h('div', { class: 'form-actions' }, checkBtn, importBtn),
        message)),
    report));
  showReport();
}

/** Bytes as KB or MB. */
function size(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** What to say for a failed upload. */
function explain(err) {
  if (!(err instanceof ApiError)) return String(err && err.message ? err.message : err);
  // The server's reasons are sentences; the console's message goes on after them.
  const msg = String(err.message || '').replace(/[。.！!]\s*$/, '');
  if (err.code === 'unreadable_file') return t('im.error.unreadable', { msg });
  if (err.code === 'file_too_large' || err.status === 413) return t('im.error.too_large');
  if (err.code === 'bank_invalid') return t('im.error.bank_invalid', { msg });
  if (err.status === 401) return t('error.expired');
  return t('im.error.other', { msg });
}

const errorNotice = (text) => h('div', { class: 'notice notice-error', role: 'alert', testid: 'import-error' }, h('p', null, text));

function summaryText({ report: r, dryRun, mode }) {
  const errors = r.rejected.length;
  if (r.written) return t('im.status.written', { n: int(r.accepted) });
  if (dryRun) {
    if (!errors) return t('im.status.dry_ok', { n: int(r.accepted) });
    return t(mode === 'valid_only' ? 'im.status.dry_some' : 'im.status.dry_blocked', { n: int(r.accepted), e: int(errors) });
  }
  return t('im.status.blocked', { e: int(errors) });
}

function reportView(run, sort, onSort) {
  const r = run.report;
  const errors = r.rejected || [];
  const kind = r.written ? 'ok' : errors.length ? 'bad' : 'info';
  const card = (label, value, testid, cls) => h('div', { class: `stat-card card${cls ? ` ${cls}` : ''}`, testid },
    h('span', { class: 'stat-label' }, label),
    h('strong', { class: 'stat-value' }, value));
  const versions = r.versions || {};
  const keys = [...VERSION_KEYS.filter((k) => k in versions), ...Object.keys(versions).filter((k) => !VERSION_KEYS.includes(k))];
  const rows = sortRows(errors, sort);
  return [
    h('div', { class: 'page-head' },
      h('h2', null, t(run.dryRun ? 'im.report.check' : 'im.report.import')),
      h('p', { class: 'muted small report-meta' }, t('im.report.meta', { file: run.fileName, at: dateTime(run.at), mode: t(`im.mode.${run.mode}`) }))),
    h('p', { class: `report-status status-${kind}`, testid: 'import-status', dataset: { written: String(!!r.written) } },
      h('span', { class: 'status-icon', 'aria-hidden': 'true' }, r.written ? '✓' : errors.length ? '!' : 'i'),
      summaryText(run)),
    h('div', { class: 'stat-cards report-cards' },
      card(t('im.accepted'), int(r.accepted), 'import-accepted'),
      card(t('im.rejected'), int(errors.length), 'import-rejected', errors.length ? 'is-bad' : null),
      card(t('im.written'), r.written ? t('im.yes') : t('im.no'), 'import-written')),
    h('div', { class: 'versions' },
      h('h3', null, t(r.written ? 'im.versions.done' : 'im.versions.would')),
      h('dl', { class: 'version-list', testid: 'import-versions' }, keys.map((k) => h('div', {
        class: versions[k] ? 'is-some' : null, title: known(`im.v.${k}.tip`),
      },
      h('dt', null, known(`im.v.${k}`) || k),
      h('dd', { testid: `import-v-${k}` }, int(versions[k])))))),
    errors.length ? h('div', { class: 'rejected' },
      h('div', { class: 'page-head' },
        h('h3', null, t('im.errors.title', { n: int(errors.length) })),
        h('button', {
          type: 'button', class: 'btn btn-small btn-ghost', testid: 'import-errors-csv',
          onclick: () => saveErrors(rows, run.fileName),
        }, t('im.errors.csv'))),
      dataTable({
        columns: [
          { key: 'row', label: t('im.col.row'), num: true, sort: 'row', cls: 'col-row' },
          { key: 'column', label: t('im.col.column'), sort: 'column', cls: 'nowrap col-column' },
          { key: 'reason', label: t('im.col.reason') },
        ],
        rows, sort: { ...sort, onSort }, caption: t('im.errors.title', { n: errors.length }), testid: 'import-errors',
      })) : null,
  ];
}

/** The translation of `key`, or null when there is none. */
const known = (key) => (t(key) === key ? null : t(key));

/** Rejected rows ordered by row (then column) or by column (then row). */
function sortRows(rows, { key, order }) {
  const dir = order === 'desc' ? -1 : 1;
  const byRow = (a, b) => a.row - b.row;
  const byCol = (a, b) => a.column.localeCompare(b.column, 'zh-CN');
  const [first, second] = key === 'column' ? [byCol, byRow] : [byRow, byCol];
  // Stable sort keeps the server's order for equal keys.
  return rows.map((r, i) => ({ r, i }))
    .sort((a, b) => dir * (first(a.r, b.r) || second(a.r, b.r)) || a.i - b.i)
    .map((x) => x.r);
}

/** The error table as a CSV file (UTF-8 with a byte-order mark, like the server's exports). */
function saveErrors(rows, fileName) {
  const cell = (v) => {
    const s = String(v ?? '');
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [[t('im.col.row'), t('im.col.column'), t('im.col.reason')], ...rows.map((r) => [r.row, r.column, r.reason])]
    .map((cols) => cols.map(cell).join(','));
  const blob = new Blob([`\uFEFF${lines.join('\r\n')}\r\n`], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const base = (fileName || 'import').replace(/\.[^.]+$/, '');
  const a = h('a', { href: url, download: `${base}-errors.csv`, style: { display: 'none' } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
