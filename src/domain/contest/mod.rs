//! A timed match of 2 to [`MAX_SEATS`] players on the same questions: the
//! duel (双人PK), the ladder race (up to four) and the district battle (two
//! teams of up to ten).
//!
//! Every player sees the same question at the same instant (options shuffled
//! per player). Answers stay sealed until the reveal, which comes when every
//! player still in the match has answered or the deadline passes. A player
//! whose connection drops keeps the seat for a grace period and forfeits
//! after it. Time is passed in; nothing here reads a clock.

use std::sync::Arc;
use std::time::{Duration, Instant};

use thiserror::Error;

use super::practice::{RuleError, canonical_choice};
use super::question::{OptionSet, Question};
use super::scoring;

/// The most players in one match: two district teams of ten.
pub const MAX_SEATS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContestRules {
    /// Removes the speed component of scoring.
    pub relaxed: bool,
    /// From the match being set to the first question.
    pub countdown: Duration,
    /// How long a reveal stays on screen before the next question.
    pub reveal_pause: Duration,
    /// A media question's clock starts when every connected player's media
    /// has loaded, or after this long.
    pub media_preload_max: Duration,
    /// How long a disconnected player keeps the seat.
    pub grace: Duration,
    /// The match ends when fewer players than this remain: 2 for a duel
    /// (one leaving ends it), 1 for a race (it goes on for the others).
    pub min_players: usize,
    /// Leaving before anyone has answered aborts the match for everyone
    /// (a duel). A race instead counts it as a forfeit, so that one player
    /// cannot call off the others' race.
    pub abortable: bool,
}

impl Default for ContestRules {
    fn default() -> Self {
        ContestRules {
            relaxed: false,
            countdown: Duration::from_secs(3),
            reveal_pause: Duration::from_secs(3),
            media_preload_max: Duration::from_secs(10),
            grace: Duration::from_secs(30),
            min_players: 2,
            abortable: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContestError {
    #[error("a match needs 2 to 20 players and at least one question")]
    BadSetup,
    #[error("no such seat")]
    NoSuchSeat,
    #[error("this player has left the match")]
    Forfeited,
    #[error("the match is over")]
    Over,
    #[error("question {got} is not the open question")]
    NotCurrent { got: u32 },
    #[error("this question has already been answered")]
    AlreadyAnswered,
    #[error("the time for this question has run out")]
    TooLate,
    #[error("invalid choice: {0}")]
    InvalidChoice(&'static str),
}

/// How a match ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every question was played.
    Completed,
    /// Too few players remained: someone left after the first answer or
    /// did not come back within the grace period.
    Forfeit,
    /// Someone left before anyone answered: no result.
    Aborted,
}

/// What happened, in order.
///
/// Commands ([`Contest::answer`] and the rest) act on the state as it is:
/// the runtime calls [`Contest::advance`] with the same `now` first, so that
/// timed transitions are never lost behind a refused command. None of these carries a choice: what a player
/// answered is readable only once its question is revealed
/// ([`Contest::revealed_answer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Question `seq` is shown to everyone. Without media its clock runs
    /// from now; with media it waits for [`Event::ClockStarted`].
    QuestionShown {
        seq: u32,
        waits_for_media: bool,
    },
    /// The clock of a media question has started.
    ClockStarted {
        seq: u32,
    },
    /// `seat` answered `seq`; the answer stays sealed.
    Answered {
        seq: u32,
        seat: usize,
    },
    /// Question `seq` is closed: answers and points may be shown.
    Revealed {
        seq: u32,
    },
    PresenceChanged {
        seat: usize,
        connected: bool,
    },
    /// `seat` left or stayed away past the grace period.
    Forfeited {
        seat: usize,
    },
    Over(Outcome),
}

/// One player's answer to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatAnswer {
    /// Canonical options chosen; `None` when the time ran out.
    pub choice: Option<OptionSet>,
    pub correct: bool,
    pub answer_time: Duration,
    pub base_points: u32,
    pub streak_bonus: u32,
    pub points: u32,
    /// Correct answers in a row after this one.
    pub streak: u32,
}

#[derive(Debug, Clone)]
struct Seat {
    /// `orders[question][shown] = canonical option index`.
    orders: Vec<Vec<u8>>,
    answers: Vec<Option<SeatAnswer>>,
    /// Totals over revealed questions.
    points: u64,
    correct: u32,
    /// Correct answers in a row, sealed answers included.
    streak: u32,
    connected: bool,
    gone_since: Option<Instant>,
    forfeited: bool,
    media_ready: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Countdown {
        until: Instant,
    },
    /// The current question's media is loading; the clock has not started.
    Loading {
        until: Instant,
    },
    Open {
        opened: Instant,
        deadline: Instant,
    },
    Reveal {
        until: Instant,
    },
    Over(Outcome),
}

/// A player's standing at the end (or so far).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub seat: usize,
    /// 1-based; equal for a tie on points and time.
    pub place: usize,
    pub points: u64,
    pub correct: u32,
    /// Answer times summed; a question not answered counts its full limit.
    pub answer_time: Duration,
    pub forfeited: bool,
}

#[derive(Debug, Clone)]
pub struct Contest {
    rules: ContestRules,
    questions: Vec<Arc<Question>>,
    seats: Vec<Seat>,
    phase: Phase,
    /// 0 before the first question, then the 1-based current question.
    seq: u32,
    /// Questions whose answers may be shown.
    revealed: u32,
    any_answer: bool,
}

impl Contest {
    /// A match on `questions`, with `orders[seat][question]` the option
    /// order each player sees. The countdown starts at `now`.
    pub fn new(
        questions: Vec<Arc<Question>>,
        orders: Vec<Vec<Vec<u8>>>,
        rules: ContestRules,
        now: Instant,
    ) -> Result<Contest, ContestError> {
        if questions.is_empty()
            || !(2..=MAX_SEATS).contains(&orders.len())
            || orders.iter().any(|o| o.len() != questions.len())
            || orders.iter().any(|o| {
                o.iter()
                    .zip(&questions)
                    .any(|(order, q)| order.len() != q.options.len())
            })
        {
            return Err(ContestError::BadSetup);
        }
        let seats = orders
            .into_iter()
            .map(|orders| Seat {
                answers: vec![None; orders.len()],
                orders,
                points: 0,
                streak: 0,
                correct: 0,
                connected: true,
                gone_since: None,
                forfeited: false,
                media_ready: false,
            })
            .collect();
        Ok(Contest {
            phase: Phase::Countdown {
                until: now + rules.countdown,
            },
            rules,
            questions,
            seats,
            seq: 0,
            revealed: 0,
            any_answer: false,
        })
    }

    pub fn rules(&self) -> &ContestRules {
        &self.rules
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn seats(&self) -> usize {
        self.seats.len()
    }

    pub fn len(&self) -> usize {
        self.questions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
    }

    /// 0 before the first question, else the current (or last) question.
    pub fn seq(&self) -> u32 {
        self.seq
    }

    pub fn is_over(&self) -> bool {
        matches!(self.phase, Phase::Over(_))
    }

    pub fn question(&self, seq: u32) -> Option<&Arc<Question>> {
        self.questions.get((seq as usize).checked_sub(1)?)
    }

    pub fn questions(&self) -> &[Arc<Question>] {
        &self.questions
    }

    /// The option order `seat` sees for question `seq`.
    pub fn order(&self, seat: usize, seq: u32) -> &[u8] {
        &self.seats[seat].orders[seq as usize - 1]
    }

    /// Points from revealed questions only: a sealed answer moves nothing
    /// anyone can see.
    pub fn points(&self, seat: usize) -> u64 {
        self.seats[seat].points
    }

    /// A seat's answer to `seq` as soon as it is given, for the record
    /// (answers are written when they arrive). Never for players' eyes:
    /// views use [`Contest::revealed_answer`].
    pub fn sealed_answer_for_record(&self, seat: usize, seq: u32) -> Option<&SeatAnswer> {
        self.seats
            .get(seat)?
            .answers
            .get((seq as usize).checked_sub(1)?)?
            .as_ref()
    }

    /// When a seat dropped, while it is away.
    pub fn gone_since(&self, seat: usize) -> Option<Instant> {
        self.seats[seat].gone_since
    }

    pub fn is_connected(&self, seat: usize) -> bool {
        self.seats[seat].connected
    }

    pub fn is_forfeited(&self, seat: usize) -> bool {
        self.seats[seat].forfeited
    }

    /// Whether `seat` has answered the current question (never what).
    pub fn has_answered(&self, seat: usize) -> bool {
        self.seq > 0 && self.seats[seat].answers[self.seq as usize - 1].is_some()
    }

    /// A seat's answer to `seq`, once that question is revealed; `None`
    /// before, so nothing sealed can leak through this door.
    pub fn revealed_answer(&self, seat: usize, seq: u32) -> Option<&SeatAnswer> {
        if seq == 0 || seq > self.revealed {
            return None;
        }
        self.seats
            .get(seat)?
            .answers
            .get(seq as usize - 1)?
            .as_ref()
    }

    /// Until any answer, a player may leave without a result.
    pub fn in_abort_window(&self) -> bool {
        if !self.rules.abortable {
            return false;
        }
        !self.any_answer && !self.is_over()
    }

    /// When [`Contest::advance`] next has something to do.
    pub fn next_wakeup(&self) -> Option<Instant> {
        let phase = match self.phase {
            Phase::Countdown { until } | Phase::Loading { until } | Phase::Reveal { until } => {
                Some(until)
            }
            Phase::Open { deadline, .. } => Some(deadline),
            Phase::Over(_) => return None,
        };
        let grace = self
            .seats
            .iter()
            .filter(|s| !s.forfeited)
            .filter_map(|s| s.gone_since.map(|t| t + self.rules.grace))
            .min();
        match (phase, grace) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// When the open question's clock runs out.
    pub fn deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Open { deadline, .. } => Some(deadline),
            _ => None,
        }
    }

    /// Applies every transition due by `now`: the countdown ending, media
    /// loading timing out, deadlines, reveal pauses and grace periods.
    pub fn advance(&mut self, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        self.expire_graces(now, &mut events);
        loop {
            match self.phase {
                Phase::Countdown { until } if now >= until => self.show_next(now, &mut events),
                Phase::Loading { until } if now >= until => self.start_clock(now, &mut events),
                Phase::Open { deadline, .. } if now >= deadline => self.reveal(now, &mut events),
                Phase::Reveal { until } if now >= until => self.show_next(now, &mut events),
                _ => break,
            }
        }
        events
    }

    /// `seat`'s media for `seq` has loaded.
    pub fn media_ready(
        &mut self,
        seat: usize,
        seq: u32,
        now: Instant,
    ) -> Result<Vec<Event>, ContestError> {
        let mut events = Vec::new();
        self.check_seat(seat)?;
        if seq != self.seq || self.seq == 0 {
            return Err(ContestError::NotCurrent { got: seq });
        }
        if let Phase::Loading { .. } = self.phase {
            self.seats[seat].media_ready = true;
            if self.everyone_loaded() {
                self.start_clock(now, &mut events);
            }
        }
        Ok(events)
    }

    /// `seat` answers `seq` with shown positions. Only the first answer to a
    /// question counts. `allowance` is the share of the measured time put
    /// down to the network.
    pub fn answer(
        &mut self,
        seat: usize,
        seq: u32,
        shown: &[u8],
        now: Instant,
        allowance: Duration,
    ) -> Result<Vec<Event>, ContestError> {
        let mut events = Vec::new();
        self.check_seat(seat)?;
        if seq == 0 || seq > self.seq {
            return Err(ContestError::NotCurrent { got: seq });
        }
        let index = seq as usize - 1;
        if let Some(given) = self.seats[seat].answers[index] {
            return Err(match given.choice {
                Some(_) => ContestError::AlreadyAnswered,
                None => ContestError::TooLate,
            });
        }
        let opened = match self.phase {
            Phase::Open { deadline, .. } if now >= deadline => return Err(ContestError::TooLate),
            Phase::Open { opened, .. } if seq == self.seq => opened,
            Phase::Loading { .. } if seq == self.seq => {
                return Err(ContestError::NotCurrent { got: seq });
            }
            _ => return Err(ContestError::TooLate),
        };
        let question = &self.questions[index];
        let choice = canonical_choice(question, &self.seats[seat].orders[index], shown).map_err(
            |e| match e {
                RuleError::InvalidChoice(why) => ContestError::InvalidChoice(why),
                _ => ContestError::InvalidChoice("invalid choice"),
            },
        )?;
        let answer_time = now
            .saturating_duration_since(opened)
            .saturating_sub(allowance)
            .min(question.time_limit);
        self.record(seat, index, Some(choice), answer_time);
        self.any_answer = true;
        events.push(Event::Answered { seq, seat });
        if self.everyone_answered() {
            self.reveal(now, &mut events);
        }
        Ok(events)
    }

    pub fn disconnect(&mut self, seat: usize, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        let over = self.is_over();
        let Some(s) = self.seats.get_mut(seat) else {
            return events;
        };
        if s.forfeited || !s.connected || over {
            return events;
        }
        s.connected = false;
        s.gone_since = Some(now);
        events.push(Event::PresenceChanged {
            seat,
            connected: false,
        });
        if matches!(self.phase, Phase::Loading { .. }) && self.everyone_loaded() {
            self.start_clock(now, &mut events);
        }
        events
    }

    pub fn reconnect(&mut self, seat: usize) -> Vec<Event> {
        let mut events = Vec::new();
        let over = self.is_over();
        let Some(s) = self.seats.get_mut(seat) else {
            return events;
        };
        if s.forfeited || s.connected || over {
            return events;
        }
        s.connected = true;
        s.gone_since = None;
        events.push(Event::PresenceChanged {
            seat,
            connected: true,
        });
        events
    }

    /// `seat` leaves: an abort while no one has answered, else a forfeit.
    pub fn leave(&mut self, seat: usize, now: Instant) -> Result<Vec<Event>, ContestError> {
        let mut events = Vec::new();
        self.check_seat(seat)?;
        if self.in_abort_window() {
            self.phase = Phase::Over(Outcome::Aborted);
            events.push(Event::Over(Outcome::Aborted));
        } else {
            self.forfeit(seat, now, &mut events);
        }
        Ok(events)
    }

    /// Ends the match now as a forfeit: the runtime's call when nobody it
    /// plays for is left (only bots remain in a race). Standings are those
    /// of the questions revealed so far.
    pub fn conclude(&mut self) -> Vec<Event> {
        if self.is_over() {
            return Vec::new();
        }
        self.phase = Phase::Over(Outcome::Forfeit);
        vec![Event::Over(Outcome::Forfeit)]
    }

    /// Standings by points, then lower total answer time; forfeits last.
    pub fn standings(&self) -> Vec<Standing> {
        let mut rows: Vec<Standing> = self
            .seats
            .iter()
            .enumerate()
            .map(|(i, s)| Standing {
                seat: i,
                place: 0,
                points: s.points,
                correct: s.correct,
                answer_time: s
                    .answers
                    .iter()
                    .zip(&self.questions)
                    .take(self.revealed as usize)
                    .map(|(a, q)| a.map_or(q.time_limit, |a| a.answer_time))
                    .sum(),
                forfeited: s.forfeited,
            })
            .collect();
        let key = |r: &Standing| (r.forfeited, std::cmp::Reverse(r.points), r.answer_time);
        rows.sort_by_key(|r| (key(r), r.seat));
        for i in 0..rows.len() {
            rows[i].place = if i > 0 && key(&rows[i]) == key(&rows[i - 1]) {
                rows[i - 1].place
            } else {
                i + 1
            };
        }
        rows
    }

    /// The single first place, if the match produced one.
    pub fn winner(&self) -> Option<usize> {
        if !matches!(
            self.phase,
            Phase::Over(Outcome::Completed | Outcome::Forfeit)
        ) {
            return None;
        }
        let standings = self.standings();
        let firsts = standings.iter().filter(|s| s.place == 1).count();
        (firsts == 1).then(|| standings[0].seat)
    }

    fn check_seat(&self, seat: usize) -> Result<(), ContestError> {
        let s = self.seats.get(seat).ok_or(ContestError::NoSuchSeat)?;
        if s.forfeited {
            return Err(ContestError::Forfeited);
        }
        if self.is_over() {
            return Err(ContestError::Over);
        }
        Ok(())
    }

    fn active(&self) -> impl Iterator<Item = &Seat> {
        self.seats.iter().filter(|s| !s.forfeited)
    }

    fn everyone_answered(&self) -> bool {
        let index = self.seq as usize - 1;
        self.active().all(|s| s.answers[index].is_some())
    }

    fn everyone_loaded(&self) -> bool {
        self.active().filter(|s| s.connected).all(|s| s.media_ready)
    }

    fn show_next(&mut self, now: Instant, events: &mut Vec<Event>) {
        if self.seq as usize >= self.questions.len() {
            self.phase = Phase::Over(Outcome::Completed);
            events.push(Event::Over(Outcome::Completed));
            return;
        }
        self.seq += 1;
        let question = &self.questions[self.seq as usize - 1];
        let waits_for_media = question.media.is_some();
        events.push(Event::QuestionShown {
            seq: self.seq,
            waits_for_media,
        });
        if waits_for_media {
            for s in &mut self.seats {
                s.media_ready = false;
            }
            self.phase = Phase::Loading {
                until: now + self.rules.media_preload_max,
            };
        } else {
            self.open(now);
        }
    }

    fn open(&mut self, now: Instant) {
        let limit = self.questions[self.seq as usize - 1].time_limit;
        self.phase = Phase::Open {
            opened: now,
            deadline: now + limit,
        };
    }

    fn start_clock(&mut self, now: Instant, events: &mut Vec<Event>) {
        self.open(now);
        events.push(Event::ClockStarted { seq: self.seq });
    }

    /// Closes the current question: whoever has not answered timed out.
    fn reveal(&mut self, now: Instant, events: &mut Vec<Event>) {
        let index = self.seq as usize - 1;
        let limit = self.questions[index].time_limit;
        for seat in 0..self.seats.len() {
            if self.seats[seat].answers[index].is_none() {
                self.record(seat, index, None, limit);
            }
            let s = &mut self.seats[seat];
            if let Some(a) = s.answers[index] {
                s.points += u64::from(a.points);
                s.correct += u32::from(a.correct);
            }
        }
        self.revealed = self.seq;
        self.phase = Phase::Reveal {
            until: now + self.rules.reveal_pause,
        };
        events.push(Event::Revealed { seq: self.seq });
    }

    fn record(
        &mut self,
        seat: usize,
        index: usize,
        choice: Option<OptionSet>,
        answer_time: Duration,
    ) {
        let question = &self.questions[index];
        let correct = choice.is_some_and(|c| question.is_correct(c));
        let s = &mut self.seats[seat];
        s.streak = if correct { s.streak + 1 } else { 0 };
        let base_points = scoring::base_points(
            correct,
            answer_time,
            question.time_limit,
            self.rules.relaxed,
        );
        let streak_bonus = if correct {
            scoring::streak_bonus(s.streak)
        } else {
            0
        };
        let points = base_points + streak_bonus;
        s.answers[index] = Some(SeatAnswer {
            choice,
            correct,
            answer_time,
            base_points,
            streak_bonus,
            points,
            streak: s.streak,
        });
    }

    fn expire_graces(&mut self, now: Instant, events: &mut Vec<Event>) {
        let grace = self.rules.grace;
        let due: Vec<usize> = self
            .seats
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.forfeited && s.gone_since.is_some_and(|t| now >= t + grace))
            .map(|(i, _)| i)
            .collect();
        for seat in due {
            if self.is_over() {
                break;
            }
            self.forfeit(seat, now, events);
        }
    }

    fn forfeit(&mut self, seat: usize, now: Instant, events: &mut Vec<Event>) {
        // Gone before anyone answered: no result, as if they had left.
        if self.in_abort_window() {
            self.phase = Phase::Over(Outcome::Aborted);
            events.push(Event::Over(Outcome::Aborted));
            return;
        }
        self.seats[seat].forfeited = true;
        self.seats[seat].gone_since = None;
        events.push(Event::Forfeited { seat });
        if self.active().count() < self.rules.min_players {
            self.phase = Phase::Over(Outcome::Forfeit);
            events.push(Event::Over(Outcome::Forfeit));
            return;
        }
        match self.phase {
            Phase::Open { .. } if self.everyone_answered() => self.reveal(now, events),
            Phase::Loading { .. } if self.everyone_loaded() => self.start_clock(now, events),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
