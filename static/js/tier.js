// 争上游 tiers: the emblem and colours of each tier, stars, and the rank
// arithmetic of docs/protocol.md §3.9.1 (for animating a star change).
import { t } from '../i18n.js';
import { h } from './dom.js';

/** The tiers, lowest first: stars before promotion (`cap`) and `points` of 1★. */
export const TIERS = [
  { id: 'bronze', cap: 3, base: 1 },
  { id: 'silver', cap: 3, base: 4 },
  { id: 'gold', cap: 4, base: 7 },
  { id: 'platinum', cap: 4, base: 11 },
  { id: 'diamond', cap: 5, base: 15 },
  { id: 'king', cap: null, base: 20 },
];

export const TIER_IDS = TIERS.map((x) => x.id);

/** The rank (as the server sends it) that `points` stars from 青铜 1★ make. */
export function rankFromPoints(points) {
  const p = Math.max(1, Math.floor(points));
  let tier = TIERS[0];
  for (const x of TIERS) if (p >= x.base) tier = x;
  return { tier: tier.id, tier_name: tierName(tier.id), stars: p - tier.base + 1, cap: tier.cap, points: p };
}

export function tierName(id, fallback) {
  const key = `tier.${id}`;
  const s = t(key);
  return s === key ? (fallback || id) : s;
}

/** "黄金 2★" */
export function rankLabel(rank) {
  if (!rank) return '';
  return t('tier.label', { tier: tierName(rank.tier, rank.tier_name), n: rank.stars });
}

// Each tier's emblem: a shield in the tier's colours with its own mark
// (one to three chevrons, a star, a gem, a crown). Constant SVG, no user data.
const COLORS = {
  bronze: ['#e0a06a', '#8a4b22', '#5e2f10'],
  silver: ['#f1f4f8', '#8d9bab', '#56657a'],
  gold: ['#ffe07a', '#d19a12', '#8a6200'],
  platinum: ['#9be8dc', '#23978a', '#14625a'],
  diamond: ['#b9d0ff', '#4a5fe0', '#2a3596'],
  king: ['#ff7a7a', '#b3122e', '#6e0a1b'],
};

const chevron = (y) => `<path d="M11 ${y} L20 ${y + 6} L29 ${y}" fill="none" stroke="#fff" stroke-width="3.2" stroke-linecap="round" stroke-linejoin="round"/>`;

const MARKS = {
  bronze: chevron(19),
  silver: chevron(14) + chevron(22),
  gold: chevron(11) + chevron(18) + chevron(25),
  platinum: '<path d="M20 9.5l3.1 6.6 7.2.9-5.3 5 1.4 7.1L20 25.6l-6.4 3.5 1.4-7.1-5.3-5 7.2-.9z" fill="#fff"/>',
  diamond: '<path d="M12 17l4-6h8l4 6-8 13z" fill="#fff"/><path d="M12 17h16M16 11l4 6 4-6M20 17v13" fill="none" stroke="#4a5fe0" stroke-width="1.2" stroke-linejoin="round"/>',
  king: '<path d="M10 27l-1.5-13 6.5 5.5L20 10l5 9.5 6.5-5.5L30 27z" fill="#ffd24a" stroke="#8a5a00" stroke-width="1" stroke-linejoin="round"/><rect x="10" y="27.5" width="20" height="3" rx="1" fill="#ffd24a"/>',
};

let gradientId = 0;

/** The tier's emblem as an element (an inline SVG). */
export function tierEmblem(tier, size = 40) {
  const id = COLORS[tier] ? tier : 'bronze';
  const [light, dark, rim] = COLORS[id];
  const g = `tier-g-${++gradientId}`;
  const span = document.createElement('span');
  span.className = `tier-emblem tier-${id}`;
  span.setAttribute('aria-hidden', 'true');
  span.style.width = `${size}px`;
  span.style.height = `${Math.round(size * 1.1)}px`;
  span.innerHTML = `<svg viewBox="0 0 40 44" width="100%" height="100%" focusable="false">`
    + `<defs><linearGradient id="${g}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${light}"/><stop offset="1" stop-color="${dark}"/></linearGradient></defs>`
    + `<path d="M20 2 L36 8 V22 C36 32 28.5 39 20 42.5 C11.5 39 4 32 4 22 V8 Z" fill="url(#${g})" stroke="${rim}" stroke-width="2" stroke-linejoin="round"/>`
    + `<path d="M20 5.5 L33 10.3 V22 C33 30 27 35.8 20 38.8" fill="none" stroke="#fff" stroke-opacity=".35" stroke-width="1.2"/>`
    + `${MARKS[id]}</svg>`;
  return span;
}

/**
 * The stars of a rank: `cap` stars, the first `stars` lit; 王者 (no cap)
 * shows one star and the count.
 */
export function starsView(rank, attrs = {}) {
  const label = rank.cap ? t('tier.stars_of', { n: rank.stars, cap: rank.cap }) : t('tier.stars_king', { n: rank.stars });
  const box = h('span', { class: `tier-stars${rank.cap ? '' : ' is-king'}`, role: 'img', 'aria-label': label, ...attrs });
  fillStars(box, rank);
  return box;
}

export function fillStars(box, rank) {
  box.replaceChildren();
  if (!rank.cap) {
    box.append(h('span', { class: 'star is-on', 'aria-hidden': 'true' }, '★'), h('span', { class: 'star-count', 'aria-hidden': 'true' }, `×${rank.stars}`));
  } else {
    for (let i = 0; i < rank.cap; i++) {
      box.append(h('span', { class: i < rank.stars ? 'star is-on' : 'star', 'aria-hidden': 'true' }, '★'));
    }
  }
  box.classList.toggle('is-king', !rank.cap);
  box.setAttribute('aria-label', rank.cap ? t('tier.stars_of', { n: rank.stars, cap: rank.cap }) : t('tier.stars_king', { n: rank.stars }));
  return box;
}

/**
 * A tier badge: emblem, tier name and stars. size: sm (inline, in lists),
 * md, lg (the ladder home and results).
 */
export function tierBadge(rank, { size = 'sm', testid, stars = true } = {}) {
  if (!rank) return null;
  const px = { xs: 16, sm: 22, md: 36, lg: 64 }[size] || 22;
  return h('span', {
    class: `tier-badge tier-badge--${size} tier-${rank.tier}`, testid,
    dataset: { tier: rank.tier, stars: String(rank.stars), points: String(rank.points) },
    title: rankLabel(rank),
  },
  tierEmblem(rank.tier, px),
  h('span', { class: 'tier-text' },
    h('span', { class: 'tier-name' }, tierName(rank.tier, rank.tier_name)),
    stars ? starsView(rank) : null));
}
