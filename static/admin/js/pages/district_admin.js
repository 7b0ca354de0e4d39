// 区市管理: every district (retired ones too) in display order with its
// members; add one, rename one in place, retire or bring back one (after a
// confirmation). Refusals (`400 invalid_district` "name：…", `409
// district_exists`) are shown at the field at fault.
import { t } from '../../i18n.js';
import { h, mount, fill, toast, announce } from '/js/dom.js';
import { api, get, ApiError } from '../api.js';
import { int } from '../format.js';
import { pageHeader, dataTable, loadingBox, errorBox, confirmDialog } from '../ui.js';

const PATH = '/api/admin/districts';
const MAX_CHARS = 20;

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;
const chars = (s) => [...s].length;

/** The message for a refused name, in the console's language where known. */
function nameRefusal(err, name) {
  if (!(err instanceof ApiError)) return null;
  if (err.code === 'district_exists' || err.status === 409) return t('da.err.exists', { name });
  if (err.status === 400) {
    const m = /^name\s*[：:]\s*([\s\S]*)$/.exec(err.message || '');
    return m ? m[1] : err.message;
  }
  if (err.status === 404) return t('da.err.gone', { name });
  return null;
}

/** Checks a name before sending it; null when it may go. */
function localCheck(name) {
  if (!name) return t('da.err.empty');
  if (chars(name) > MAX_CHARS) return t('da.err.long', { max: MAX_CHARS });
  return null;
}

export function renderDistrictAdmin(ctx) {
  let districts = [];
  let editing = null; // the name being renamed
  const tableBox = h('div', null, loadingBox());
  const summary = h('p', { class: 'muted small', testid: 'district-summary', 'aria-live': 'polite' });

  // ---- add ----
  const addId = nextId('da-add');
  const addInput = h('input', {
    id: addId, type: 'text', maxlength: 40, autocomplete: 'off', testid: 'district-add-name',
    placeholder: t('da.add.placeholder'), 'aria-describedby': `${addId}-err ${addId}-hint`,
    oninput: () => clearErr(addInput, addErr),
  });
  const addErr = h('p', { id: `${addId}-err`, class: 'field-error', role: 'alert', testid: 'district-add-error' });
  const addBtn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'district-add-submit' }, t('da.add.submit'));

  function clearErr(input, err) {
    input.removeAttribute('aria-invalid');
    err.textContent = '';
  }
  function showErr(input, err, msg) {
    input.setAttribute('aria-invalid', 'true');
    err.textContent = msg;
    input.focus();
  }

  async function onAdd(e) {
    e.preventDefault();
    clearErr(addInput, addErr);
    const name = addInput.value.trim();
    const local = localCheck(name);
    if (local) return showErr(addInput, addErr, local);
    addBtn.disabled = true;
    let created;
    try {
      created = await api('POST', PATH, { name });
    } catch (err) {
      if (!ctx.current()) return;
      addBtn.disabled = false;
      const msg = nameRefusal(err, name);
      if (msg) showErr(addInput, addErr, msg);
      else toast(err.message, 'error');
      return;
    }
    if (!ctx.current()) return;
    addBtn.disabled = false;
    addInput.value = '';
    const msg = t('da.added', { name: created.name });
    toast(msg, 'ok');
    announce(msg);
    await load();
    tableBox.querySelector(`tr[data-name="${CSS.escape(created.name)}"]`)?.classList.add('is-new');
  }

  const addForm = h('form', { class: 'card district-add', novalidate: true, onsubmit: onAdd, testid: 'district-add', 'aria-labelledby': `${addId}-title` },
    h('h2', { id: `${addId}-title` }, t('da.add.title')),
    h('div', { class: 'form-row' },
      h('div', { class: 'field' }, h('label', { for: addId }, t('da.add.name')), addInput),
      h('div', { class: 'form-actions' }, addBtn)),
    addErr,
    h('p', { id: `${addId}-hint`, class: 'muted small field-hint' }, t('da.add.hint', { max: MAX_CHARS })));

  // ---- the list ----
  function nameCell(d) {
    if (editing !== d.name) {
      return h('span', { class: 'district-name' }, d.name);
    }
    const id = nextId('da-rename');
    const input = h('input', {
      id, type: 'text', value: d.name, maxlength: 40, autocomplete: 'off', testid: 'district-rename-input',
      'aria-describedby': `${id}-err`, 'aria-label': t('da.rename.label', { name: d.name }),
      oninput: () => clearErr(input, err),
      onkeydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); stopEditing(d.name); } },
    });
    const err = h('p', { id: `${id}-err`, class: 'field-error', role: 'alert', testid: 'district-rename-error' });
    const save = h('button', { type: 'submit', class: 'btn btn-small btn-primary', testid: 'district-rename-save' }, t('da.rename.save'));
    async function onsubmit(e) {
      e.preventDefault();
      clearErr(input, err);
      const name = input.value.trim();
      if (name === d.name) return stopEditing(d.name);
      const local = localCheck(name);
      if (local) return showErr(input, err, local);
      save.disabled = true;
      let renamed;
      try {
        renamed = await api('PATCH', `${PATH}/${encodeURIComponent(d.name)}`, { name });
      } catch (ex) {
        if (!ctx.current()) return;
        save.disabled = false;
        const msg = nameRefusal(ex, name);
        if (msg) showErr(input, err, msg);
        else toast(ex.message, 'error');
        return;
      }
      if (!ctx.current()) return;
      editing = null;
      const msg = t('da.renamed', { from: d.name, to: renamed.name });
      toast(msg, 'ok');
      announce(msg);
      await load();
      tableBox.querySelector(`tr[data-name="${CSS.escape(renamed.name)}"] [data-testid="district-rename"]`)?.focus();
    }
    return h('form', { class: 'rename-form', novalidate: true, onsubmit, testid: 'district-rename-form' },
      h('div', { class: 'rename-row' },
        input,
        save,
        h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'district-rename-cancel', onclick: () => stopEditing(d.name) }, t('common.cancel'))),
      err);
  }

  function stopEditing(name) {
    editing = null;
    draw();
    tableBox.querySelector(`tr[data-name="${CSS.escape(name)}"] [data-testid="district-rename"]`)?.focus();
  }

  async function setRetired(d, retired) {
    if (retired) {
      const ok = await confirmDialog({
        title: t('da.retire.title', { name: d.name }),
        body: [
          h('p', null, t('da.retire.body1', { n: int(d.members) })),
          h('p', null, t('da.retire.body2')),
        ],
        confirm: t('da.retire.confirm'),
        danger: true,
        testid: 'district-retire-confirm',
      });
      if (!ok || !ctx.current()) return;
    }
    let changed;
    try {
      changed = await api('PATCH', `${PATH}/${encodeURIComponent(d.name)}`, { retired });
    } catch (err) {
      if (ctx.current()) toast(nameRefusal(err, d.name) || err.message, 'error');
      return;
    }
    if (!ctx.current()) return;
    const msg = t(retired ? 'da.retired' : 'da.restored', { name: changed.name });
    toast(msg, 'ok');
    announce(msg);
    await load();
    tableBox.querySelector(`tr[data-name="${CSS.escape(changed.name)}"] [data-testid="${retired ? 'district-restore' : 'district-retire'}"]`)?.focus();
  }

  function draw() {
    const active = districts.filter((d) => !d.retired).length;
    summary.textContent = t('da.summary', { n: int(districts.length), active: int(active), retired: int(districts.length - active) });
    fill(tableBox, dataTable({
      columns: [
        { key: 'position', label: t('da.col.position'), num: true, cls: 'col-rank', render: (d) => int(d.position) },
        { key: 'name', label: t('da.col.name'), header: true, cls: 'col-district', render: nameCell },
        { key: 'members', label: t('da.col.members'), num: true, render: (d) => int(d.members) },
        {
          key: 'status', label: t('da.col.status'),
          render: (d) => h('span', { class: `badge district-status ${d.retired ? 'status-finished' : 'status-running'}`, testid: 'district-status' },
            t(d.retired ? 'da.status.retired' : 'da.status.active')),
        },
        {
          key: 'actions', label: h('span', { class: 'visually-hidden' }, t('da.col.actions')), cls: 'col-action',
          render: (d) => h('div', { class: 'row-actions' },
            h('button', {
              type: 'button', class: 'btn btn-small btn-ghost', testid: 'district-rename',
              disabled: editing === d.name, 'aria-label': t('da.rename.label', { name: d.name }),
              onclick: () => {
                editing = d.name;
                draw();
                tableBox.querySelector('[data-testid="district-rename-input"]')?.select();
              },
            }, t('da.rename')),
            d.retired
              ? h('button', {
                type: 'button', class: 'btn btn-small btn-ghost', testid: 'district-restore',
                'aria-label': t('da.restore.label', { name: d.name }), onclick: () => setRetired(d, false),
              }, t('da.restore'))
              : h('button', {
                type: 'button', class: 'btn btn-small btn-ghost btn-ghost-danger', testid: 'district-retire',
                'aria-label': t('da.retire.label', { name: d.name }), onclick: () => setRetired(d, true),
              }, t('da.retire'))),
        },
      ],
      rows: districts,
      testid: 'district-admin-table',
      caption: t('da.list'),
      empty: t('da.empty'),
      rowAttrs: (d) => ({ 'data-name': d.name, 'data-retired': String(d.retired), testid: 'district-row', class: d.retired ? 'is-retired' : null }),
    }));
  }

  async function load() {
    let data;
    try {
      data = await get(PATH);
    } catch (err) {
      if (ctx.current()) fill(tableBox, errorBox(err, load));
      return;
    }
    if (!ctx.current()) return;
    districts = data.districts || [];
    if (editing && !districts.some((d) => d.name === editing)) editing = null;
    draw();
  }

  mount(h('section', { class: 'page district-admin', testid: 'page-district-admin' },
    pageHeader(t('da.title'), h('a', { class: 'btn btn-small btn-ghost', href: '#/districts' }, t('da.to_stats'))),
    h('div', { class: 'district-admin-top' },
      h('section', { class: 'district-list', 'aria-label': t('da.list') },
        h('div', { class: 'section-head' },
          h('h2', { class: 'section-title' }, t('da.list')),
          summary),
        tableBox,
        h('p', { class: 'notice small' }, t('da.note'))),
      addForm)));
  load();
}
