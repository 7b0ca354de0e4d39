// Number, percentage, duration and date formatting for the console.
// Dates and times are shown in Beijing time, the time the server's days use.
import { t, getLang } from '../i18n.js';

const NONE = () => t('common.none');
const missing = (v) => v === null || v === undefined || Number.isNaN(v);

/** 12345 → "12,345" */
export function int(n) {
  if (missing(n)) return NONE();
  return Number(n).toLocaleString(getLang(), { maximumFractionDigits: 0 });
}

/** 0.8123 → "81.2%" (a ratio 0–1). */
export function pct(ratio, digits = 1) {
  if (missing(ratio)) return NONE();
  return Number(ratio).toLocaleString(getLang(), {
    style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits,
  });
}

/** 12345 ms → "12.3 s" (or "12.3 秒"). */
export function secs(ms) {
  if (missing(ms)) return NONE();
  const n = Number(ms) / 1000;
  const text = n.toLocaleString(getLang(), { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return t('common.seconds', { n: text });
}

/** Signed decimal with fixed digits: 0.4 → "+0.40". */
export function signed(n, digits = 2) {
  if (missing(n)) return NONE();
  const s = Math.abs(n).toFixed(digits);
  return n > 0 ? `+${s}` : n < 0 ? `−${s}` : s;
}

const TZ = 'Asia/Shanghai';

/** Epoch ms → "2026-11-30 14:05" in Beijing time. */
export function dateTime(ms) {
  if (missing(ms) || !ms) return NONE();
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Today's date in Beijing as YYYY-MM-DD, shifted by `days`. */
export function beijingDate(days = 0) {
  const d = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** "2026-11-30" → "11-30" (chart labels). */
export const shortDate = (iso) => (iso || '').slice(5);

/** The separator of a spoken list: "，" in Chinese, ", " in English. */
export const listSep = () => (getLang() === 'en' ? ', ' : '，');

/** Epoch ms → "2026-11-30", the Beijing day it falls on. */
export function beijingDay(ms) {
  if (missing(ms)) return NONE();
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
}
