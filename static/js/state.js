// Shared client state and small helpers used by several screens.
import { t, has } from '../i18n.js';
import { get } from './api.js';

export const store = {
  me: null,          // {id, nickname, district, rating}
  histories: null,   // GET /api/histories
};

export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

export const HISTORY_IDS = ['party', 'prc', 'reform', 'socialism'];

export function historyName(id) {
  if (has(`history.${id}`)) return t(`history.${id}`);
  const found = store.histories && store.histories.histories.find((x) => x.id === id);
  return found ? found.name : id;
}

export async function loadHistories() {
  if (!store.histories) store.histories = await get('/api/histories');
  return store.histories;
}

export const LETTERS = 'ABCDEFGH';

// Where to go after signing in (a room link opened while signed out).
const NEXT_KEY = 'dati.next';

export function rememberNext(hash) {
  try { sessionStorage.setItem(NEXT_KEY, hash); } catch { /* storage disabled */ }
}

export function peekNext() {
  try {
    const v = sessionStorage.getItem(NEXT_KEY);
    return v && v.startsWith('#/') ? v : null;
  } catch { return null; }
}

export function takeNext() {
  const v = peekNext();
  try { sessionStorage.removeItem(NEXT_KEY); } catch { /* ignore */ }
  return v;
}
