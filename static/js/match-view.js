// View pieces every match screen shares (duels, ladder races, district
// battles): the timer, the question with its media and options, the reveal's
// explanation, banners, avatars; and for the two teams of a district battle
// the running averages and the team columns. Each builder records the
// elements live updates touch in `ui`. `prefix` names the mode in data-testid
// attributes (duel-option-0, ladder-option-0…), so each mode's tests stay
// stable.
import { t, num } from '../i18n.js';
import { h } from './dom.js';
import { historyName, LETTERS } from './state.js';
import { mediaFigure } from './media.js';
import { S, ui, choose, submitMultiple, leaveMatch, verdict, iAnswered, now } from './match.js';
import { playerAt, myTeam, teamSeats, teamDistrict, teamAverage } from './match-state.js';

export function robotIcon() {
  const span = document.createElement('span');
  span.className = 'robot-icon';
  // A constant, trusted SVG (no user data).
  span.innerHTML = '<svg viewBox="0 0 24 24" width="100%" height="100%" aria-hidden="true" focusable="false">'
    + '<circle cx="12" cy="2.6" r="1.6" fill="currentColor"/><rect x="11.1" y="3.5" width="1.8" height="3" fill="currentColor"/>'
    + '<rect x="4" y="6.5" width="16" height="12.5" rx="3.5" fill="currentColor"/>'
    + '<circle cx="9" cy="12" r="2" fill="#fff"/><circle cx="15" cy="12" r="2" fill="#fff"/>'
    + '<rect x="8.5" y="15.5" width="7" height="1.6" rx=".8" fill="#fff"/>'
    + '<rect x="1.6" y="10" width="2" height="5.5" rx="1" fill="currentColor"/><rect x="20.4" y="10" width="2" height="5.5" rx="1" fill="currentColor"/>'
    + '<rect x="7" y="19.8" width="10" height="2.4" rx="1.2" fill="currentColor"/></svg>';
  return span;
}

/** A round avatar: the nickname's first character, or a robot for a bot. */
export function avatar(p, side, extraClass = '') {
  const cls = `duel-avatar duel-avatar--${side}${extraClass ? ` ${extraClass}` : ''}`;
  if (p.is_bot) return h('span', { class: `${cls} is-bot`, 'aria-hidden': 'true' }, robotIcon());
  return h('span', { class: cls, 'aria-hidden': 'true' }, [...(p.nickname || '?')][0]);
}

/** The reconnecting banner, and (optionally) the opponent-away banner. */
export function banners(prefix, withPresence = true) {
  ui.reconnecting = h('p', { class: 'duel-banner duel-banner--self', testid: `${prefix}-reconnecting`, role: 'status', hidden: true }, t(`${prefix}.reconnecting`));
  if (!withPresence) return [ui.reconnecting];
  ui.presence = h('p', { class: 'duel-banner', testid: `${prefix}-presence`, role: 'status', hidden: true });
  return [ui.reconnecting, ui.presence];
}

export function leaveButton(prefix) {
  return h('button', { class: 'btn-link play-quit', type: 'button', testid: `${prefix}-leave`, onclick: leaveMatch }, t(`${prefix}.leave`));
}

/** The row above the question: progress, history, relaxed, leave. */
export function playTop(s, prefix) {
  const q = s.question;
  return h('div', { class: 'play-top' },
    h('span', { class: 'play-progress', testid: `${prefix}-progress` }, t('play.progress', { n: s.seq, total: s.total })),
    q && q.history ? h('span', { class: 'history-tag' }, historyName(q.history)) : null,
    s.relaxed ? h('span', { class: 'relaxed-badge' }, t('setup.relaxed')) : null,
    leaveButton(prefix));
}

/**
 * The timer, media, prompt, options, submit button and status line of the
 * current question. `optionMarks(i)` → {classes, tags} adds what others chose
 * at the reveal.
 */
export function questionBlock(s, prefix, optionMarks = () => ({ classes: [], tags: [] })) {
  const q = s.question;
  const rv = s.phase === 'reveal' ? s.reveal : null;
  const multiple = q.kind === 'multiple';

  ui.fill = h('div', { class: 'timer-fill' });
  ui.secs = h('span', { class: 'timer-secs' });
  ui.timer = h('div', { class: 'timer', hidden: !!rv }, h('div', { class: 'timer-track', 'aria-hidden': 'true' }, ui.fill), ui.secs);
  if (!s.clock) {
    ui.fill.style.transform = 'scaleX(1)';
    ui.secs.textContent = s.phase === 'loading' ? t('play.waiting_clock') : '';
  }

  const correctSet = new Set(rv ? rv.correct_choice : []);
  const mineR = rv ? (rv.results || []).find((r) => r.seat === s.seat) : null;
  const mineSet = new Set(mineR ? mineR.choice : []);
  ui.options = q.options.map((text, i) => {
    const cls = ['option'];
    const tags = [];
    if (rv) {
      if (correctSet.has(i)) { cls.push('is-correct'); tags.push(h('span', { class: 'opt-tag tag-correct' }, `✓ ${t('fb.mark.correct')}`)); }
      if (mineSet.has(i)) {
        cls.push('is-mine');
        if (!correctSet.has(i)) cls.push('is-wrong');
        tags.push(h('span', { class: 'opt-tag tag-me', testid: `${prefix}-mark-me` }, t('duel.mark.me')));
      }
      const more = optionMarks(i);
      cls.push(...more.classes);
      tags.push(...more.tags);
    }
    return h('button', {
      class: cls.join(' '), type: 'button', testid: `${prefix}-option-${i}`,
      'aria-pressed': multiple && !rv ? 'false' : null,
      disabled: true,
      onclick: () => choose(i),
    },
    h('span', { class: 'opt-letter', 'aria-hidden': 'true' }, LETTERS[i] || String(i + 1)),
    h('span', { class: 'opt-body' },
      h('span', { class: 'opt-text', lang: 'zh-CN' }, text),
      tags.length ? h('span', { class: 'opt-tags' }, tags) : null));
  });
  if (multiple && !rv) {
    ui.submit = h('button', { class: 'btn btn-primary btn-block', type: 'button', testid: `${prefix}-submit`, onclick: submitMultiple, disabled: true }, t('play.submit'));
  }
  ui.status = h('p', { class: 'play-status', testid: `${prefix}-status`, 'aria-live': 'polite' });

  const kindKey = `kind.${q.kind}`;
  const kind = h('span', { class: `kind-badge kind-${q.kind}` }, t(kindKey) === kindKey ? q.kind : t(kindKey));
  return [
    ui.timer,
    q.media && S.media ? mediaFigure(S.media.handle, ui) : null,
    h('div', { class: 'prompt-head' }, kind),
    h('h1', { class: 'prompt', testid: `${prefix}-prompt`, lang: 'zh-CN', tabindex: '-1' }, q.prompt),
    multiple && !rv ? h('p', { class: 'hint' }, t('play.multiple.hint')) : null,
    h('div', { class: 'options', role: 'group', 'aria-label': t('play.options') }, ui.options),
    ui.submit || null,
    ui.status,
  ];
}

/** One player's line in a reveal: who, right/wrong, time, points. */
export function revealLine(who, r, testid, extraClass = '') {
  const tone = !r ? 'timeout' : r.correct ? 'ok' : r.timed_out ? 'timeout' : 'bad';
  return h('li', { class: `reveal-line reveal-${tone}${extraClass ? ` ${extraClass}` : ''}`, testid },
    h('span', { class: 'reveal-who' }, who),
    h('span', { class: 'reveal-verdict' }, r ? verdict(r) : t('fb.timeout')),
    r && !r.timed_out ? h('span', { class: 'muted small' }, t('fb.time', { n: num(r.answer_ms / 1000, 1) })) : h('span', null),
    h('span', { class: 'reveal-points' }, t('fb.points', { n: num(r ? r.points : 0) })));
}

/** The reveal: my verdict, everyone's lines, the explanation and its source. */
export function revealFrame(s, rv, prefix, lines) {
  const mineR = (rv.results || []).find((r) => r.seat === s.seat);
  const last = s.seq >= s.total;
  return h('section', { class: `feedback duel-reveal${mineR ? (mineR.correct ? ' is-ok' : ' is-bad') : ''}`, testid: `${prefix}-reveal`, 'aria-labelledby': `${prefix}-reveal-heading` },
    h('h2', { id: `${prefix}-reveal-heading`, tabindex: '-1' }, mineR ? verdict(mineR) : t('fb.timeout')),
    h('ul', { class: 'reveal-lines' }, lines),
    rv.explanation ? h('div', { class: 'explanation' }, h('h3', null, t('fb.explanation')), h('p', { lang: 'zh-CN' }, rv.explanation)) : null,
    rv.source ? h('p', { class: 'source', lang: 'zh-CN' }, t('fb.source', { s: rv.source })) : null,
    h('p', { class: 'next-soon', role: 'status' }, h('span', { class: 'spinner spinner-small', 'aria-hidden': 'true' }), last ? t(`${prefix}.last_soon`) : t(`${prefix}.next_soon`)));
}

/** The connection was lost and the match ended out of sight. */
export function endedView(s, prefix, lobbyRoute) {
  return h('section', { class: 'screen center-screen', testid: `${prefix}-ended`, dataset: { matchId: s.matchId } },
    h('h1', null, t('close.title')),
    h('p', { class: 'notice notice-error', role: 'alert' }, S.ended),
    h('div', { class: 'actions' },
      h('a', { class: 'btn btn-primary', href: lobbyRoute }, t(`${prefix}.to_lobby`)),
      h('a', { class: 'btn btn-ghost', href: '#/home' }, t('common.home'))));
}

// ---- teams (district battles) -----------------------------------------------------

/** A team average as shown: to one decimal (2,716.4). */
export const averageText = (n) => num(Number(n) || 0, 1);

/** The running averages of both teams, my district on the left. */
export function teamScoreBar(s, prefix) {
  const mine = myTeam(s);
  const a = teamAverage(s, mine);
  const b = teamAverage(s, 1 - mine);
  const share = a + b > 0 ? a / (a + b) : 0.5;
  const label = t('team.averages.label', { mine: teamDistrict(s, mine), a: averageText(a), theirs: teamDistrict(s, 1 - mine), b: averageText(b) });
  return h('div', { class: 'team-scorebar', testid: `${prefix}-averages`, role: 'img', 'aria-label': label, dataset: { mine: a.toFixed(1), theirs: b.toFixed(1) } },
    h('span', { class: 'team-score team-score--mine' },
      h('span', { class: 'team-score-name' }, teamDistrict(s, mine)),
      h('strong', { class: 'team-score-value', testid: `${prefix}-average-mine` }, averageText(a))),
    h('span', { class: 'scorebar-track', 'aria-hidden': 'true' },
      h('span', { class: 'scorebar-me', style: { width: `${(share * 100).toFixed(1)}%` } }),
      h('span', { class: 'scorebar-opp' })),
    h('span', { class: 'team-score team-score--theirs' },
      h('span', { class: 'team-score-name' }, teamDistrict(s, 1 - mine)),
      h('strong', { class: 'team-score-value', testid: `${prefix}-average-theirs` }, averageText(b))));
}

/**
 * Both teams side by side (mine first): each member with a dot per question
 * (right, wrong, timed out; the open one fills when they answer), their
 * points, and whether they answered, dropped out or left. Live parts are
 * kept in ui.teamRows for refreshTeams / tickTeams.
 */
export function teamBoard(s, prefix) {
  const mine = myTeam(s);
  ui.teamRows = new Map();
  return h('div', { class: 'team-board', testid: `${prefix}-teams` },
    [mine, 1 - mine].map((team) => teamColumn(s, team, team === mine ? 'mine' : 'theirs', prefix)));
}

function teamColumn(s, team, side, prefix) {
  const district = teamDistrict(s, team);
  const seats = teamSeats(s, team);
  return h('section', {
    class: `team-col team-col--${side}`, testid: `${prefix}-team`,
    dataset: { team: String(team), side, district, members: String(seats.length) },
    'aria-label': t(`team.${side}.label`, { district, n: seats.length }),
  },
  h('h2', { class: 'team-head' },
    h('span', { class: 'team-name' }, district),
    h('span', { class: 'team-tag' }, t(`team.${side}`))),
  h('ol', { class: 'team-list' }, seats.map((seat) => memberRow(s, seat, side, prefix))));
}

function memberRow(s, seat, side, prefix) {
  const p = playerAt(s, seat) || { nickname: '?' };
  const me = seat === s.seat;
  const total = Number(s.totals[seat]) || 0;
  const rv = s.phase === 'reveal' ? s.reveal : null;
  const r = rv ? (rv.results || []).find((x) => x.seat === seat) : null;
  const marks = s.marks[seat] || [];
  let current = null;
  const dots = [];
  for (let i = 0; i < s.total; i++) {
    const mark = marks[i];
    const open = i === s.seq - 1 && !mark && (s.phase === 'question' || s.phase === 'loading');
    const dot = h('span', { class: `q-dot${mark ? ` q-${mark}` : ''}${open ? ' q-open' : ''}` });
    if (open) current = dot;
    dots.push(dot);
  }
  const flag = h('span', { class: 'member-flag', testid: `${prefix}-member-flag`, hidden: true });
  const el = h('li', {
    class: `team-member${me ? ' is-me' : ''}`, testid: `${prefix}-member`,
    dataset: { seat: String(seat), me: me ? '1' : '0', points: String(total), answered: '0', connected: '1' },
    'aria-label': t('team.member.label', { name: p.nickname, n: num(total) }),
  },
  avatar(p, side === 'mine' ? 'me' : 'opp', 'member-avatar'),
  h('span', { class: 'member-main' },
    h('span', { class: 'member-name' }, h('span', { class: 'member-name-text' }, p.nickname), me ? h('span', { class: 'duel-you' }, t('duel.you')) : null),
    h('span', { class: 'q-dots', testid: `${prefix}-member-dots`, 'aria-hidden': 'true' }, dots)),
  h('span', { class: 'member-end' },
    h('span', { class: 'member-points', testid: `${prefix}-member-points` }, num(total)),
    r ? h('span', { class: `member-delta ${r.correct ? 'is-ok' : 'is-bad'}`, testid: `${prefix}-member-delta` }, r.correct ? `+${num(r.points)}` : (r.timed_out ? t('team.timeout') : '✗')) : null,
    flag));
  ui.teamRows.set(seat, { el, current, flag });
  return el;
}

/** Who has answered the open question: the ticks, and each dot of the open question. */
export function refreshTeams(s, open) {
  if (!ui.teamRows) return;
  for (const [seat, row] of ui.teamRows) {
    const answered = open && (seat === s.seat ? iAnswered(s) : s.answered.includes(seat));
    row.el.dataset.answered = answered ? '1' : '0';
    if (row.current) row.current.classList.toggle('q-answered', answered);
  }
  tickTeams(s);
}

/** Present, dropped out (with the grace period counting down) or gone. */
export function tickTeams(s) {
  if (!ui.teamRows) return;
  const n = now();
  const open = s.phase === 'question' || s.phase === 'loading';
  for (const [seat, row] of ui.teamRows) {
    const away = s.connected[seat] === false && s.phase !== 'over';
    const end = s.graceEnd[seat];
    const gone = away && end !== null && end !== undefined && end <= n;
    const answered = open && row.el.dataset.answered === '1';
    row.el.classList.toggle('is-away', away);
    row.el.classList.toggle('is-gone', gone);
    row.el.dataset.connected = gone ? 'left' : away ? '0' : '1';
    let text = '';
    if (gone) text = t('team.left');
    else if (away) text = end === null || end === undefined ? t('team.away') : t('team.away_secs', { n: Math.ceil((end - n) / 1000) });
    else if (answered) text = `✓ ${t('team.answered')}`;
    row.flag.hidden = !text;
    row.flag.textContent = text;
    row.flag.className = `member-flag${gone ? ' is-gone' : away ? ' is-away' : answered ? ' is-answered' : ''}`;
  }
}
