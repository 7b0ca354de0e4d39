// Question media (image, audio, video): load before the clock starts, show with
// its caption and text alternative. Shared by solo play and duels.
import { t } from '../i18n.js';
import { h } from './dom.js';

/**
 * Start loading `info` (a MediaView). `onSettle(ok)` is called once, when the
 * media has loaded (true), failed (false) or not loaded within `fallbackMs`
 * (false). `onLate()` is called if it loads after that. Returns the handle
 * {el, state: loading|ready|failed, info, timer}.
 */
export function loadMedia(info, { fallbackMs, onSettle, onLate }) {
  let el;
  const handle = { el: null, state: 'loading', timer: null, info };
  const done = (ok) => {
    if (handle.discarded) return;
    if (handle.state === 'failed' && ok) { handle.state = 'ready'; if (onLate) onLate(); return; } // loaded late
    if (handle.state !== 'loading') return;
    handle.state = ok ? 'ready' : 'failed';
    clearTimeout(handle.timer);
    onSettle(ok);
  };
  if (info.kind === 'image') {
    el = h('img', { class: 'media-img', alt: info.alt || info.caption || t('play.media.image'), decoding: 'async' });
    el.addEventListener('load', () => done(true));
    el.addEventListener('error', () => done(false));
  } else if (info.kind === 'audio' || info.kind === 'video') {
    el = document.createElement(info.kind);
    el.controls = true;
    el.preload = 'auto';
    if (info.kind === 'video') {
      el.setAttribute('playsinline', '');
      el.className = 'media-video';
      if (info.alt) el.setAttribute('aria-label', info.alt);
    } else {
      el.className = 'media-audio';
      el.setAttribute('aria-label', info.caption || t('play.media.transcript'));
    }
    for (const ev of ['canplaythrough', 'loadeddata']) el.addEventListener(ev, () => done(true));
    el.addEventListener('error', () => done(false));
  } else {
    el = null;
  }
  handle.el = el;
  if (!el) {
    handle.state = 'failed';
    // Settle after the caller has stored the handle.
    queueMicrotask(() => { if (!handle.discarded) onSettle(false); });
    return handle;
  }
  handle.timer = setTimeout(() => done(false), fallbackMs);
  el.src = info.url;
  if (info.kind !== 'image') el.load();
  return handle;
}

/** Stop and forget a media handle (stops any download or playback). */
export function discardMedia(handle) {
  if (!handle) return;
  handle.discarded = true;
  clearTimeout(handle.timer);
  const el = handle.el;
  if (el && typeof el.pause === 'function') {
    el.pause();
    el.removeAttribute('src');
    try { el.load(); } catch { /* ignore */ }
  }
}

export function pauseMedia(handle) {
  if (handle && handle.el && typeof handle.el.pause === 'function') handle.el.pause();
}

/** The figure showing a media handle; sets ui.mediaBox and ui.mediaStatus. */
export function mediaFigure(handle, ui) {
  const m = handle.info;
  const box = h('figure', { class: `media media--${m.kind}` });
  ui.mediaBox = box;
  if (handle.el) box.append(handle.el);
  ui.mediaStatus = h('p', { class: 'media-status', role: 'status' });
  box.append(ui.mediaStatus);
  if (m.caption) box.append(h('figcaption', { class: 'media-caption', lang: 'zh-CN' }, m.caption));
  if (m.alt) {
    const label = m.kind === 'audio' ? t('play.media.transcript') : t('play.media.description');
    box.append(h('details', { class: 'media-alt' }, h('summary', null, label), h('p', { lang: 'zh-CN' }, m.alt)));
  }
  return box;
}

/** Show the loading state of a media handle in the figure made by mediaFigure. */
export function updateMediaStatus(handle, ui) {
  if (!ui.mediaStatus || !handle) return;
  const s = handle.state;
  ui.mediaStatus.textContent = s === 'loading' ? t('play.media.loading') : s === 'failed' ? t('play.media.failed') : '';
  ui.mediaStatus.hidden = s === 'ready';
  if (ui.mediaBox) ui.mediaBox.classList.toggle('is-loading', s === 'loading');
}
