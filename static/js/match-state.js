// The state of one match (a duel, a ladder race or a district battle), built
// only from the server's match events (docs/protocol.md §3.8, §3.9, §3.10). Pure: no DOM, no
// timers, no socket; the caller passes `now` (ms on the performance.now()
// clock). Live events, events replayed after a reconnect and a snapshot all go
// through `applyEvent`, so the screen ends up the same whichever way the client
// got there.

export const MATCH_EVENTS = new Set([
  'match_started', 'match_question', 'match_clock', 'match_answered', 'match_reveal',
  'match_presence', 'match_over', 'match_snapshot', 'match_resumed',
]);

/** Whether a server message is a versioned match event. */
export function isMatchEvent(msg) {
  return !!msg && MATCH_EVENTS.has(msg.type) && typeof msg.match_id === 'string';
}

/**
 * A fresh state from `match_started` (or the `started` part of a snapshot).
 * phase: countdown | loading | question | reveal | over
 */
export function startedState(matchId, version, started, now) {
  const n = started.players.length;
  return {
    matchId,
    version,
    mode: started.mode,
    seat: started.seat,
    players: started.players,
    total: started.total,
    relaxed: !!started.relaxed,
    rated: !!started.rated,
    phase: 'countdown',
    phaseEnd: now + (started.starts_in_ms || 0), // countdown end, or the next question after a reveal
    seq: 0,
    question: null,
    waitsForMedia: false,
    timeLimitMs: 0,
    clock: null,            // {deadline, total} while a question's clock runs
    answered: [],           // seats that answered the open question
    myChoice: null,         // this player's answer to the open question, once the server has it
    reveal: null,           // match_reveal of the current question
    totals: new Array(n).fill(0),
    correct: new Array(n).fill(0),
    // Per seat, per question (index seq − 1): ok | bad | timeout once revealed.
    // A snapshot carries only the current reveal, so earlier ones stay unknown.
    marks: Array.from({ length: n }, () => []),
    connected: new Array(n).fill(true),
    graceEnd: new Array(n).fill(null), // when a disconnected seat forfeits (null: unknown)
    anyAnswer: false,       // someone has answered: leaving now is a forfeit, not an abort
    over: null,             // match_over
    rematch: 'none',        // none | asked | offered | unavailable (set by the caller)
  };
}

/** The opponent's seat (the first seat that is not ours). */
export function opponentSeat(s) {
  const p = s.players.find((x) => x.seat !== s.seat);
  return p ? p.seat : (s.seat === 0 ? 1 : 0);
}

export function playerAt(s, seat) {
  return s.players.find((x) => x.seat === seat) || s.players[seat] || null;
}

function copy(s) {
  return {
    ...s,
    answered: [...s.answered],
    totals: [...s.totals],
    correct: [...s.correct],
    marks: s.marks.map((m) => [...m]),
    connected: [...s.connected],
    graceEnd: [...s.graceEnd],
  };
}

function fromSnapshot(msg, now) {
  const s = startedState(msg.match_id, msg.version, msg.started, now);
  const remaining = typeof msg.remaining_ms === 'number' ? msg.remaining_ms : null;
  s.phase = ['countdown', 'loading', 'question', 'reveal', 'over'].includes(msg.phase) ? msg.phase : 'question';
  s.seq = msg.seq || 0;
  s.question = msg.question || null;
  s.timeLimitMs = msg.time_limit_ms || 0;
  s.waitsForMedia = s.phase === 'loading' || !!(s.question && s.question.media);
  s.answered = Array.isArray(msg.answered) ? [...msg.answered] : [];
  s.myChoice = msg.your_choice || null;
  if (Array.isArray(msg.totals)) s.totals = msg.totals.map(Number);
  if (Array.isArray(msg.connected)) s.connected = [...msg.connected];
  s.reveal = msg.reveal || null;
  s.over = msg.over || null;
  s.anyAnswer = s.answered.length > 0 || s.seq > 1 || s.totals.some((x) => x > 0);
  s.phaseEnd = null;
  if (s.phase === 'countdown') s.phaseEnd = now + (remaining || 0);
  if (s.phase === 'question' && remaining !== null) {
    s.clock = { deadline: now + remaining, total: Math.max(s.timeLimitMs, remaining) };
  }
  if (s.phase === 'reveal') {
    if (remaining !== null) s.phaseEnd = now + remaining;
    if (s.reveal) applyRevealTotals(s, s.reveal);
  }
  if (s.phase === 'over' && s.over) applyOverTotals(s, s.over);
  return s;
}

function applyRevealTotals(s, reveal) {
  const seq = reveal.seq || s.seq;
  for (const r of reveal.results || []) {
    s.totals[r.seat] = Number(r.total_points);
    if (r.choice && r.choice.length && !r.timed_out) s.anyAnswer = true;
    if (s.marks[r.seat] && seq >= 1) s.marks[r.seat][seq - 1] = r.correct ? 'ok' : r.timed_out ? 'timeout' : 'bad';
  }
}

function applyOverTotals(s, over) {
  for (const st of over.standings || []) {
    s.totals[st.seat] = Number(st.points);
    s.correct[st.seat] = st.correct;
  }
}

/**
 * Apply one match event. Returns {state, applied, gap}:
 * - applied: false when the event was ignored (another match, or a version
 *   already processed);
 * - gap: true when the event skips versions (some were missed): it was not
 *   applied; resume from state.version to get the missing ones.
 * `opts.acceptGap` applies a gapped event anyway.
 */
export function applyEvent(state, msg, now, opts = {}) {
  const ignored = { state, applied: false, gap: false };
  if (!isMatchEvent(msg)) return ignored;
  const version = Number(msg.version) || 0;

  if (msg.type === 'match_snapshot') {
    const s = fromSnapshot(msg, now);
    if (state && state.matchId === s.matchId) s.rematch = state.rematch;
    return { state: s, applied: true, gap: false };
  }
  if (msg.type === 'match_started') {
    if (state && state.matchId === msg.match_id && version <= state.version) return ignored;
    return { state: startedState(msg.match_id, version, msg, now), applied: true, gap: false };
  }
  if (!state || state.matchId !== msg.match_id) return ignored;

  if (msg.type === 'match_resumed') {
    // Closes a replay; it may or may not carry a version of its own.
    const s = copy(state);
    s.version = Math.max(s.version, version);
    if (typeof msg.remaining_ms === 'number' && (s.phase === 'question' || s.phase === 'loading') && s.clock) {
      s.clock = { deadline: now + msg.remaining_ms, total: Math.max(s.clock.total, msg.remaining_ms) };
    } else if (typeof msg.remaining_ms === 'number' && s.phase === 'question') {
      s.clock = { deadline: now + msg.remaining_ms, total: Math.max(s.timeLimitMs, msg.remaining_ms) };
    } else if (typeof msg.remaining_ms === 'number' && (s.phase === 'countdown' || s.phase === 'reveal')) {
      // The server gives the time left in any phase: here, until the next question.
      s.phaseEnd = now + msg.remaining_ms;
    }
    return { state: s, applied: true, gap: false };
  }

  if (version <= state.version) return ignored;
  if (version > state.version + 1 && !opts.acceptGap) return { state, applied: false, gap: true };

  const s = copy(state);
  s.version = version;
  switch (msg.type) {
    case 'match_question':
      s.seq = msg.seq;
      if (msg.total) s.total = msg.total;
      s.question = msg.question;
      s.waitsForMedia = !!msg.waits_for_media;
      s.timeLimitMs = msg.time_limit_ms || 0;
      s.phase = s.waitsForMedia ? 'loading' : 'question';
      s.clock = s.waitsForMedia ? null : { deadline: now + s.timeLimitMs, total: s.timeLimitMs };
      s.answered = [];
      s.myChoice = null;
      s.reveal = null;
      s.phaseEnd = null;
      break;
    case 'match_clock':
      if (msg.seq === s.seq && (s.phase === 'loading' || s.phase === 'question')) {
        s.phase = 'question';
        s.clock = { deadline: now + msg.remaining_ms, total: Math.max(s.timeLimitMs, msg.remaining_ms) };
      }
      break;
    case 'match_answered':
      if (msg.seq === s.seq && !s.answered.includes(msg.seat)) s.answered.push(msg.seat);
      s.anyAnswer = true;
      break;
    case 'match_reveal':
      if (msg.seq === s.seq) {
        s.phase = 'reveal';
        s.reveal = msg;
        s.clock = null;
        s.phaseEnd = null;
        const mine = (msg.results || []).find((r) => r.seat === s.seat);
        if (mine) s.myChoice = mine.choice;
        applyRevealTotals(s, msg);
        for (const r of msg.results || []) if (r.correct) s.correct[r.seat] += 1;
      }
      break;
    case 'match_presence':
      s.connected[msg.seat] = !!msg.connected;
      s.graceEnd[msg.seat] = msg.connected ? null : (typeof msg.grace_ms === 'number' ? now + msg.grace_ms : null);
      break;
    case 'match_over':
      s.phase = 'over';
      s.over = msg;
      s.clock = null;
      s.phaseEnd = null;
      applyOverTotals(s, msg);
      break;
    default:
      break;
  }
  return { state: s, applied: true, gap: false };
}

/** Seats in the order of the current totals, the leader first (ties: seat order). */
export function seatsByTotal(s) {
  return s.players.map((p) => p.seat).sort((a, b) => (Number(s.totals[b]) || 0) - (Number(s.totals[a]) || 0) || a - b);
}

/** The final standings, first place first. */
export function standingsByPlace(s) {
  if (!s.over) return [];
  return [...(s.over.standings || [])].sort((a, b) => a.place - b.place || a.seat - b.seat);
}

/** What this player's result of a match looks like: win | lose | draw | aborted | forfeit_win | forfeit_lose. */
export function outcomeFor(s) {
  const o = s.over;
  if (!o) return null;
  if (o.outcome === 'aborted') return 'aborted';
  const me = (o.standings || []).find((x) => x.seat === s.seat);
  const opp = (o.standings || []).find((x) => x.seat !== s.seat);
  if (o.outcome === 'forfeit') {
    if (me && me.forfeited) return 'forfeit_lose';
    if (opp && opp.forfeited) return 'forfeit_win';
  }
  if (o.winner_seat === null || o.winner_seat === undefined) return 'draw';
  return o.winner_seat === s.seat ? 'win' : 'lose';
}

// ---- district battles: two teams (docs/protocol.md §3.10.2) -------------------------

/** A seat's team (0 or 1), or null outside a district battle. */
export function teamOf(s, seat) {
  const p = playerAt(s, seat);
  return p && (p.team === 0 || p.team === 1) ? p.team : null;
}

/** This player's team; the other one is `1 - myTeam(s)`. */
export const myTeam = (s) => teamOf(s, s.seat);

/** The seats of `team`, in the order match_started listed them. */
export function teamSeats(s, team) {
  return s.players.filter((p) => p.team === team).map((p) => p.seat);
}

export function teamDistrict(s, team) {
  const p = s.players.find((x) => x.team === team);
  return p ? p.district : '';
}

/**
 * A team's score so far: its members' average points. Everyone who started
 * counts, leavers included (they score 0 for the rest), as the server counts.
 */
export function teamAverage(s, team) {
  const seats = teamSeats(s, team);
  if (!seats.length) return 0;
  return seats.reduce((sum, seat) => sum + (Number(s.totals[seat]) || 0), 0) / seats.length;
}

/** The finished battle from this player's side: win | draw | lose | aborted. */
export function battleOutcomeFor(s) {
  const b = s.over && s.over.battle;
  if (!b || s.over.outcome === 'aborted') return 'aborted';
  if (b.winner_team === null || b.winner_team === undefined) return 'draw';
  return b.winner_team === myTeam(s) ? 'win' : 'lose';
}
