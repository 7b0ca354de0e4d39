// Bank browser: search and filter the question bank; each question expands to
// its options (the right ones marked), explanation, source and a media preview.
import { t } from '../../i18n.js';
import { h, mount, fill } from '/js/dom.js';
import { get, qs } from '../api.js';
import { int, secs } from '../format.js';
import {
  pageHeader, filterBar, selectField, inputField, pager, loadingBox, errorBox, intParam,
  historyOptions, difficultyOptions, kindOptions, mediaOptions, historyName,
} from '../ui.js';

const PER_PAGE = 20;
const LETTERS = 'ABCDEFGH';

export function renderBank(ctx) {
  const p = ctx.params;
  const state = {
    q: p.get('q') || '', history: p.get('history') || '', difficulty: p.get('difficulty') || '',
    kind: p.get('kind') || '', media: p.get('media') || '', page: intParam(p, 'page', 1),
  };
  const count = h('p', { class: 'muted result-count', 'aria-live': 'polite', testid: 'bank-count' });
  const list = h('div', { class: 'bank-list', testid: 'bank-list' }, loadingBox());
  const paging = h('div');

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    ctx.setParams(state);
    fill(list, loadingBox());
    let data;
    try {
      data = await get(`/api/admin/questions${qs({ ...state, per_page: PER_PAGE })}`);
    } catch (err) {
      if (ctx.current() && mine === seq) fill(list, errorBox(err, load));
      return;
    }
    if (!ctx.current() || mine !== seq) return;
    count.textContent = t('bank.count', { n: int(data.total) });
    fill(list, data.rows.length ? data.rows.map(questionItem) : h('p', { class: 'muted empty' }, t('common.empty')));
    fill(paging, pager({
      page: state.page, perPage: PER_PAGE, total: data.total, testid: 'bank-pager',
      onPage: (n) => { state.page = n; load(); document.querySelector('h1')?.scrollIntoView(); },
    }));
  };
  const set = (key) => (value) => { state[key] = value; state.page = 1; load(); };
  let timer = null;
  const search = (value) => {
    clearTimeout(timer);
    timer = setTimeout(() => set('q')(value.trim()), 300);
  };

  mount(h('section', { class: 'page bank', testid: 'page-bank' },
    pageHeader(t('bank.title')),
    filterBar(t('bank.title'),
      inputField({ label: t('filter.q'), value: state.q, type: 'search', placeholder: t('filter.q.placeholder'), onInput: search, testid: 'bank-search', wide: true }),
      selectField({ label: t('filter.history'), value: state.history, options: historyOptions(), onChange: set('history'), testid: 'bank-filter-history' }),
      selectField({ label: t('filter.difficulty'), value: state.difficulty, options: difficultyOptions(), onChange: set('difficulty'), testid: 'bank-filter-difficulty' }),
      selectField({ label: t('filter.kind'), value: state.kind, options: kindOptions(), onChange: set('kind'), testid: 'bank-filter-kind' }),
      selectField({ label: t('filter.media'), value: state.media, options: mediaOptions(), onChange: set('media'), testid: 'bank-filter-media' })),
    count,
    list,
    paging));
  load();
}

function questionItem(q) {
  const body = h('div', { class: 'q-body' });
  const details = h('details', { class: 'q-item card', testid: 'bank-item', dataset: { id: q.id } },
    h('summary', { testid: `bank-item-${q.id}` },
      h('span', { class: 'q-id' }, q.id),
      h('span', { class: 'q-prompt' }, q.prompt),
      h('span', { class: 'q-tags' },
        h('span', { class: `tag tag-${q.history}` }, historyName(q.history)),
        h('span', { class: 'tag' }, t(`kind.${q.kind}`)),
        h('span', { class: 'tag' }, t('difficulty.n', { n: q.difficulty })),
        q.media ? h('span', { class: 'tag tag-media' }, t(`media.${q.media.kind}`)) : null)),
    body);
  // Build the body (and start loading media) only when first opened.
  details.addEventListener('toggle', () => {
    if (details.open && !body.childElementCount) fill(body, questionBody(q));
  });
  return details;
}

function questionBody(q) {
  const right = new Set((q.answer || '').split(''));
  return [
    h('div', { class: 'q-detail' },
      h('div', null,
        h('h3', null, t('bank.options')),
        h('ol', { class: 'q-options', testid: 'bank-options' }, q.options.map((text, i) => {
          const letter = LETTERS[i];
          const ok = right.has(letter);
          return h('li', { class: ok ? 'is-right' : null, testid: ok ? 'bank-option-right' : 'bank-option' },
            h('span', { class: 'opt-letter', 'aria-hidden': 'true' }, letter),
            h('span', { class: 'visually-hidden' }, `${letter}. `),
            h('span', { class: 'opt-text' }, text),
            ok ? h('span', { class: 'opt-mark' }, '✓ ', t('bank.right')) : null);
        })),
        h('dl', { class: 'q-meta' },
          h('dt', null, t('bank.answer')), h('dd', null, h('strong', null, q.answer)),
          h('dt', null, t('bank.time_limit')), h('dd', null, secs(q.time_limit_ms)),
          h('dt', null, t('bank.version')), h('dd', null, String(q.version))),
        h('h3', null, t('bank.explanation')),
        h('p', { class: 'q-explanation' }, q.explanation || t('common.none')),
        h('h3', null, t('bank.source')),
        h('p', { class: 'q-source muted' }, q.source || t('common.none'))),
      q.media ? mediaPreview(q.media) : null),
  ];
}

function mediaPreview(m) {
  let el;
  if (m.kind === 'image') {
    el = h('img', { src: m.url, alt: m.alt || m.caption || '', loading: 'lazy', testid: 'bank-media-image' });
  } else if (m.kind === 'audio' || m.kind === 'video') {
    el = h(m.kind, {
      src: m.url, controls: true, preload: 'metadata', testid: `bank-media-${m.kind}`,
      'aria-label': m.caption || m.alt || t(`media.${m.kind}`),
    });
    if (m.kind === 'video') el.setAttribute('playsinline', '');
  } else {
    el = h('p', { class: 'muted' }, m.url);
  }
  return h('figure', { class: 'q-media', testid: 'bank-media-preview' },
    h('h3', null, t('bank.media'), ' · ', t(`media.${m.kind}`)),
    h('div', { class: 'q-media-box' }, el),
    m.caption ? h('figcaption', null, m.caption) : null,
    m.duration_ms ? h('p', { class: 'small muted' }, t('bank.media.duration', { s: secs(m.duration_ms) })) : null,
    m.alt && m.kind !== 'image' ? h('details', { class: 'small' }, h('summary', null, t('bank.media.alt')), h('p', null, m.alt)) : null,
    m.alt && m.kind === 'image' ? h('p', { class: 'small muted' }, h('strong', null, t('bank.media.alt'), '：'), m.alt) : null);
}
