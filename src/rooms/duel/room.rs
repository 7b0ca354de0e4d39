//! One match, one task: it owns the [`Contest`], takes commands from an
//! inbox, wakes at the contest's timers and at bot answer times, and sends
//! every player versioned events through their bounded outbox. It never
//! awaits the database: records go to the write-behind queue without
//! waiting, and ratings come from memory.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::views::{self, SeatInfo};
use super::{Duels, MatchLink, Outbound, OutboxTx};
use crate::domain::bot;
use crate::domain::contest::{Contest, Event, Outcome, Phase, Standing};
use crate::domain::district::{
    DecidedBy, MemberScore, Outcome as BattleOutcome, awarded_points, battle_result,
};
use crate::domain::glicko::{GameResult, Glicko};
use crate::domain::ladder::{RaceEntry, RaceSettlement, Rank, settle_race};
use crate::rooms::ladder::rank_view;
use crate::rooms::solo::refusal;
use crate::rooms::views::shown_positions;
use crate::rooms::wall_ms;
use crate::store::{
    AnswerRecord, BattleRecord, BattleSideRecord, LadderChange, MatchEnd, MatchPlayerResult,
    MatchQuestion, MatchSeat, MatchStart, WriteOp,
};
use crate::ws::protocol::{
    BattleOverView, BattleSideView, ErrorCode, LadderResultView, MatchBody, MatchEvent,
    MatchOutcome, MatchOverView, Refusal, ServerMsg, StandingView,
};

/// Events a match keeps for replay; far more than a duel produces.
const LOG_LIMIT: usize = 512;
/// After the end, the task stays a while so that a player who drops at the
/// last moment can still come back and read the result.
const LINGER: Duration = Duration::from_secs(60);
/// Commands a match inbox holds before senders are told to retry.
pub const INBOX_CAPACITY: usize = 256;

/// What a connection asks of its match.
pub enum MatchCmd {
    Answer {
        seat: usize,
        seq: u32,
        choice: Vec<u8>,
        at: Instant,
        allowance: Duration,
    },
    MediaReady {
        seat: usize,
        seq: u32,
        at: Instant,
    },
    Leave {
        seat: usize,
        at: Instant,
    },
    /// A (new) connection takes the seat, having seen events up to
    /// `last_version`.
    Attach {
        seat: usize,
        conn: u64,
        outbox: OutboxTx,
        last_version: u64,
    },
    /// The connection `conn` holding the seat is gone.
    Detach {
        seat: usize,
        conn: u64,
    },
}

/// The mode a room plays: duels and ladder races share this runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    Duel,
    Ladder,
    District,
}

impl MatchMode {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchMode::Duel => "duel",
            MatchMode::Ladder => "ladder",
            MatchMode::District => "district",
        }
    }

    /// The answer mode recorded for a player whose result does not count
    /// (past a daily cap): kept apart so that boards leave it out.
    pub fn casual(self) -> &'static str {
        match self {
            MatchMode::Duel => "duel_casual",
            MatchMode::Ladder => "ladder_casual",
            MatchMode::District => "district_casual",
        }
    }
}

/// A seat as the room sees it.
pub struct RoomSeat {
    pub info: SeatInfo,
    pub glicko: Glicko,
    /// Counts toward boards and daily caps.
    pub counted: bool,
    /// Moves the rating.
    pub rated: bool,
    /// Ladder races, members: the season whose stars the race moves.
    pub season_id: Option<i64>,
    pub outbox: Option<OutboxTx>,
    pub conn: u64,
}

pub struct RoomSetup {
    pub id: i64,
    pub mode: MatchMode,
    pub contest: Contest,
    pub seats: Vec<RoomSeat>,
    pub relaxed: bool,
    /// District battles: the competition and the two sides' districts
    /// (each seat's `info.team` indexes them).
    pub battle: Option<BattleSetup>,
}

#[derive(Debug, Clone)]
pub struct BattleSetup {
    pub competition_id: i64,
    pub districts: [String; 2],
    /// Each side's place in the competition's list of districts.
    pub district_indexes: [Option<i64>; 2],
}

struct Room {
    duels: Arc<Duels>,
    id: i64,
    mode: MatchMode,
    id_text: String,
    contest: Contest,
    seats: Vec<RoomSeat>,
    relaxed: bool,
    battle: Option<BattleSetup>,
    started_at_ms: i64,
    version: u64,
    /// Per seat: every event sent, for replay on resume.
    logs: Vec<Vec<(u64, Utf8Bytes)>>,
    /// Per seat: when its bot answers the open question, and with what.
    bot_plans: Vec<Option<(u32, Instant, bot::BotAnswer)>>,
    link: MatchLink,
    rng: StdRng,
    /// The result, once the match is over.
    over: Option<MatchOverView>,
}

pub fn spawn(duels: Arc<Duels>, setup: RoomSetup) -> MatchLink {
    let (tx, rx) = mpsc::channel(INBOX_CAPACITY);
    let link = MatchLink::new(setup.id, setup.mode, tx);
    let seats = setup.seats.len();
    let room = Room {
        id_text: setup.id.to_string(),
        id: setup.id,
        mode: setup.mode,
        contest: setup.contest,
        relaxed: setup.relaxed,
        battle: setup.battle,
        started_at_ms: wall_ms(),
        version: 0,
        logs: vec![Vec::new(); seats],
        bot_plans: vec![None; seats],
        link: link.clone(),
        rng: StdRng::from_os_rng(),
        over: None,
        seats: setup.seats,
        duels: duels.clone(),
    };
    duels.tracker.spawn(room.run(rx));
    link
}

impl Room {
    async fn run(mut self, mut inbox: mpsc::Receiver<MatchCmd>) {
        self.begin();
        let shutdown = self.duels.shutdown.clone();
        let mut linger_until: Option<Instant> = None;
        loop {
            if self.over.is_some() && linger_until.is_none() {
                linger_until = Some(Instant::now() + LINGER);
            }
            let wakeup = match linger_until {
                Some(t) => Some(t),
                None => self.next_wakeup(),
            };
            tokio::select! {
                cmd = inbox.recv() => match cmd {
                    Some(cmd) => self.handle(cmd),
                    None => break,
                },
                _ = tokio::time::sleep_until(wakeup.unwrap_or_else(Instant::now)), if wakeup.is_some() => {
                    if linger_until.is_some_and(|t| Instant::now() >= t) {
                        break;
                    }
                    self.tick(Instant::now());
                }
                _ = shutdown.cancelled() => {
                    // The server is stopping: end the match without a result
                    // so that everything recorded is flushed with it.
                    self.finish(Outcome::Aborted);
                    break;
                }
            }
        }
        self.duels.unregister(&self.link, self.human_members());
    }

    fn human_members(&self) -> Vec<i64> {
        self.seats.iter().filter_map(|s| s.info.member_id).collect()
    }

    fn next_wakeup(&self) -> Option<Instant> {
        let contest = self.contest.next_wakeup().map(Instant::from_std);
        let bots = self.bot_plans.iter().flatten().map(|(_, at, _)| *at).min();
        match (contest, bots) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Records the match and tells every player it is on.
    fn begin(&mut self) {
        let start = MatchStart {
            match_id: self.id,
            mode: self.mode.as_str().into(),
            relaxed: self.relaxed,
            started_at_ms: self.started_at_ms,
            questions: self
                .contest
                .questions()
                .iter()
                .enumerate()
                .map(|(i, q)| MatchQuestion {
                    seq: i as i64 + 1,
                    question_id: q.id.clone(),
                    question_version: i64::from(q.version),
                })
                .collect(),
            players: self
                .seats
                .iter()
                .enumerate()
                .map(|(i, s)| MatchSeat {
                    seat: i as i64,
                    member_id: s.info.member_id,
                    bot_name: s.info.is_bot.then(|| s.info.nickname.clone()),
                    counted: s.counted,
                    rated: s.rated,
                    rating_before: s.glicko.rating,
                })
                .collect(),
        };
        self.duels.record(WriteOp::MatchStarted(start));
        for seat in 0..self.seats.len() {
            if let Some(outbox) = &self.seats[seat].outbox {
                let _ = outbox.try_send(Outbound::Attached(self.link.clone(), seat));
            }
        }
        let infos: Vec<SeatInfo> = self.seats.iter().map(|s| s.info.clone()).collect();
        let bodies = (0..self.seats.len())
            .map(|seat| MatchBody::MatchStarted(self.started_view(seat, &infos)))
            .collect();
        self.emit_each(bodies);
    }

    fn started_view(
        &self,
        seat: usize,
        infos: &[SeatInfo],
    ) -> crate::ws::protocol::MatchStartedView {
        views::started(
            self.mode,
            seat,
            infos,
            self.contest.len() as u32,
            self.seats[seat].rated,
            self.contest.rules().countdown,
            self.relaxed,
        )
    }

    fn handle(&mut self, cmd: MatchCmd) {
        match cmd {
            MatchCmd::Answer {
                seat,
                seq,
                choice,
                at,
                allowance,
            } => {
                self.tick(at);
                match self
                    .contest
                    .answer(seat, seq, &choice, at.into_std(), allowance)
                {
                    Ok(events) => {
                        self.record_answer(seat, seq);
                        self.apply(events, at);
                    }
                    Err(e) => self.refuse(seat, views::contest_refusal(e, Some(seq))),
                }
            }
            MatchCmd::MediaReady { seat, seq, at } => {
                self.tick(at);
                match self.contest.media_ready(seat, seq, at.into_std()) {
                    Ok(events) => self.apply(events, at),
                    Err(e) => self.refuse(seat, views::contest_refusal(e, Some(seq))),
                }
            }
            MatchCmd::Leave { seat, at } => {
                self.tick(at);
                match self.contest.leave(seat, at.into_std()) {
                    Ok(events) => self.apply(events, at),
                    Err(e) => self.refuse(seat, views::contest_refusal(e, None)),
                }
            }
            MatchCmd::Attach {
                seat,
                conn,
                outbox,
                last_version,
            } => self.attach(seat, conn, outbox, last_version),
            MatchCmd::Detach { seat, conn } => {
                if self.seats[seat].conn == conn {
                    self.detach(seat, Instant::now());
                }
            }
        }
    }

    fn tick(&mut self, now: Instant) {
        if self.over.is_some() {
            return;
        }
        let events = self.contest.advance(now.into_std());
        self.apply(events, now);
        // Bots whose time has come answer now.
        for seat in 0..self.seats.len() {
            let Some((seq, at, answer)) = self.bot_plans[seat] else {
                continue;
            };
            if at > now || self.over.is_some() {
                continue;
            }
            self.bot_plans[seat] = None;
            if self.contest.seq() != seq {
                continue;
            }
            let shown = shown_positions(answer.choice, self.contest.order(seat, seq));
            if let Ok(events) =
                self.contest
                    .answer(seat, seq, &shown, at.into_std(), Duration::ZERO)
            {
                self.apply(events, at);
            }
        }
    }

    /// Turns contest events into messages, records and bot plans.
    fn apply(&mut self, events: Vec<Event>, now: Instant) {
        for event in events {
            match event {
                Event::QuestionShown {
                    seq,
                    waits_for_media,
                } => {
                    let total = self.contest.len() as u32;
                    let q = self.contest.question(seq).expect("shown question").clone();
                    let bodies = (0..self.seats.len())
                        .map(|seat| MatchBody::MatchQuestion {
                            seq,
                            total,
                            question: crate::rooms::views::question_view(
                                &q,
                                self.contest.order(seat, seq),
                            ),
                            waits_for_media,
                            time_limit_ms: q.time_limit.as_millis() as u64,
                        })
                        .collect();
                    self.emit_each(bodies);
                    if waits_for_media {
                        // Bots have nothing to load.
                        for seat in self.bot_seats() {
                            if let Ok(more) = self.contest.media_ready(seat, seq, now.into_std()) {
                                self.apply(more, now);
                            }
                        }
                    } else {
                        self.plan_bots(seq, now);
                    }
                }
                Event::ClockStarted { seq } => {
                    let remaining_ms = self
                        .contest
                        .question(seq)
                        .map_or(0, |q| q.time_limit.as_millis() as u64);
                    self.emit_all(MatchBody::MatchClock { seq, remaining_ms });
                    self.plan_bots(seq, now);
                }
                Event::Answered { seq, seat } => {
                    self.emit_all(MatchBody::MatchAnswered {
                        seq,
                        seat: seat as u8,
                    });
                }
                Event::Revealed { seq } => {
                    for seat in self.bot_seats() {
                        if self.bot_plans[seat].is_some_and(|(s, _, _)| s == seq) {
                            self.bot_plans[seat] = None;
                        }
                    }
                    self.record_timeouts(seq);
                    let bodies = (0..self.seats.len())
                        .map(|viewer| {
                            MatchBody::MatchReveal(views::reveal(&self.contest, seq, viewer))
                        })
                        .collect();
                    self.emit_each(bodies);
                }
                Event::PresenceChanged { seat, connected } => {
                    let grace_ms = if connected {
                        0
                    } else {
                        self.contest.rules().grace.as_millis() as u64
                    };
                    self.emit_all(MatchBody::MatchPresence {
                        seat: seat as u8,
                        connected,
                        grace_ms,
                    });
                }
                Event::Forfeited { seat } => {
                    self.emit_all(MatchBody::MatchPresence {
                        seat: seat as u8,
                        connected: false,
                        grace_ms: 0,
                    });
                }
                Event::Over(outcome) => self.finish(outcome),
            }
        }
        // Bots do not race on for nobody, and a battle needs two teams:
        // once every member is gone, or a whole team (after this batch's
        // reveal, if it brought one), the match ends.
        let present =
            |seat: usize| !self.seats[seat].info.is_bot && !self.contest.is_forfeited(seat);
        let humans_left = (0..self.seats.len()).any(present);
        let teams_left = match self.mode {
            MatchMode::District => [0, 1].iter().all(|&team| {
                (0..self.seats.len()).any(|s| self.seats[s].info.team == Some(team) && present(s))
            }),
            _ => true,
        };
        let playable = humans_left && teams_left;
        if !playable && !self.contest.is_over() {
            let more = self.contest.conclude();
            self.apply(more, now);
        }
    }

    fn bot_seats(&self) -> Vec<usize> {
        (0..self.seats.len())
            .filter(|&s| self.seats[s].info.is_bot)
            .collect()
    }

    fn plan_bots(&mut self, seq: u32, now: Instant) {
        let Some(q) = self.contest.question(seq).cloned() else {
            return;
        };
        for seat in self.bot_seats() {
            let answer = bot::answer(&q, self.duels.stats.get(&q.id), &mut self.rng);
            let after = answer.after.mul_f64(self.duels.config.bot_pace);
            self.bot_plans[seat] = Some((seq, now + after, answer));
        }
    }

    fn record_answer(&mut self, seat: usize, seq: u32) {
        let Some(member_id) = self.seats[seat].info.member_id else {
            return;
        };
        let Some(answer) = self.contest.sealed_answer_for_record(seat, seq).copied() else {
            return;
        };
        let q = self
            .contest
            .question(seq)
            .expect("answered question")
            .clone();
        self.duels
            .stats
            .observe(&q.id, answer.correct, answer.answer_time);
        let mode = if self.seats[seat].counted {
            self.mode.as_str()
        } else {
            self.mode.casual()
        };
        self.duels.record(WriteOp::Answer(AnswerRecord {
            session_id: self.id,
            question_id: q.id.clone(),
            question_version: i64::from(q.version),
            member_id,
            history: q.history.as_str().into(),
            mode: mode.into(),
            choice: answer.choice.map(|c| c.letters()),
            correct: answer.correct,
            answer_ms: answer.answer_time.as_millis() as i64,
            points: i64::from(answer.points),
            answered_at_ms: wall_ms(),
            member_rating: None,
            question_rating: self.duels.question_ratings.get(&q),
        }));
    }

    /// Players who let the clock run out get a record too: a miss.
    fn record_timeouts(&mut self, seq: u32) {
        for seat in 0..self.seats.len() {
            let timed_out = self
                .contest
                .revealed_answer(seat, seq)
                .is_some_and(|a| a.choice.is_none());
            if timed_out && !self.contest.is_forfeited(seat) {
                self.record_answer(seat, seq);
            }
        }
    }

    fn finish(&mut self, outcome: Outcome) {
        if self.over.is_some() {
            return;
        }
        let standings = self.contest.standings();
        let battle = self.settle_battle(outcome);
        let winner = match outcome {
            Outcome::Aborted => None,
            // A battle is won by a team, not a seat.
            _ if self.mode == MatchMode::District => None,
            _ => self.contest.winner(),
        };
        let settled = self.settle_race(outcome, &standings);
        let rated_game = match &settled {
            Some(race) => race.iter().any(|r| r.rating_moved),
            None => {
                outcome != Outcome::Aborted
                    && self.mode == MatchMode::Duel
                    && self.seats.iter().all(|s| !s.info.is_bot)
            }
        };
        let results: Vec<Option<GameResult>> = (0..self.seats.len())
            .map(|seat| {
                if let Some(b) = &battle {
                    let team = self.seats[seat].info.team;
                    return Some(match b.winner_team {
                        None => GameResult::Draw,
                        Some(w) if Some(w) == team => GameResult::Win,
                        Some(_) => GameResult::Loss,
                    });
                }
                (outcome != Outcome::Aborted).then_some(match winner {
                    Some(w) if w == seat => GameResult::Win,
                    Some(_) => GameResult::Loss,
                    None => GameResult::Draw,
                })
            })
            .collect();
        let before: Vec<Glicko> = self.seats.iter().map(|s| s.glicko).collect();
        let after: Vec<Glicko> = (0..self.seats.len())
            .map(|seat| {
                let s = &self.seats[seat];
                if let Some(race) = &settled {
                    return race[seat].rating_after;
                }
                match results[seat] {
                    Some(result) if rated_game && s.rated && self.seats.len() == 2 => {
                        s.glicko.after_game(before[1 - seat], result)
                    }
                    _ => s.glicko,
                }
            })
            .collect();
        let finished_at_ms = wall_ms();
        let mut players = Vec::new();
        let mut standing_views = Vec::new();
        for st in &standings {
            let s = &self.seats[st.seat];
            let moved = match &settled {
                Some(race) => race[st.seat].rating_moved,
                None => rated_game && s.rated,
            };
            let result = results[st.seat].map_or("aborted", GameResult::as_str);
            let ladder = settled
                .as_ref()
                .and_then(|race| self.ladder_change(st.seat, race[st.seat]));
            if let Some(member_id) = s.info.member_id {
                match (self.mode, &ladder) {
                    (MatchMode::Duel, _) => {
                        if moved {
                            self.duels.ratings.update(member_id, after[st.seat]);
                        }
                        if s.counted && outcome != Outcome::Aborted {
                            self.duels.count_match(member_id, finished_at_ms);
                        }
                    }
                    (MatchMode::Ladder, Some((change, rank_after))) => {
                        self.duels.ladder.settle(
                            change.season_id,
                            member_id,
                            *rank_after,
                            moved.then_some(after[st.seat]),
                        );
                    }
                    (MatchMode::Ladder, None) => {}
                    (MatchMode::District, _) => {
                        if let Some(b) = &self.battle
                            && s.counted
                            && outcome != Outcome::Aborted
                        {
                            self.duels.battles.count_battle(
                                b.competition_id,
                                member_id,
                                finished_at_ms,
                            );
                        }
                    }
                }
            }
            players.push(MatchPlayerResult {
                seat: st.seat as i64,
                member_id: s.info.member_id,
                bot_name: s.info.is_bot.then(|| s.info.nickname.clone()),
                counted: s.counted,
                rated: moved,
                place: st.place as i64,
                points: st.points as i64,
                correct: i64::from(st.correct),
                answer_ms_total: st.answer_time.as_millis() as i64,
                forfeited: st.forfeited,
                result: result.into(),
                rating_before: before[st.seat].rating,
                rating_after: after[st.seat].rating,
                deviation_after: after[st.seat].deviation,
                volatility_after: after[st.seat].volatility,
                ladder: ladder.as_ref().map(|(change, _)| change.clone()),
                team: s.info.team.map(i64::from),
            });
            standing_views.push(StandingView {
                seat: st.seat as u8,
                place: st.place as u8,
                points: st.points,
                correct: st.correct,
                answer_ms_total: st.answer_time.as_millis() as u64,
                forfeited: st.forfeited,
                // The ladder's rating is hidden.
                rating_before: shown_rating(self.mode, before[st.seat]),
                rating_after: shown_rating(self.mode, after[st.seat]),
                ladder: ladder.map(|(change, _)| ladder_result_view(&change)),
            });
        }
        players.sort_by_key(|p| p.seat);
        self.duels.record(WriteOp::MatchFinished(MatchEnd {
            match_id: self.id,
            mode: self.mode.as_str().into(),
            relaxed: self.relaxed,
            started_at_ms: self.started_at_ms,
            finished_at_ms,
            outcome: outcome_name(outcome).into(),
            winner_seat: winner.map(|w| w as i64),
            question_count: self.contest.len() as i64,
            players,
            battle: battle.as_ref().map(|b| BattleRecord {
                competition_id: b.competition_id,
                winner_team: b.winner_team.map(i64::from),
                sides: b
                    .teams
                    .iter()
                    .map(|t| BattleSideRecord {
                        team: i64::from(t.team),
                        district: t.district.clone(),
                        members: i64::from(t.members),
                        average: t.average,
                        competition_points: i64::from(t.competition_points),
                        district_index: self.battle.as_ref().and_then(|s| {
                            s.district_indexes
                                .get(usize::from(t.team))
                                .copied()
                                .flatten()
                        }),
                    })
                    .collect(),
            }),
        }));
        let view = MatchOverView {
            outcome: match outcome {
                Outcome::Completed => MatchOutcome::Completed,
                Outcome::Forfeit => MatchOutcome::Forfeit,
                Outcome::Aborted => MatchOutcome::Aborted,
            },
            winner_seat: winner.map(|w| w as u8),
            standings: standing_views,
            rated: rated_game && self.seats.iter().any(|s| s.rated),
            battle,
        };
        if let Some(race) = &settled {
            tracing::debug!(match_id = self.id, ?race, "race settled");
        }
        self.over = Some(view.clone());
        self.bot_plans.iter_mut().for_each(|p| *p = None);
        self.link.over.store(true, Ordering::Relaxed);
        self.emit_all(MatchBody::MatchOver(view));
        // While the room lingers, a player who comes back needs the result,
        // not the match: the one who dropped at the very end still gets
        // `match_over` replayed, anyone further behind a snapshot, which
        // carries the result. The match's frames go now, not a minute
        // later: thousands of finished rooms linger after a crowd's round.
        for log in &mut self.logs {
            let older = log.len().saturating_sub(1);
            log.drain(..older);
            log.shrink_to_fit();
        }
        if self.mode == MatchMode::Duel
            && outcome != Outcome::Aborted
            && !self.duels.shutdown.is_cancelled()
        {
            let members: Vec<Option<i64>> = self.seats.iter().map(|s| s.info.member_id).collect();
            self.duels.offer_rematch(self.id, members, self.relaxed);
        }
    }

    /// A finished district battle's result by team: averages over the
    /// members who started (leavers count 0 for what they missed), and the
    /// competition points; `None` for other modes or an aborted battle.
    fn settle_battle(&self, outcome: Outcome) -> Option<BattleOverView> {
        let setup = self.battle.as_ref()?;
        if outcome == Outcome::Aborted {
            return None;
        }
        let team_scores = |team: u8| -> Vec<MemberScore> {
            (0..self.seats.len())
                .filter(|&s| self.seats[s].info.team == Some(team))
                .map(|seat| {
                    let answers: Vec<_> = (1..=self.contest.seq())
                        .filter_map(|seq| self.contest.revealed_answer(seat, seq))
                        .collect();
                    let answered: Vec<_> = answers.iter().filter(|a| a.choice.is_some()).collect();
                    MemberScore {
                        points: self.contest.points(seat),
                        correct: answers.iter().filter(|a| a.correct).count() as u32,
                        answered: answered.len() as u32,
                        answer_ms_total: answered
                            .iter()
                            .map(|a| a.answer_time.as_millis() as u64)
                            .sum(),
                        left: self.contest.is_forfeited(seat),
                    }
                })
                .collect()
        };
        let (a, b) = (team_scores(0), team_scores(1));
        let result = battle_result(&a, &b);
        let counted = |team: u8| {
            self.seats
                .iter()
                .any(|s| s.info.team == Some(team) && s.counted)
        };
        let side = |team: u8, members: usize, average: f64, points: u32| BattleSideView {
            team,
            district: setup.districts[usize::from(team)].clone(),
            members: members as u32,
            average,
            competition_points: awarded_points(points, counted(team)),
        };
        Some(BattleOverView {
            competition_id: setup.competition_id,
            winner_team: match result.outcome {
                BattleOutcome::AWins => Some(0),
                BattleOutcome::BWins => Some(1),
                BattleOutcome::Draw => None,
            },
            decided_by: match result.decided_by {
                DecidedBy::Average => "average",
                DecidedBy::AnswerTime => "answer_time",
                DecidedBy::Tie => "tie",
            }
            .into(),
            teams: vec![
                side(0, a.len(), result.average_a, result.points_a),
                side(1, b.len(), result.average_b, result.points_b),
            ],
        })
    }

    /// A finished ladder race's stars and hidden ratings, seat by seat;
    /// `None` for a duel or an aborted race (nothing moves).
    fn settle_race(&self, outcome: Outcome, standings: &[Standing]) -> Option<Vec<RaceSettlement>> {
        if self.mode != MatchMode::Ladder || outcome == Outcome::Aborted {
            return None;
        }
        let entries: Vec<RaceEntry> = (0..self.seats.len())
            .map(|seat| {
                let s = &self.seats[seat];
                let st = standings
                    .iter()
                    .find(|st| st.seat == seat)
                    .expect("every seat has a standing");
                RaceEntry {
                    human: !s.info.is_bot,
                    rated: s.rated,
                    rating: s.glicko,
                    rank: s.info.rank.unwrap_or(Rank::START),
                    place: st.place,
                    forfeited: st.forfeited,
                }
            })
            .collect();
        Some(settle_race(&entries))
    }

    /// The record of a member's rank change, and the rank after.
    fn ladder_change(&self, seat: usize, settled: RaceSettlement) -> Option<(LadderChange, Rank)> {
        let s = &self.seats[seat];
        let season_id = s.season_id?;
        let before = s.info.rank?;
        let after = settled.rank_after;
        Some((
            LadderChange {
                season_id,
                tier_before: before.tier.as_str().into(),
                stars_before: i64::from(before.stars),
                tier_after: after.tier.as_str().into(),
                stars_after: i64::from(after.stars),
            },
            after,
        ))
    }

    fn attach(&mut self, seat: usize, conn: u64, outbox: OutboxTx, last_version: u64) {
        if self.seats[seat].info.is_bot {
            return;
        }
        self.seats[seat].conn = conn;
        // Tell the others first; the returning player reads it in the
        // replay below, so the replay ends where the match is.
        self.seats[seat].outbox = None;
        let events = self.contest.reconnect(seat);
        self.apply(events, Instant::now());
        let _ = outbox.try_send(Outbound::Attached(self.link.clone(), seat));
        self.seats[seat].outbox = Some(outbox);
        let log = &self.logs[seat];
        let replayable = last_version > 0
            && last_version <= self.version
            && log.first().is_some_and(|(v, _)| *v <= last_version + 1);
        if replayable {
            let missed: Vec<Utf8Bytes> = log
                .iter()
                .filter(|(v, _)| *v > last_version)
                .map(|(_, text)| text.clone())
                .collect();
            for text in missed {
                self.push(seat, text);
            }
            let remaining_ms = self.remaining_ms();
            let msg = self.event_text(self.version, MatchBody::MatchResumed { remaining_ms });
            self.push(seat, msg);
        } else {
            let infos: Vec<SeatInfo> = self.seats.iter().map(|s| s.info.clone()).collect();
            let snapshot = views::snapshot(
                &self.contest,
                seat,
                self.started_view(seat, &infos),
                self.remaining_ms(),
                self.over.clone(),
            );
            let msg = self.event_text(self.version, MatchBody::MatchSnapshot(Box::new(snapshot)));
            self.push(seat, msg);
        }
    }

    fn detach(&mut self, seat: usize, now: Instant) {
        self.seats[seat].outbox = None;
        let events = self.contest.disconnect(seat, now.into_std());
        self.apply(events, now);
    }

    fn remaining_ms(&self) -> Option<u64> {
        let now = std::time::Instant::now();
        match self.contest.phase() {
            Phase::Open { deadline, .. } => {
                Some(deadline.saturating_duration_since(now).as_millis() as u64)
            }
            Phase::Countdown { until } | Phase::Loading { until } | Phase::Reveal { until } => {
                Some(until.saturating_duration_since(now).as_millis() as u64)
            }
            Phase::Over(_) => None,
        }
    }

    fn refuse(&mut self, seat: usize, refusal: Refusal) {
        let text = to_text(&ServerMsg::from(refusal));
        self.push(seat, text);
    }

    fn event_text(&self, version: u64, body: MatchBody) -> Utf8Bytes {
        to_text(&ServerMsg::Match(MatchEvent {
            match_id: self.id_text.clone(),
            version,
            body,
        }))
    }

    /// One event, the same for everyone: serialized once.
    fn emit_all(&mut self, body: MatchBody) {
        self.version += 1;
        let text = self.event_text(self.version, body);
        for seat in 0..self.seats.len() {
            self.log_and_push(seat, text.clone());
        }
    }

    /// One event, seen differently by each seat (shuffled options):
    /// `bodies[seat]`.
    fn emit_each(&mut self, bodies: Vec<MatchBody>) {
        self.version += 1;
        for (seat, body) in bodies.into_iter().enumerate() {
            if self.seats[seat].info.is_bot {
                continue;
            }
            let text = self.event_text(self.version, body);
            self.log_and_push(seat, text);
        }
    }

    fn log_and_push(&mut self, seat: usize, text: Utf8Bytes) {
        if self.seats[seat].info.is_bot {
            return;
        }
        let log = &mut self.logs[seat];
        if log.len() >= LOG_LIMIT {
            log.remove(0);
        }
        log.push((self.version, text.clone()));
        self.push(seat, text);
    }

    /// Hands a message to the seat's connection without waiting. A full
    /// outbox means the connection stopped reading: it loses the seat's
    /// link and must resume, as after a drop.
    fn push(&mut self, seat: usize, text: Utf8Bytes) {
        let Some(outbox) = &self.seats[seat].outbox else {
            return;
        };
        if outbox.try_send(Outbound::Text(text)).is_err() {
            metrics::counter!("dati_match_outbox_overflows_total").increment(1);
            self.seats[seat].outbox = None;
            if self.over.is_none() {
                let events = self.contest.disconnect(seat, std::time::Instant::now());
                self.apply(events, Instant::now());
            }
        }
    }
}

fn shown_rating(mode: MatchMode, glicko: Glicko) -> i64 {
    match mode {
        MatchMode::Duel => glicko.rating.round() as i64,
        MatchMode::Ladder | MatchMode::District => 0,
    }
}

fn ladder_result_view(change: &LadderChange) -> LadderResultView {
    let before = Rank::from_stored(&change.tier_before, change.stars_before);
    let after = Rank::from_stored(&change.tier_after, change.stars_after);
    LadderResultView {
        season_id: change.season_id,
        before: rank_view(before),
        after: rank_view(after),
        stars: after.points() as i32 - before.points() as i32,
        promoted: after.tier > before.tier,
        demoted: after.tier < before.tier,
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Completed => "completed",
        Outcome::Forfeit => "forfeit",
        Outcome::Aborted => "aborted",
    }
}

pub fn to_text(msg: &ServerMsg) -> Utf8Bytes {
    thread_local! {
        /// Frames are written here and then copied out at their exact
        /// size: a growing `String` would take four or five reallocations
        /// for a question and keep up to twice its length, for as long as
        /// a match keeps the frame for replay.
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    /// A rare giant frame (a long snapshot) does not stay behind.
    const KEEP: usize = 64 << 10;
    SCRATCH.with_borrow_mut(|buf| {
        buf.clear();
        serde_json::to_writer(&mut *buf, msg).expect("server messages serialize");
        let text = Utf8Bytes::from(std::str::from_utf8(buf).expect("serde_json writes UTF-8"));
        if buf.capacity() > KEEP {
            *buf = Vec::new();
        }
        text
    })
}

/// The refusal for a match command that names a match this connection is
/// not playing.
pub fn not_in_match(seq: Option<u32>) -> Refusal {
    refusal(ErrorCode::NotInMatch, seq)
}
