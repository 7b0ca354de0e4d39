// 区域PK赛 competitions: the list (latest start first) with each one's window
// in Beijing time and its status, and an editor for the chosen one (#/
// competitions?id=7, or ?id=new): a draft takes any rules (what publishing
// would refuse is shown at its field), 发布 checks them (invalid_rules errors
// at their fields), a published competition may still be edited before its
// start, 提前结束 closes it, 复制 makes a new draft. Running and finished ones
// are read-only. Every change sends the version it was based on; a stale one
// (409 version_conflict) asks to reload. A published, running or finished
// competition shows 实时战况 (js/live.js): the live standings, a link to its
// big screen and its exports.
import { t } from '../../i18n.js';
import { h, mount, fill, toast, announce } from '/js/dom.js';
import { api, get, ApiError } from '../api.js';
import { int, dateTime } from '../format.js';
import { pageHeader, dataTable, loadingBox, errorBox, confirmDialog, historyName } from '../ui.js';

const PATH = '/api/admin/competitions';
const HISTORIES = ['party', 'prc', 'reform', 'socialism'];
const STATUSES = ['draft', 'published', 'running', 'finished'];
const FIELDS = ['title', 'starts_at_ms', 'ends_at_ms', 'questions', 'team_size', 'questions_per_battle', 'daily_battles', 'districts'];
const NUMBERS = {
  team_size: { min: 1, max: 10, def: 5 },
  questions_per_battle: { min: 1, max: 20, def: 5 },
  daily_battles: { min: 1, max: 100, def: 5 },
};
const HOUR_MS = 3_600_000;
const BEIJING_MS = 8 * HOUR_MS;

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

/** "2026-12-01T09:00" (Beijing wall time) → epoch ms; null when empty or malformed. */
export function fromBeijingLocal(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || '');
  if (!m) return null;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) - BEIJING_MS;
}

/** Epoch ms → "2026-12-01T09:00" in Beijing time ('' for none). */
export function toBeijingLocal(ms) {
  if (!ms) return '';
  return new Date(ms + BEIJING_MS).toISOString().slice(0, 16);
}

export const statusBadge = (status) => h('span', { class: `badge comp-status status-${status}`, testid: 'competition-status' }, t(`cp.status.${status}`));

/** A competition's window as "start 至 end" in Beijing time (the closing time when closed early). */
function windowText(c) {
  const r = c.rules || {};
  if (!r.starts_at_ms && !r.ends_at_ms) return t('cp.window.unset');
  const closed = c.state?.state === 'closed';
  const end = closed ? c.effective_end_ms : r.ends_at_ms;
  return t(closed ? 'cp.window.closed' : 'cp.window', { from: r.starts_at_ms ? dateTime(r.starts_at_ms) : '?', to: end ? dateTime(end) : '?' });
}

/** Sensible rules for a new draft: tomorrow 09:00 to a week later 21:00, Beijing time. */
function newRules() {
  const tomorrow = new Date(Date.now() + BEIJING_MS + 86_400_000).toISOString().slice(0, 10);
  const start = fromBeijingLocal(`${tomorrow}T09:00`);
  return {
    title: '',
    starts_at_ms: start,
    ends_at_ms: start + 7 * 86_400_000 + 12 * HOUR_MS,
    questions: { kind: 'filter', histories: [], min_difficulty: 1, max_difficulty: 5 },
    team_size: NUMBERS.team_size.def,
    questions_per_battle: NUMBERS.questions_per_battle.def,
    daily_battles: NUMBERS.daily_battles.def,
    districts: [],
  };
}

export function renderCompetitions(ctx) {
  const wanted = ctx.params.get('id');
  const state = { id: wanted === 'new' ? 'new' : (Number.parseInt(wanted || '', 10) || null) };
  let list = [];
  let districts = []; // from /api/admin/districts
  const listBox = h('div', null, loadingBox());
  const editorBox = h('div', { class: 'comp-editor-slot' });

  function drawList() {
    fill(listBox, dataTable({
      columns: [
        {
          key: 'title', label: t('cp.col.title'), header: true,
          render: (c) => h('span', { class: 'comp-title' }, c.rules?.title?.trim() || h('span', { class: 'muted' }, t('cp.untitled'))),
        },
        { key: 'window', label: t('cp.col.window'), cls: 'nowrap', render: windowText },
        { key: 'districts', label: t('cp.col.districts'), num: true, render: (c) => int((c.rules?.districts || []).length) },
        {
          key: 'status', label: t('cp.col.status'),
          render: (c) => h('span', { class: 'status-cell' }, statusBadge(c.status),
            c.status === 'draft' && c.problems?.length
              ? h('span', { class: 'muted small', testid: 'competition-problems-count' }, t('cp.problems.count', { n: c.problems.length }))
              : null),
        },
        {
          key: 'actions', label: h('span', { class: 'visually-hidden' }, t('cp.col.actions')), cls: 'col-action',
          render: (c) => h('div', { class: 'row-actions' },
            h('button', {
              type: 'button', class: 'btn btn-small btn-ghost', testid: `competition-open-${c.id}`,
              'aria-pressed': String(c.id === state.id),
              'aria-label': t('cp.open.label', { name: c.rules?.title || t('cp.untitled') }),
              onclick: () => choose(c.id),
            }, c.status === 'draft' || c.status === 'published' ? t('cp.edit') : t('cp.view')),
            h('button', {
              type: 'button', class: 'btn btn-small btn-ghost', testid: `competition-clone-${c.id}`,
              'aria-label': t('cp.clone.label', { name: c.rules?.title || t('cp.untitled') }),
              onclick: () => cloneOf(c),
            }, t('cp.clone'))),
        },
      ],
      rows: list,
      testid: 'competitions-table',
      caption: t('cp.list'),
      empty: t('cp.empty'),
      rowAttrs: (c) => ({
        'data-id': c.id, 'data-status': c.status, testid: 'competition-row',
        class: [c.status === 'running' ? 'is-running' : '', c.id === state.id ? 'is-selected' : ''].join(' ').trim() || null,
      }),
    }));
  }

  async function loadList() {
    let data;
    try {
      [data] = await Promise.all([get(PATH), loadDistricts()]);
    } catch (err) {
      if (ctx.current()) fill(listBox, errorBox(err, loadList));
      return false;
    }
    if (!ctx.current()) return false;
    list = (data.competitions || []).filter((c) => STATUSES.includes(c.status));
    drawList();
    return true;
  }

  async function loadDistricts() {
    const data = await get('/api/admin/districts');
    districts = data.districts || [];
  }

  function choose(id) {
    state.id = id;
    ctx.setParams({ id: id ?? '' });
    drawList();
    openEditor();
  }

  async function cloneOf(c) {
    let copy;
    try {
      copy = await api('POST', `${PATH}/${c.id}/clone`);
    } catch (err) {
      if (ctx.current()) toast(err.message, 'error');
      return;
    }
    if (!ctx.current()) return;
    const msg = t('cp.cloned', { name: copy.rules.title });
    toast(msg, 'ok');
    announce(msg);
    await loadList();
    choose(copy.id);
    listBox.querySelector(`tr[data-id="${copy.id}"]`)?.classList.add('is-new');
  }

  function openEditor() {
    if (state.id === null) { fill(editorBox, null); return; }
    if (state.id === 'new') {
      fill(editorBox, editor(null));
      editorBox.querySelector('[data-testid="competition-title"]')?.focus();
      return;
    }
    const c = list.find((x) => x.id === state.id);
    if (!c) {
      fill(editorBox, h('p', { class: 'notice notice-error', role: 'alert' }, t('cp.unknown', { id: state.id })));
      return;
    }
    fill(editorBox, editor(c));
  }

  /** Replaces `c` in the list by its new state and redraws both. */
  function updated(c, { focus } = {}) {
    const i = list.findIndex((x) => x.id === c.id);
    if (i >= 0) list[i] = c; else list.unshift(c);
    state.id = c.id;
    ctx.setParams({ id: c.id });
    drawList();
    fill(editorBox, editor(c));
    if (focus) editorBox.querySelector(focus)?.focus();
  }

  // ---- the editor ----
  function editor(c) {
    const rules = c ? c.rules : newRules();
    const status = c ? c.status : 'draft';
    const editable = status === 'draft' || status === 'published';
    const headId = nextId('cp-h');
    const errs = {};
    const inputs = {};
    let dirty = !c;

    const errSlot = (field) => {
      errs[field] = h('p', { id: nextId(`cp-${field}-err`), class: 'field-error', role: 'alert', testid: `competition-${field}-error` });
      return errs[field];
    };
    const described = (field) => errs[field].id;
    const touch = (field) => () => {
      dirty = true;
      clearField(field);
    };

    // title
    const titleId = nextId('cp-title');
    errSlot('title');
    inputs.title = h('input', {
      id: titleId, type: 'text', value: rules.title || '', maxlength: 80, autocomplete: 'off',
      testid: 'competition-title', placeholder: t('cp.f.title.placeholder'), 'aria-describedby': described('title'),
      oninput: touch('title'),
    });

    // window
    const startId = nextId('cp-start');
    const endId = nextId('cp-end');
    errSlot('starts_at_ms');
    errSlot('ends_at_ms');
    const windowPreview = h('p', { class: 'muted small field-hint', testid: 'competition-window-preview', 'aria-live': 'polite' });
    inputs.starts_at_ms = h('input', {
      id: startId, type: 'datetime-local', value: toBeijingLocal(rules.starts_at_ms), step: 60,
      testid: 'competition-start', 'aria-describedby': described('starts_at_ms'),
      oninput: () => { touch('starts_at_ms')(); preview(); },
    });
    inputs.ends_at_ms = h('input', {
      id: endId, type: 'datetime-local', value: toBeijingLocal(rules.ends_at_ms), step: 60,
      testid: 'competition-end', 'aria-describedby': described('ends_at_ms'),
      oninput: () => { touch('ends_at_ms')(); preview(); },
    });
    function preview() {
      const s = fromBeijingLocal(inputs.starts_at_ms.value);
      const e = fromBeijingLocal(inputs.ends_at_ms.value);
      if (s && e && e > s) {
        const hours = (e - s) / HOUR_MS;
        const span = hours >= 48 ? t('cp.f.window.days', { n: Math.round((hours / 24) * 10) / 10 }) : t('cp.f.window.hours', { n: Math.round(hours * 10) / 10 });
        windowPreview.textContent = t('cp.f.window.preview', { span });
      } else {
        windowPreview.textContent = '';
      }
    }

    // question set
    errSlot('questions');
    const q = rules.questions || { kind: 'filter' };
    const kindName = nextId('cp-kind');
    const kindRadio = (kind) => h('label', { class: 'choice' },
      h('input', {
        type: 'radio', name: kindName, value: kind, checked: (q.kind || 'filter') === kind, testid: `competition-questions-${kind}`,
        onchange: () => { touch('questions')(); showKind(); },
      }),
      h('span', null, t(`cp.f.questions.${kind}`)));
    const histBoxes = HISTORIES.map((id) => h('input', {
      type: 'checkbox', value: id, testid: `competition-history-${id}`,
      checked: q.kind === 'filter' && (q.histories || []).includes(id),
      onchange: touch('questions'),
    }));
    const diffSelect = (value, testid, label) => {
      const id = nextId('cp-diff');
      return [h('label', { for: id }, label), h('select', { id, testid, onchange: touch('questions') },
        [1, 2, 3, 4, 5].map((n) => h('option', { value: n, selected: n === value }, t('difficulty.n', { n }))))];
    };
    const [minLabel, minSel] = diffSelect(q.kind === 'filter' ? q.min_difficulty ?? 1 : 1, 'competition-min-difficulty', t('cp.f.min_difficulty'));
    const [maxLabel, maxSel] = diffSelect(q.kind === 'filter' ? q.max_difficulty ?? 5 : 5, 'competition-max-difficulty', t('cp.f.max_difficulty'));
    const idsId = nextId('cp-ids');
    const idsArea = h('textarea', {
      id: idsId, rows: 6, testid: 'competition-ids', spellcheck: 'false', placeholder: 'party-001\nprc-017',
      'aria-describedby': `${described('questions')} ${idsId}-hint`,
      oninput: touch('questions'),
    });
    idsArea.value = q.kind === 'picked' ? (q.ids || []).join('\n') : '';
    const filterPane = h('div', { class: 'q-filter', testid: 'competition-filter' },
      h('fieldset', { class: 'choices inline-choices' },
        h('legend', null, t('cp.f.histories')),
        HISTORIES.map((id, i) => h('label', { class: 'choice' }, histBoxes[i], h('span', null, historyName(id))))),
      h('p', { class: 'muted small field-hint' }, t('cp.f.histories.hint')),
      h('div', { class: 'form-row' },
        h('div', { class: 'field' }, minLabel, minSel),
        h('div', { class: 'field' }, maxLabel, maxSel)));
    const pickedPane = h('div', { class: 'q-picked', testid: 'competition-picked' },
      h('div', { class: 'field' },
        h('label', { for: idsId }, t('cp.f.ids')),
        idsArea,
        h('p', { id: `${idsId}-hint`, class: 'muted small field-hint' }, t('cp.f.ids.hint'))));
    inputs.questions = filterPane.querySelector('input') || idsArea;
    function kind() {
      return editorEl.querySelector(`input[name="${kindName}"]:checked`)?.value || 'filter';
    }
    function showKind() {
      const k = kind();
      filterPane.hidden = k !== 'filter';
      pickedPane.hidden = k !== 'picked';
      inputs.questions = k === 'filter' ? histBoxes[0] : idsArea;
    }

    // numbers
    const numberField = (field) => {
      const id = nextId(`cp-${field}`);
      errSlot(field);
      const spec = NUMBERS[field];
      inputs[field] = h('input', {
        id, type: 'number', min: spec.min, max: spec.max, step: 1, inputmode: 'numeric',
        value: String(rules[field] ?? spec.def), testid: `competition-${field.replace(/_/g, '-')}`,
        'aria-describedby': `${described(field)} ${id}-hint`, oninput: touch(field),
      });
      return h('div', { class: 'field field-number' },
        h('label', { for: id }, t(`cp.f.${field}`)),
        h('span', { class: 'input-suffix' }, inputs[field], h('span', { 'aria-hidden': 'true' }, t(`cp.f.${field}.unit`))),
        h('p', { id: `${id}-hint`, class: 'muted small field-hint' }, t(`cp.f.${field}.hint`, { min: spec.min, max: spec.max, def: spec.def })),
        errs[field]);
    };

    // districts
    errSlot('districts');
    const chosen = new Set(rules.districts || []);
    const offered = districts.filter((d) => !d.retired || chosen.has(d.name));
    for (const name of chosen) {
      if (!districts.some((d) => d.name === name)) offered.push({ name, retired: true, unknown: true, members: null });
    }
    const districtBoxes = offered.map((d) => h('input', {
      type: 'checkbox', value: d.name, checked: chosen.has(d.name), testid: 'competition-district',
      'data-name': d.name, onchange: () => { touch('districts')(); countDistricts(); },
    }));
    const districtCount = h('span', { class: 'muted small', testid: 'competition-district-count', 'aria-live': 'polite' });
    function countDistricts() {
      const n = districtBoxes.filter((b) => b.checked).length;
      districtCount.textContent = t('cp.f.districts.count', { n });
    }
    const allBtn = h('button', {
      type: 'button', class: 'btn btn-small btn-ghost', testid: 'competition-districts-all',
      onclick: () => {
        const every = districtBoxes.every((b, i) => b.checked || offered[i].retired);
        districtBoxes.forEach((b, i) => { if (!offered[i].retired) b.checked = !every; });
        touch('districts')();
        countDistricts();
      },
    }, t('cp.f.districts.all'));
    const districtSet = h('fieldset', { class: 'choices district-choices', 'aria-describedby': described('districts') },
      h('legend', null, t('cp.f.districts'), ' ', districtCount),
      offered.length
        ? h('div', { class: 'district-grid' }, offered.map((d, i) => h('label', { class: `choice${d.retired ? ' is-retired' : ''}` },
          districtBoxes[i],
          h('span', null, d.name, d.retired ? h('small', { class: 'muted' }, ` ${t('cp.f.districts.retired')}`) : null))))
        : h('p', { class: 'muted' }, t('cp.f.districts.none')),
      h('div', { class: 'district-tools' }, offered.length ? allBtn : null, h('a', { href: '#/district-admin', class: 'small' }, t('cp.f.districts.manage'))));
    inputs.districts = districtBoxes[0] || allBtn;

    // ---- messages ----
    const banner = h('div', { class: 'comp-banner', testid: 'competition-banner', 'aria-live': 'polite' });
    const formErr = h('p', { class: 'form-error', role: 'alert', testid: 'competition-form-error' });

    function clearField(field) {
      const err = errs[field];
      if (!err) return;
      err.textContent = '';
      err.classList.remove('is-problem');
      const group = fieldGroup(field);
      group?.classList.remove('has-error', 'has-problem');
      for (const el of fieldInputs(field)) el.removeAttribute('aria-invalid');
    }
    function fieldInputs(field) {
      if (field === 'questions') return [idsArea, minSel, maxSel, ...histBoxes];
      if (field === 'districts') return districtBoxes;
      return inputs[field] ? [inputs[field]] : [];
    }
    function fieldGroup(field) {
      return errs[field]?.closest('.comp-field');
    }
    /** Shows {field, reason} entries at their fields; `hard` marks them invalid (a refusal), else as to-dos. */
    function showAt(list, hard) {
      const byField = {};
      for (const p of list || []) (byField[FIELDS.includes(p.field) ? p.field : '_'] ||= []).push(p.reason);
      for (const field of FIELDS) {
        const reasons = byField[field];
        if (!reasons) continue;
        errs[field].textContent = reasons.join('；');
        errs[field].classList.toggle('is-problem', !hard);
        fieldGroup(field)?.classList.add(hard ? 'has-error' : 'has-problem');
        if (hard) for (const el of fieldInputs(field)) el.setAttribute('aria-invalid', 'true');
      }
      if (byField._) formErr.textContent = byField._.join('；');
      return FIELDS.find((f) => byField[f]);
    }
    function clearAll() {
      FIELDS.forEach(clearField);
      formErr.textContent = '';
    }
    function drawBanner() {
      if (!c) {
        fill(banner, h('p', { class: 'notice small' }, t('cp.banner.new')));
        return;
      }
      const n = c.problems?.length || 0;
      if (status === 'draft') {
        fill(banner, n
          ? h('p', { class: 'notice small', testid: 'competition-problems' }, t('cp.banner.problems', { n }))
          : h('p', { class: 'notice notice-ok small', testid: 'competition-ready' }, t('cp.banner.ready')));
      } else if (status === 'published') {
        fill(banner, h('p', { class: 'notice small' }, t('cp.banner.published', { at: dateTime(c.rules.starts_at_ms) })));
      } else {
        fill(banner, h('p', { class: 'notice small', testid: 'competition-readonly' }, t(`cp.banner.${status}`)));
      }
    }
    function conflict() {
      fill(banner, h('div', { class: 'notice notice-error', role: 'alert', testid: 'competition-conflict' },
        h('p', null, t('cp.conflict')),
        h('button', { type: 'button', class: 'btn btn-small btn-primary', testid: 'competition-reload', onclick: reload }, t('cp.reload'))));
      banner.querySelector('button')?.focus();
    }
    async function reload() {
      try {
        const fresh = await get(`${PATH}/${c.id}`);
        if (!ctx.current()) return;
        updated(fresh, { focus: '[data-testid="competition-title"]' });
        toast(t('cp.reloaded'), 'info');
      } catch (err) {
        if (ctx.current()) toast(err.message, 'error');
      }
    }

    /** The rules in the form, or null after marking a field the browser can tell is wrong. */
    function collect() {
      const local = [];
      const start = fromBeijingLocal(inputs.starts_at_ms.value);
      const end = fromBeijingLocal(inputs.ends_at_ms.value);
      if (inputs.starts_at_ms.value && start === null) local.push({ field: 'starts_at_ms', reason: t('cp.err.time') });
      if (inputs.ends_at_ms.value && end === null) local.push({ field: 'ends_at_ms', reason: t('cp.err.time') });
      const nums = {};
      for (const [field, spec] of Object.entries(NUMBERS)) {
        const raw = inputs[field].value.trim();
        const n = Number(raw);
        if (raw === '' || !Number.isInteger(n)) local.push({ field, reason: t('cp.err.number', { min: spec.min, max: spec.max }) });
        else nums[field] = n;
      }
      let questions;
      if (kind() === 'picked') {
        const ids = idsArea.value.split(/[\s,，、]+/).map((s) => s.trim()).filter(Boolean);
        questions = { kind: 'picked', ids };
      } else {
        questions = {
          kind: 'filter',
          histories: histBoxes.filter((b) => b.checked).map((b) => b.value),
          min_difficulty: Number(minSel.value),
          max_difficulty: Number(maxSel.value),
        };
      }
      if (local.length) {
        const first = showAt(local, true);
        fieldInputs(first)[0]?.focus();
        return null;
      }
      return {
        title: inputs.title.value.trim(),
        starts_at_ms: start ?? 0,
        ends_at_ms: end ?? 0,
        questions,
        ...nums,
        districts: districtBoxes.filter((b) => b.checked).map((b) => b.value),
      };
    }

    const busy = (on) => {
      for (const b of actions.querySelectorAll('button')) b.disabled = on || b.dataset.off === '1';
      editorEl.setAttribute('aria-busy', on ? 'true' : 'false');
    };

    /** Shows a refusal: invalid_rules at the fields, a stale version as a reload banner, else at the form. */
    function refused(err) {
      if (err instanceof ApiError && err.code === 'invalid_rules' && Array.isArray(err.details.errors)) {
        formErr.textContent = t('cp.err.invalid', { n: err.details.errors.length });
        const first = showAt(err.details.errors, true);
        if (first) fieldInputs(first)[0]?.focus();
        return;
      }
      if (err instanceof ApiError && err.code === 'version_conflict') return conflict();
      if (err instanceof ApiError && ['started', 'finished', 'already_published', 'not_published'].includes(err.code)) {
        formErr.textContent = `${err.message} ${t('cp.err.state')}`;
        return;
      }
      formErr.textContent = err.message;
    }

    /** Saves the form (POST a new draft, PUT an existing one); the saved competition or null. */
    async function save({ quiet = false } = {}) {
      clearAll();
      const next = collect();
      if (!next) return null;
      busy(true);
      let saved;
      try {
        saved = c
          ? await api('PUT', `${PATH}/${c.id}`, { version: c.version, rules: next })
          : await api('POST', PATH, next);
      } catch (err) {
        if (!ctx.current()) return null;
        busy(false);
        refused(err);
        return null;
      }
      if (!ctx.current()) return null;
      if (!quiet) {
        const msg = t(c ? 'cp.saved' : 'cp.created', { name: saved.rules.title || t('cp.untitled') });
        toast(msg, 'ok');
        announce(msg);
        updated(saved, { focus: saved.problems?.length ? null : '[data-testid="competition-save"]' });
        if (saved.problems?.length) {
          const first = FIELDS.find((f) => saved.problems.some((p) => p.field === f));
          editorBox.querySelector(`[data-testid="competition-${first}-error"]`)?.closest('.comp-field')?.scrollIntoView({ block: 'nearest' });
        }
      }
      return saved;
    }

    async function publish() {
      let current = c;
      if (dirty) {
        current = await save({ quiet: true });
        if (!current) return;
      }
      busy(true);
      let done;
      try {
        done = await api('POST', `${PATH}/${current.id}/publish`, { version: current.version });
      } catch (err) {
        if (!ctx.current()) return;
        if (current !== c) {
          // The save went through: show the saved draft, then the refusal in it.
          updated(current);
          const box = editorBox.firstElementChild;
          box?.dispatchEvent(new CustomEvent('refused', { detail: err }));
          return;
        }
        busy(false);
        refused(err);
        return;
      }
      if (!ctx.current()) return;
      const msg = t(done.status === 'running' ? 'cp.published.running' : 'cp.published', { name: done.rules.title, at: dateTime(done.rules.starts_at_ms) });
      toast(msg, 'ok');
      announce(msg);
      updated(done, { focus: '[data-testid="competition-status"]' });
    }

    async function closeEarly() {
      const ok = await confirmDialog({
        title: t('cp.close.title', { name: c.rules.title }),
        body: h('p', null, t(status === 'running' ? 'cp.close.body.running' : 'cp.close.body.published')),
        confirm: t('cp.close.confirm'),
        danger: true,
        testid: 'competition-close-confirm',
      });
      if (!ok || !ctx.current()) return;
      busy(true);
      let done;
      try {
        done = await api('POST', `${PATH}/${c.id}/close`, { version: c.version });
      } catch (err) {
        if (!ctx.current()) return;
        busy(false);
        refused(err);
        return;
      }
      if (!ctx.current()) return;
      const msg = t('cp.closed', { name: done.rules.title });
      toast(msg, 'ok');
      announce(msg);
      updated(done);
    }

    // ---- actions ----
    const saveBtn = editable
      ? h('button', { type: 'submit', class: `btn ${status === 'draft' ? 'btn-ghost' : 'btn-primary'}`, testid: 'competition-save' },
        t(c ? (status === 'draft' ? 'cp.save.draft' : 'cp.save.published') : 'cp.save.new'))
      : null;
    const actions = h('div', { class: 'form-actions comp-actions' },
      saveBtn,
      c && status === 'draft'
        ? h('button', { type: 'button', class: 'btn btn-primary', testid: 'competition-publish', onclick: publish }, t('cp.publish'))
        : null,
      c && (status === 'published' || status === 'running')
        ? h('button', { type: 'button', class: 'btn btn-danger', testid: 'competition-close', onclick: closeEarly }, t('cp.close'))
        : null,
      c ? h('button', { type: 'button', class: 'btn btn-ghost', testid: 'competition-clone', onclick: () => cloneOf(c) }, t('cp.clone')) : null,
      h('button', {
        type: 'button', class: 'btn btn-ghost push-right', testid: 'competition-dismiss',
        onclick: () => choose(null),
      }, t('cp.dismiss')));

    const field = (name, ...children) => h('div', { class: 'comp-field', 'data-field': name }, children);
    const fields = h('fieldset', { class: 'comp-fields', disabled: !editable },
      h('legend', { class: 'visually-hidden' }, t('cp.rules')),
      field('title',
        h('div', { class: 'field field-wide' }, h('label', { for: titleId }, t('cp.f.title')), inputs.title),
        errs.title),
      h('div', { class: 'comp-window' },
        field('starts_at_ms',
          h('div', { class: 'field' }, h('label', { for: startId }, t('cp.f.start')), inputs.starts_at_ms),
          errs.starts_at_ms),
        h('span', { class: 'window-to', 'aria-hidden': 'true' }, '→'),
        field('ends_at_ms',
          h('div', { class: 'field' }, h('label', { for: endId }, t('cp.f.end')), inputs.ends_at_ms),
          errs.ends_at_ms)),
      h('p', { class: 'muted small field-hint' }, t('cp.f.window.hint')),
      windowPreview,
      field('questions',
        h('fieldset', { class: 'choices inline-choices', 'aria-describedby': described('questions') },
          h('legend', null, t('cp.f.questions')),
          kindRadio('filter'), kindRadio('picked')),
        filterPane, pickedPane,
        errs.questions),
      h('div', { class: 'comp-numbers' },
        field('team_size', numberField('team_size')),
        field('questions_per_battle', numberField('questions_per_battle')),
        field('daily_battles', numberField('daily_battles'))),
      field('districts', districtSet, errs.districts));

    const overview = c && status !== 'draft' ? liveNote(c) : null;

    const editorEl = h('form', {
      class: `card comp-editor is-${status}`, novalidate: true, testid: 'competition-editor',
      'data-id': c ? c.id : 'new', 'data-status': status, 'data-version': c ? c.version : '',
      'aria-labelledby': headId,
      onsubmit: (e) => { e.preventDefault(); if (editable) save(); },
    },
    h('div', { class: 'comp-editor-head' },
      h('h2', { id: headId, tabindex: -1 }, c ? (c.rules.title || t('cp.untitled')) : t('cp.new.title')),
      c ? statusBadge(status) : statusBadge('draft'),
      c ? h('span', { class: 'muted small' }, t('cp.meta', { id: c.id, version: c.version, at: dateTime(c.updated_at_ms) })) : null),
    banner,
    overview,
    fields,
    formErr,
    editable || c ? actions : null);
    editorEl.addEventListener('refused', (e) => refused(e.detail));

    showKind();
    preview();
    countDistricts();
    drawBanner();
    if (c && status === 'draft') showAt(c.problems, false);
    return editorEl;
  }

  /** For a published, running or finished competition: its facts and its live standings. */
  function liveNote(c) {
    const r = c.rules;
    const at = c.state?.at_ms;
    const facts = [
      [t('cp.live.status'), statusBadge(c.status)],
      [t('cp.live.window'), windowText(c)],
      at ? [t(c.state.state === 'closed' ? 'cp.live.closed_at' : 'cp.live.published_at'), dateTime(at)] : null,
      [t('cp.live.districts'), (r.districts || []).join(t('cp.live.sep')) || t('common.none')],
      [t('cp.live.format'), t('cp.live.format.value', { team: r.team_size, q: r.questions_per_battle, daily: r.daily_battles })],
    ].filter(Boolean);
    return [
      h('section', { class: 'comp-live', testid: 'competition-live', 'aria-label': t('cp.live.title') },
        h('dl', { class: 'comp-facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]))),
      liveSlot(c),
    ];
  }

  /**
   * 实时战况, loaded on demand: the rest of the page does not depend on the
   * big screen's feed module (/screen/feed.js) loading.
   */
  function liveSlot(c) {
    const slot = h('div', { class: 'comp-rt-slot' });
    import('../live.js')
      .then((m) => { if (slot.isConnected) fill(slot, m.liveStandings(c)); })
      .catch((err) => {
        if (slot.isConnected) fill(slot, h('p', { class: 'notice notice-error', role: 'alert' }, t('error.load', { msg: err.message })));
      });
    return slot;
  }

  mount(h('section', { class: 'page competitions', testid: 'page-competitions' },
    pageHeader(t('cp.title'),
      h('button', { type: 'button', class: 'btn btn-primary', testid: 'competition-new', onclick: () => choose('new') }, '＋ ', t('cp.new'))),
    h('section', { class: 'comp-list', 'aria-label': t('cp.list') },
      h('h2', { class: 'section-title' }, t('cp.list')),
      listBox),
    editorBox));

  loadList().then((ok) => { if (ok) openEditor(); });
}
