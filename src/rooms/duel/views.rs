//! What each player is shown of a match. Everything a player could use to
//! learn an answer early goes through [`Contest::revealed_answer`], which
//! holds it back until the reveal.

use std::time::Duration;

use crate::domain::contest::{Contest, ContestError, Phase};
use crate::domain::glicko::Glicko;
use crate::domain::ladder::Rank;
use crate::rooms::ladder::rank_view;
use crate::rooms::solo::refusal;
use crate::rooms::views::{question_view, shown_positions};
use crate::ws::protocol::{
    ErrorCode, MatchOverView, MatchRevealView, MatchSnapshotView, MatchStartedView, PlayerView,
    Refusal, SeatResultView,
};

/// Who sits in a seat, as everyone may see it.
#[derive(Debug, Clone)]
pub struct SeatInfo {
    pub member_id: Option<i64>,
    pub nickname: String,
    pub district: String,
    pub glicko: Glicko,
    pub is_bot: bool,
    /// Ladder races: the tier and stars everyone sees.
    pub rank: Option<Rank>,
    /// District battles: the side, 0 or 1.
    pub team: Option<u8>,
}

impl SeatInfo {
    fn view(&self, seat: usize) -> PlayerView {
        PlayerView {
            seat: seat as u8,
            member_id: self.member_id,
            nickname: self.nickname.clone(),
            district: self.district.clone(),
            // Only duels show a rating: the ladder's is hidden, and a
            // district battle is about the teams.
            rating: match (self.rank, self.team) {
                (None, None) => self.glicko.rating.round() as i64,
                _ => 0,
            },
            provisional: self.rank.is_none() && self.team.is_none() && self.glicko.is_provisional(),
            is_bot: self.is_bot,
            rank: self.rank.map(rank_view),
            team: self.team,
        }
    }
}

pub fn started(
    mode: super::room::MatchMode,
    seat: usize,
    infos: &[SeatInfo],
    total: u32,
    rated: bool,
    countdown: Duration,
    relaxed: bool,
) -> MatchStartedView {
    MatchStartedView {
        mode: mode.as_str().into(),
        seat: seat as u8,
        players: infos.iter().enumerate().map(|(i, s)| s.view(i)).collect(),
        total,
        relaxed,
        rated,
        starts_in_ms: countdown.as_millis() as u64,
    }
}

/// The reveal of `seq` as `viewer` sees it: every position in the viewer's
/// own option order.
pub fn reveal(contest: &Contest, seq: u32, viewer: usize) -> MatchRevealView {
    let q = contest.question(seq).expect("revealed question exists");
    let order = contest.order(viewer, seq);
    MatchRevealView {
        seq,
        correct_choice: shown_positions(q.answer, order),
        explanation: q.explanation.clone(),
        source: q.source.clone(),
        results: (0..contest.seats())
            .filter_map(|seat| {
                let a = contest.revealed_answer(seat, seq)?;
                let total_points = (1..=seq)
                    .filter_map(|s| contest.revealed_answer(seat, s))
                    .map(|a| u64::from(a.points))
                    .sum();
                Some(SeatResultView {
                    seat: seat as u8,
                    choice: a
                        .choice
                        .map(|c| shown_positions(c, order))
                        .unwrap_or_default(),
                    correct: a.correct,
                    timed_out: a.choice.is_none(),
                    answer_ms: a.answer_time.as_millis() as u64,
                    points: a.points,
                    streak: a.streak,
                    total_points,
                })
            })
            .collect(),
    }
}

/// The whole state for a player who comes back without its history.
pub fn snapshot(
    contest: &Contest,
    viewer: usize,
    started: MatchStartedView,
    remaining_ms: Option<u64>,
    over: Option<MatchOverView>,
) -> MatchSnapshotView {
    let seq = contest.seq();
    let phase = match contest.phase() {
        Phase::Countdown { .. } => "countdown",
        Phase::Loading { .. } => "loading",
        Phase::Open { .. } => "question",
        Phase::Reveal { .. } => "reveal",
        Phase::Over(_) => "over",
    };
    let seats = 0..contest.seats();
    MatchSnapshotView {
        started,
        phase: phase.into(),
        seq,
        question: contest
            .question(seq)
            .map(|q| question_view(q, contest.order(viewer, seq))),
        time_limit_ms: contest
            .question(seq)
            .map(|q| q.time_limit.as_millis() as u64),
        remaining_ms,
        answered: seats
            .clone()
            .filter(|&s| contest.has_answered(s))
            .map(|s| s as u8)
            .collect(),
        your_choice: contest
            .sealed_answer_for_record(viewer, seq)
            .and_then(|a| a.choice)
            .map(|c| shown_positions(c, contest.order(viewer, seq))),
        totals: seats.clone().map(|s| contest.points(s)).collect(),
        connected: seats.map(|s| contest.is_connected(s)).collect(),
        reveal: (seq > 0 && contest.revealed_answer(viewer, seq).is_some())
            .then(|| reveal(contest, seq, viewer)),
        over,
    }
}

pub fn contest_refusal(e: ContestError, seq: Option<u32>) -> Refusal {
    let code = match e {
        ContestError::BadSetup | ContestError::NoSuchSeat => ErrorCode::NotInMatch,
        ContestError::Forfeited => ErrorCode::Forfeited,
        ContestError::Over => ErrorCode::MatchOver,
        ContestError::NotCurrent { .. } => ErrorCode::NotCurrent,
        ContestError::AlreadyAnswered => ErrorCode::AlreadyAnswered,
        ContestError::TooLate => ErrorCode::TooLate,
        ContestError::InvalidChoice(_) => ErrorCode::InvalidChoice,
    };
    let mut r = refusal(code, seq);
    if let ContestError::InvalidChoice(why) = e {
        r.message = format!("{}（{why}）", code.text());
    }
    r
}
