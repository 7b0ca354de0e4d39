// 争上游 seasons: every season (earliest first, the running one marked), a
// form to schedule the next one (refusals shown at the field at fault), and
// for a chosen season (default the running one) how many members each tier
// holds and the standings, the whole season's or one tier's.
import { t } from '../../i18n.js';
import { h, mount, fill, toast, announce } from '/js/dom.js';
import { api, get, qs, ApiError } from '../api.js';
import { int, pct, dateTime, beijingDay, beijingDate } from '../format.js';
import { pageHeader, dataTable, loadingBox, errorBox, intParam } from '../ui.js';

const PATH = '/api/admin/ladder/seasons';
export const TIERS = ['bronze', 'silver', 'gold', 'platinum', 'diamond', 'king'];
const STATUSES = ['running', 'upcoming', 'finished'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;
const LIMIT = 50;

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

export const seasonName = (id) => t('ld.season', { n: id });
/** The last Beijing day of a season (its end is exclusive: 00:00 the day after). */
const lastDay = (s) => beijingDay(s.ends_at_ms - 1);
/** "2026-12-01" + n days, as a date. */
const addDays = (iso, n) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

export const tierName = (tier) => t(`tier.${tier}`);

/** A tier chip: 黄金 in the tier's colours. */
export const tierChip = (tier, extra) => h('span', { class: `tier-chip tier-${tier}` }, tierName(tier), extra || null);

/** 黄金 ★★★★☆ (stars of the cap), or 王者 ★ 12 (no cap). */
function rankCell(rank) {
  if (!rank) return null;
  const stars = rank.cap
    ? h('span', { class: 'stars', 'aria-hidden': 'true' },
      '★'.repeat(Math.min(rank.stars, rank.cap)),
      h('span', { class: 'stars-off' }, '☆'.repeat(Math.max(0, rank.cap - rank.stars))))
    : h('span', { class: 'stars', 'aria-hidden': 'true' }, `★ ${int(rank.stars)}`);
  return h('span', { class: 'rank-cell', title: t('ld.stars', { n: rank.stars }) },
    tierChip(rank.tier),
    stars,
    h('span', { class: 'visually-hidden' }, t('ld.stars', { n: rank.stars })));
}

/** A small trophy drawing for the empty standings (no emoji font needed). */
function trophy() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 48 48');
  svg.setAttribute('width', '44');
  svg.setAttribute('height', '44');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'empty-icon');
  svg.innerHTML = '<path d="M14 6h20v12a10 10 0 0 1-20 0z" fill="currentColor" opacity=".85"/>'
    + '<path d="M14 10H7v4a8 8 0 0 0 8 8M34 10h7v4a8 8 0 0 1-8 8" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round"/>'
    + '<path d="M21 28h6v8h-6z" fill="currentColor" opacity=".7"/><rect x="14" y="36" width="20" height="6" rx="2" fill="currentColor"/>';
  return svg;
}

const statusBadge = (status) => h('span', { class: `badge season-status status-${status}`, testid: 'season-status' }, t(`ld.status.${status}`));

/** The season to show when none is asked for: the running one, else the latest that started, else the first. */
function defaultSeason(list) {
  return list.find((s) => s.status === 'running')
    || [...list].reverse().find((s) => s.status === 'finished')
    || list[0] || null;
}

/** The day a new season should start: right after the latest one, and not before tomorrow. */
function suggestedStart(list) {
  const tomorrow = beijingDate(1);
  if (!list.length) return tomorrow;
  const latest = list.reduce((a, b) => (b.ends_at_ms > a.ends_at_ms ? b : a));
  const next = beijingDay(latest.ends_at_ms);
  return next > tomorrow ? next : tomorrow;
}

export function renderLadder(ctx) {
  const p = ctx.params;
  const state = {
    season: intParam(p, 'season', null),
    tier: TIERS.includes(p.get('tier')) ? p.get('tier') : '',
  };
  let seasons = [];

  const seasonsBox = h('div', null, loadingBox());
  const standingsBox = h('div', { class: 'standings-slot' });
  const form = seasonForm();

  // ---- the seasons table ----
  function drawSeasons() {
    fill(seasonsBox, dataTable({
      columns: [
        { key: 'id', label: t('ld.col.season'), header: true, cls: 'nowrap', render: (s) => seasonName(s.id) },
        { key: 'start', label: t('ld.col.start'), cls: 'nowrap', render: (s) => beijingDay(s.starts_at_ms) },
        { key: 'end', label: t('ld.col.end'), cls: 'nowrap', render: (s) => lastDay(s) },
        { key: 'days', label: t('ld.col.days'), num: true, render: (s) => t('ld.days', { n: int(s.days) }) },
        { key: 'status', label: t('ld.col.status'), render: (s) => statusBadge(s.status) },
        {
          key: 'view', label: h('span', { class: 'visually-hidden' }, t('ld.col.view')), cls: 'col-action',
          render: (s) => h('button', {
            type: 'button', class: 'btn btn-small btn-ghost', testid: `season-view-${s.id}`,
            'aria-pressed': String(s.id === state.season),
            'aria-label': t('ld.view.label', { name: seasonName(s.id) }),
            onclick: () => choose(s.id),
          }, s.id === state.season ? t('ld.viewing') : t('ld.view')),
        },
      ],
      rows: seasons,
      testid: 'seasons-table',
      caption: t('ld.seasons'),
      empty: t('ld.seasons.empty'),
      rowAttrs: (s) => ({
        'data-id': s.id, 'data-status': s.status, testid: 'season-row',
        title: t('ld.exact', { from: dateTime(s.starts_at_ms), to: dateTime(s.ends_at_ms) }),
        class: [s.status === 'running' ? 'is-running' : '', s.id === state.season ? 'is-selected' : ''].join(' ').trim() || null,
      }),
    }));
  }

  let listSeq = 0;
  async function loadSeasons({ prefill = true } = {}) {
    const mine = ++listSeq;
    let data;
    try {
      data = await get(PATH);
    } catch (err) {
      if (ctx.current() && mine === listSeq) fill(seasonsBox, errorBox(err, () => loadSeasons({ prefill })));
      return;
    }
    if (!ctx.current() || mine !== listSeq) return;
    seasons = (data.seasons || []).filter((s) => STATUSES.includes(s.status));
    if (!seasons.some((s) => s.id === state.season)) state.season = defaultSeason(seasons)?.id ?? null;
    drawSeasons();
    if (prefill) form.prefill(seasons);
    loadStandings();
  }

  function choose(id) {
    if (id === state.season) return;
    state.season = id;
    state.tier = '';
    drawSeasons();
    loadStandings();
    standingsBox.querySelector('h2')?.focus({ preventScroll: true });
  }

  // ---- standings of the chosen season ----
  let seq = 0;
  let last = null; // the latest answer for this season (keeps the tier counts while a tab loads)
  async function loadStandings() {
    const mine = ++seq;
    ctx.setParams(state);
    const season = seasons.find((s) => s.id === state.season);
    if (!season) {
      last = null;
      fill(standingsBox, null);
      return;
    }
    if (!last || last.season.id !== season.id) {
      last = null;
      fill(standingsBox, standingsCard(season, null, loadingBox()));
    } else {
      const panel = standingsBox.querySelector('[role="tabpanel"]');
      if (panel) panel.setAttribute('aria-busy', 'true');
    }
    let data;
    try {
      data = await get(`${PATH}/${season.id}/standings${qs({ tier: state.tier, limit: LIMIT })}`);
    } catch (err) {
      if (!ctx.current() || mine !== seq) return;
      const box = err instanceof ApiError && err.status === 404
        ? h('p', { class: 'notice notice-error', role: 'alert' }, t('ld.unknown', { name: seasonName(season.id) }))
        : errorBox(err, loadStandings);
      fill(standingsBox, standingsCard(season, last, box));
      return;
    }
    if (!ctx.current() || mine !== seq) return;
    last = data;
    const focused = document.activeElement?.getAttribute('role') === 'tab';
    fill(standingsBox, standingsCard(data.season || season, data, standingsPanel(data)));
    if (focused) standingsBox.querySelector('[role="tab"][aria-selected="true"]')?.focus();
  }

  function standingsCard(season, data, panel) {
    const headId = nextId('standings-h');
    const tabs = data ? tierTabs(data) : null;
    const panelId = nextId('standings-panel');
    if (tabs) {
      for (const tab of tabs.querySelectorAll('[role="tab"]')) tab.setAttribute('aria-controls', panelId);
    }
    const current = tabs?.querySelector('[aria-selected="true"]');
    return h('section', { class: 'card standings', testid: 'standings', 'data-season': season.id, 'aria-labelledby': headId },
      h('div', { class: 'standings-head' },
        h('h2', { id: headId, tabindex: -1 }, t('ld.standings.title', { name: seasonName(season.id) })),
        statusBadge(season.status),
        h('span', { class: 'muted small', testid: 'standings-meta' },
          t('ld.range', { from: beijingDay(season.starts_at_ms), to: lastDay(season) }),
          data ? ` · ${t('ld.ranked', { n: int(data.ranked) })}` : null)),
      h('div', { class: 'standings-body' },
        data ? tierDistribution(data) : null,
        h('div', { class: 'standings-main' },
          tabs,
          h('div', {
            id: panelId, role: tabs ? 'tabpanel' : null, class: 'standings-panel',
            'aria-labelledby': current ? current.id : null,
          }, panel))));
  }

  /** Members per tier as horizontal bars, 王者 at the top. */
  function tierDistribution(data) {
    const counts = Object.fromEntries((data.tiers || []).map((x) => [x.tier, x.members]));
    const total = TIERS.reduce((s, k) => s + (counts[k] || 0), 0);
    const max = Math.max(1, ...TIERS.map((k) => counts[k] || 0));
    const titleId = nextId('dist-h');
    return h('figure', { class: 'tier-dist', testid: 'tier-dist', 'aria-labelledby': titleId },
      h('figcaption', null,
        h('h3', { id: titleId }, t('ld.dist.title')),
        h('p', { class: 'muted small' }, t('ld.dist.desc'))),
      h('ol', { class: 'tier-bars' }, [...TIERS].reverse().map((tier) => {
        const n = counts[tier] || 0;
        return h('li', { class: `tier-bar tier-${tier}`, testid: `tier-bar-${tier}`, 'data-members': n },
          h('span', { class: 'tier-bar-name' }, tierName(tier)),
          h('span', { class: 'tier-track', 'aria-hidden': 'true' },
            h('span', { class: 'tier-fill', style: { width: `${(n / max) * 100}%` } })),
          h('span', { class: 'tier-bar-count' },
            t('ld.people', { n: int(n) }),
            h('span', { class: 'muted' }, total ? ` ${pct(n / total, 0)}` : '')));
      })));
  }

  /** 全部 + the six tiers (their member counts in a tooltip); arrow keys move between them. */
  function tierTabs(data) {
    const counts = Object.fromEntries((data.tiers || []).map((x) => [x.tier, x.members]));
    const keys = ['', ...TIERS];
    const select = (tier) => {
      if (tier === state.tier) return;
      state.tier = tier;
      loadStandings();
    };
    const onkeydown = (e) => {
      const i = keys.indexOf(state.tier);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: keys.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      const tier = keys[(to + keys.length) % keys.length];
      e.currentTarget.querySelector(`[data-tier="${tier}"]`)?.focus();
      select(tier);
    };
    return h('div', { class: 'tier-tabs', role: 'tablist', 'aria-label': t('ld.tabs.label'), onkeydown },
      keys.map((tier) => {
        const on = tier === state.tier;
        const n = tier ? counts[tier] || 0 : data.ranked;
        const label = tier ? tierName(tier) : t('common.all');
        return h('button', {
          type: 'button', role: 'tab', id: nextId('tab'), 'data-tier': tier,
          class: `tier-tab${tier ? ` tier-${tier}` : ''}`, testid: `standings-tab-${tier || 'all'}`,
          'aria-selected': String(on), tabindex: on ? 0 : -1, title: t('ld.tab.title', { tier: label, n: int(n) }),
          onclick: () => select(tier),
        }, tier ? h('span', { class: 'tier-dot', 'aria-hidden': 'true' }) : null, label);
      }));
  }

  function standingsPanel(data) {
    const season = data.season;
    const tier = data.tier || '';
    if (!data.top.length) {
      const nobody = !data.ranked;
      return h('div', { class: 'empty-state', testid: 'standings-empty' },
        trophy(),
        h('p', { class: 'empty-title' }, nobody || !tier ? t('ld.empty.season') : t('ld.empty.tier', { tier: tierName(tier) })),
        h('p', { class: 'muted small' }, nobody && season?.status === 'upcoming'
          ? t('ld.empty.upcoming', { date: beijingDay(season.starts_at_ms) })
          : nobody ? t('ld.empty.hint') : t('ld.empty.tier.hint')));
    }
    const inTier = tier ? (data.tiers || []).find((x) => x.tier === tier)?.members ?? data.top.length : data.ranked;
    return h('div', null,
      dataTable({
        columns: [
          { key: 'rank', label: t('ld.col.rank'), num: true, cls: 'col-rank', render: (r) => h('span', { class: `place${r.rank <= 3 ? ` place-${r.rank}` : ''}` }, int(r.rank)) },
          { key: 'nickname', label: t('ld.col.nickname'), header: true },
          { key: 'district', label: t('ld.col.district'), render: (r) => r.district || null },
          { key: 'ladder', label: t('ld.col.tier'), render: (r) => rankCell(r.ladder) },
          { key: 'score', label: t('ld.col.points'), num: true, render: (r) => int(r.ladder?.points ?? r.score) },
        ],
        rows: data.top,
        testid: 'standings-table',
        caption: tier ? t('ld.caption.tier', { tier: tierName(tier) }) : t('ld.caption.all'),
        rowAttrs: (r) => ({ 'data-member': r.member_id }),
      }),
      inTier > data.top.length ? h('p', { class: 'muted small table-note' }, t('ld.top', { n: int(data.top.length), total: int(inTier) })) : null);
  }

  // ---- the form for a new season ----
  function seasonForm() {
    const startId = nextId('f');
    const daysId = nextId('f');
    const startErr = h('p', { id: `${startId}-err`, class: 'field-error', role: 'alert', testid: 'season-starts-on-error' });
    const daysErr = h('p', { id: `${daysId}-err`, class: 'field-error', role: 'alert', testid: 'season-days-error' });
    const formErr = h('p', { class: 'form-error', role: 'alert', testid: 'season-form-error' });
    const start = h('input', {
      id: startId, type: 'date', name: 'starts_on', required: true, min: beijingDate(1), testid: 'season-starts-on',
      'aria-describedby': `${startId}-err ${startId}-hint`, oninput: () => { clear(start, startErr); preview(); },
    });
    const days = h('input', {
      id: daysId, type: 'number', name: 'days', required: true, min: 1, max: 365, step: 1, value: String(DEFAULT_DAYS),
      inputmode: 'numeric', testid: 'season-days', 'aria-describedby': `${daysId}-err`,
      oninput: () => { clear(days, daysErr); preview(); },
    });
    const hint = h('p', { id: `${startId}-hint`, class: 'muted small field-hint', testid: 'season-prefill-note' });
    const previewLine = h('p', { class: 'season-preview', testid: 'season-preview', 'aria-live': 'polite' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'season-submit' }, t('ld.form.submit'));

    function clear(input, err) {
      input.removeAttribute('aria-invalid');
      err.textContent = '';
    }
    function say(field, msg) {
      const [input, err] = field === 'days' ? [days, daysErr] : [start, startErr];
      input.setAttribute('aria-invalid', 'true');
      err.textContent = msg;
      input.focus();
    }
    function preview() {
      const n = Number(days.value);
      if (DATE.test(start.value) && Number.isInteger(n) && n >= 1 && n <= 365) {
        previewLine.textContent = t('ld.form.preview', { from: start.value, to: addDays(start.value, n - 1), next: addDays(start.value, n) });
      } else {
        previewLine.textContent = '';
      }
    }

    async function onsubmit(e) {
      e.preventDefault();
      clear(start, startErr);
      clear(days, daysErr);
      formErr.textContent = '';
      const startsOn = start.value;
      const n = Number(days.value);
      if (!DATE.test(startsOn)) return say('starts_on', t('ld.err.need_date'));
      if (days.value.trim() === '' || !Number.isInteger(n)) return say('days', t('ld.err.need_days'));
      submit.disabled = true;
      submit.textContent = t('ld.form.submitting');
      let created;
      try {
        created = await api('POST', PATH, { starts_on: startsOn, days: n });
      } catch (err) {
        if (!ctx.current()) return;
        submit.disabled = false;
        submit.textContent = t('ld.form.submit');
        const field = fieldError(err);
        if (field) say(field.field, field.message);
        else formErr.textContent = err.message;
        return;
      }
      if (!ctx.current()) return;
      submit.disabled = false;
      submit.textContent = t('ld.form.submit');
      const msg = t('ld.created', { name: seasonName(created.id), from: beijingDay(created.starts_at_ms), to: lastDay(created) });
      toast(msg, 'ok');
      announce(msg);
      days.value = String(DEFAULT_DAYS);
      await loadSeasons();
      seasonsBox.querySelector(`tr[data-id="${created.id}"]`)?.classList.add('is-new');
    }

    /** {field, message} of a refusal naming a field ("starts_on：…" / "days：…"), in the console's language. */
    function fieldError(err) {
      if (!(err instanceof ApiError) || err.status !== 400) return null;
      const m = /^(starts_on|days)\s*[：:]\s*([\s\S]*)$/.exec(err.message || '');
      if (!m) return null;
      const [, field, text] = m;
      let message = text;
      let g;
      if (/过去/.test(text)) message = t('ld.err.past');
      else if ((g = /第\s*(\d+)\s*号?赛季/.exec(text)) && /重叠/.test(text)) {
        const other = seasons.find((s) => s.id === Number(g[1]));
        message = other
          ? t('ld.err.overlap', { name: seasonName(other.id), from: beijingDay(other.starts_at_ms), to: lastDay(other) })
          : t('ld.err.overlap.short', { name: seasonName(g[1]) });
      } else if ((g = /而不是\s*(-?\d+)\s*天/.exec(text))) message = t('ld.err.days', { n: g[1] });
      else if (/YYYY-MM-DD/.test(text)) message = t('ld.err.need_date');
      return { field, message };
    }

    const el = h('form', { class: 'card season-form', novalidate: true, onsubmit, testid: 'season-form', 'aria-labelledby': `${startId}-title` },
      h('h2', { id: `${startId}-title` }, t('ld.form.title')),
      h('div', { class: 'form-row' },
        h('div', { class: 'field' },
          h('label', { for: startId }, t('ld.form.starts_on')),
          start),
        h('div', { class: 'field field-days' },
          h('label', { for: daysId }, t('ld.form.days')),
          h('span', { class: 'input-suffix' }, days, h('span', { 'aria-hidden': 'true' }, t('ld.form.days.unit'))))),
      startErr,
      daysErr,
      hint,
      previewLine,
      formErr,
      h('div', { class: 'form-actions' }, submit));

    return {
      el,
      prefill(list) {
        const next = suggestedStart(list);
        start.value = next;
        start.min = beijingDate(1);
        clear(start, startErr);
        const latest = list.length ? list.reduce((a, b) => (b.ends_at_ms > a.ends_at_ms ? b : a)) : null;
        hint.textContent = !latest
          ? t('ld.form.prefill.none', { date: next })
          : beijingDay(latest.ends_at_ms) === next
            ? t('ld.form.prefill.after', { name: seasonName(latest.id), last: lastDay(latest), date: next })
            : t('ld.form.prefill.tomorrow', { name: seasonName(latest.id), last: lastDay(latest), date: next });
        preview();
      },
    };
  }

  mount(h('section', { class: 'page ladder', testid: 'page-ladder' },
    pageHeader(t('ld.title')),
    h('div', { class: 'ladder-top' },
      h('section', { class: 'seasons', 'aria-label': t('ld.seasons') },
        h('h2', { class: 'section-title' }, t('ld.seasons')),
        seasonsBox,
        h('p', { class: 'notice small season-note', testid: 'season-auto-note' }, t('ld.form.auto', { days: DEFAULT_DAYS }))),
      form.el),
    standingsBox));
  loadSeasons();
}
