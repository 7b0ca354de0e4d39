// REST client of the organizer API: JSON in and out, the same-origin
// `dati_admin` cookie. A 401 from anything but sign-in calls the handler set
// with onUnauthorized (the console then goes back to its sign-in page).
import { t } from '../i18n.js';

export class ApiError extends Error {
  constructor(status, code, message, retryAfter, details) {
    super(message);
    this.status = status;
    this.code = code;
    /** Seconds, from a Retry-After header (429). */
    this.retryAfter = retryAfter;
    /** The whole `error` object of the answer (e.g. `errors[]` of invalid_rules). */
    this.details = details || {};
  }
}

let unauthorized = null;
export function onUnauthorized(fn) { unauthorized = fn; }

export async function api(method, path, body) {
  const opts = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  return request(path, opts);
}

/** POSTs `body` (a File or Blob) as the raw request body with `contentType`; JSON back. */
export function upload(path, body, contentType) {
  return request(path, {
    method: 'POST', body, credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Content-Type': contentType },
  });
}

async function request(path, opts) {
  let res;
  try {
    res = await fetch(path, opts);
  } catch {
    throw new ApiError(0, 'network', t('error.network'));
  }
  const text = await res.text().catch(() => '');
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const retry = Number(res.headers.get('Retry-After')) || undefined;
    const error = new ApiError(res.status, err.code || `http_${res.status}`, err.message || t('error.http', { status: res.status }), retry, err);
    if (res.status === 401 && path !== '/api/admin/session' && unauthorized) unauthorized(error);
    throw error;
  }
  return data;
}

export const get = (path) => api('GET', path);

/** "?a=1&b=x" from an object, leaving out empty values ('' / null / undefined). */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === '' || v === null || v === undefined) continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}
