// A competition's live standings from `/ws/screen/{id}`, shared by the big
// screen (/screen/{id}) and the organizer console's 实时战况 view.
//
// The server sends `screen_snapshot` first, then `screen_changes` with only
// the rows (keyed by district) and the competition that changed; `version`
// grows by one per message. A gap means a message was missed: the feed
// reconnects for a fresh snapshot. Close code 4404 means the competition is
// unknown or a draft (no reconnecting); on any other close the feed
// reconnects after 1 s, 2 s, 4 s, 8 s, then every 10 s.

/** Close code for an unknown or unpublished competition. */
export const CLOSE_NOT_FOUND = 4404;
const BACKOFF_MS = [1000, 2000, 4000, 8000, 10000];

/** An empty standings state: what `apply` fills. */
export function emptyStandings() {
  return {
    version: null,
    competition: null,
    /** district name → row */
    rows: new Map(),
    /** server_time_ms − Date.now() at the last message (for countdowns). */
    clockOffsetMs: 0,
  };
}

/** Rows by place, then by name (the server's order for shared places). */
export function sortedRows(state) {
  return [...state.rows.values()].sort((a, b) => (a.place - b.place) || (a.district < b.district ? -1 : a.district > b.district ? 1 : 0));
}

const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies one server message to `state`. Returns
 * `{ok: true, snapshot, changed: Set<district>, competitionChanged}`, or
 * `{ok: false, reason}` when the message cannot be applied (a version gap, a
 * change before any snapshot): the caller then reconnects. Messages of other
 * types are ignored (`{ok: true, ignored: true}`).
 */
export function apply(state, msg) {
  if (!msg || typeof msg !== 'object') return { ok: true, ignored: true };
  if (msg.type === 'screen_snapshot') {
    const before = state.rows;
    const rows = new Map();
    for (const row of msg.districts || []) rows.set(row.district, row);
    const changed = new Set();
    for (const [d, row] of rows) if (!before.has(d) || !sameJson(before.get(d), row)) changed.add(d);
    for (const d of before.keys()) if (!rows.has(d)) changed.add(d);
    const competitionChanged = !sameJson(state.competition, msg.competition);
    state.rows = rows;
    state.competition = msg.competition || null;
    state.version = msg.version;
    if (Number.isFinite(msg.server_time_ms)) state.clockOffsetMs = msg.server_time_ms - Date.now();
    return { ok: true, snapshot: true, changed, competitionChanged };
  }
  if (msg.type === 'screen_changes') {
    if (state.version === null) return { ok: false, reason: 'no_snapshot' };
    if (msg.version <= state.version) return { ok: true, ignored: true };
    if (msg.version !== state.version + 1) return { ok: false, reason: 'gap' };
    const changed = new Set();
    for (const row of msg.districts || []) {
      if (!sameJson(state.rows.get(row.district), row)) changed.add(row.district);
      state.rows.set(row.district, row);
    }
    let competitionChanged = false;
    if (msg.competition) {
      competitionChanged = !sameJson(state.competition, msg.competition);
      state.competition = msg.competition;
    }
    state.version = msg.version;
    if (Number.isFinite(msg.server_time_ms)) state.clockOffsetMs = msg.server_time_ms - Date.now();
    return { ok: true, snapshot: false, changed, competitionChanged };
  }
  return { ok: true, ignored: true };
}

/** The websocket address of a competition's standings, on this origin. */
export function feedUrl(id) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws/screen/${encodeURIComponent(id)}`;
}

/**
 * Opens the feed of competition `id` and keeps it open.
 * handlers:
 *   onUpdate(state, result)  after each applied message (result from `apply`)
 *   onConnection(connected)  true once a snapshot arrived, false when the connection drops
 *   onGone(reason)           the competition is unknown or a draft (4404); the feed stops
 * Returns {state, stop()}.
 */
export function openFeed(id, { onUpdate, onConnection, onGone } = {}) {
  const state = emptyStandings();
  let socket = null;
  let attempt = 0;
  let timer = null;
  let stopped = false;
  let connected = false;

  const setConnected = (on) => {
    if (connected === on) return;
    connected = on;
    onConnection?.(on);
  };

  function connect() {
    timer = null;
    if (stopped) return;
    let ws;
    try {
      ws = new WebSocket(feedUrl(id));
    } catch {
      retry();
      return;
    }
    socket = ws;
    ws.onmessage = (ev) => {
      if (ws !== socket || typeof ev.data !== 'string') return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      const result = apply(state, msg);
      if (!result.ok) {
        // A missed message: start again from a fresh snapshot, at once.
        attempt = 0;
        drop(ws, 4000, result.reason);
        retry(0);
        return;
      }
      if (result.ignored) return;
      if (result.snapshot) {
        attempt = 0;
        setConnected(true);
      }
      onUpdate?.(state, result);
    };
    ws.onclose = (ev) => {
      if (ws !== socket) return;
      socket = null;
      setConnected(false);
      if (stopped) return;
      if (ev.code === CLOSE_NOT_FOUND) {
        stopped = true;
        onGone?.(ev.reason || '');
        return;
      }
      retry();
    };
  }

  function drop(ws, code, reason) {
    if (socket === ws) socket = null;
    ws.onmessage = null;
    ws.onclose = null;
    try { ws.close(code, reason); } catch { /* already closing */ }
    setConnected(false);
  }

  function retry(delay) {
    if (stopped || timer) return;
    const wait = delay ?? BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    attempt += 1;
    timer = setTimeout(connect, wait);
  }

  connect();
  return {
    state,
    isConnected: () => connected,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (socket) drop(socket, 1000, 'bye');
    },
  };
}

/** Milliseconds → "02:13:05", or "3 天 02:13:05" past a day; 0 below zero. */
export function clock(ms, dayUnit = '天') {
  const s = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(s / 86400);
  const hh = String(Math.floor((s % 86400) / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return days ? `${days} ${dayUnit} ${hh}:${mm}:${ss}` : `${hh}:${mm}:${ss}`;
}

/**
 * What the clock shows for a competition now (server time): before the
 * start the time to it, while running the time left, after it nothing.
 * → {kind: 'to_start' | 'left' | 'over', ms}
 */
export function countdown(competition, clockOffsetMs) {
  const now = Date.now() + (clockOffsetMs || 0);
  if (!competition) return { kind: 'over', ms: 0 };
  if (competition.status === 'published') return { kind: 'to_start', ms: competition.starts_at_ms - now };
  if (competition.status === 'running') return { kind: 'left', ms: competition.ends_at_ms - now };
  return { kind: 'over', ms: 0 };
}

/** "小王 8120" entries of a row's top `n` contributors. */
export function topContributors(row, n = 3) {
  return (row.top_contributors || []).slice(0, n);
}
