// Tiny DOM helpers: element builder, view mounting, toasts, screen-reader announcements.

/**
 * h('button', {class: 'x', testid: 'y', onclick: fn}, 'text', child, [more])
 * Attributes: class, testid (→ data-testid), dataset, style (object), on* (listeners),
 * value / checked / disabled / selected (set as properties), booleans, strings.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'testid') el.setAttribute('data-testid', v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'disabled') el[k] = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const app = () => document.getElementById('app');

/**
 * Replace the view. `focus`: a selector inside the view to focus (default: the
 * first h1), or false to leave focus alone. `top`: show the view from its top
 * even when the focused element is further down.
 */
export function mount(node, { focus, top = false } = {}) {
  const root = app();
  root.replaceChildren(node);
  // 'instant' also stops a smooth scroll still under way on the old view.
  if (top) window.scrollTo({ top: 0, behavior: 'instant' });
  if (focus === false) return;
  const target = node.querySelector(focus || 'h1');
  if (target) {
    if (!target.hasAttribute('tabindex') && !/^(BUTTON|INPUT|SELECT|A|TEXTAREA)$/.test(target.tagName)) {
      target.setAttribute('tabindex', '-1');
    }
    target.focus({ preventScroll: top });
  }
  if (!focus) window.scrollTo(0, 0);
}

/** Show a short message at the bottom of the screen. kind: info | error | ok */
export function toast(message, kind = 'info', ms = 4500) {
  const box = document.getElementById('toasts');
  if (!box || !message) return;
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  box.append(el);
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => {
    el.classList.add('toast-out');
    setTimeout(() => el.remove(), 300);
  }, ms);
}

/** Announce text to screen readers through a persistent live region. */
export function announce(text) {
  const live = document.getElementById('sr-live');
  if (!live) return;
  live.textContent = '';
  // A fresh text node after a tick makes screen readers read it even if unchanged.
  setTimeout(() => { live.textContent = text; }, 50);
}

export const reducedMotion = () =>
  window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

/** Replace an element's children (arrays are flattened, null skipped). */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
