//! A solo set: practice (个人练习), challenge (挑战答题) and notebook review.
//!
//! `PracticeSet` is a value that the runtime drives with the player's
//! commands and the current time. Each transition either returns what
//! happened or a `RuleError` and leaves the set unchanged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::question::{OptionSet, Question};
use super::scoring;

/// Practice and review sets come in these sizes.
pub const SET_SIZES: [u32; 3] = [5, 10, 20];
pub const DEFAULT_SET_SIZE: u32 = 10;
/// A challenge run is long but not endless.
pub const CHALLENGE_LIMIT: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetKind {
    /// A fixed number of questions near the member's level.
    Practice,
    /// Questions keep coming until the first miss; one revive per run.
    Challenge,
    /// Questions from the member's wrong-answer notebook.
    Review,
}

impl SetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SetKind::Practice => "practice",
            SetKind::Challenge => "challenge",
            SetKind::Review => "review",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Removes the speed component of scoring.
    pub relaxed: bool,
    /// The clock of a media question starts when the player reports the media
    /// loaded, or after this long, whichever comes first.
    pub media_preload_max: Duration,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            relaxed: false,
            media_preload_max: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    #[error("there are no questions to play")]
    NotEnoughQuestions,
    #[error("no question is open")]
    NoOpenQuestion,
    #[error("question {got} is not the current question")]
    NotCurrent { got: u32 },
    #[error("this question has already been answered")]
    AlreadyAnswered,
    #[error("the time for this question has run out")]
    TooLate,
    #[error("invalid choice: {0}")]
    InvalidChoice(&'static str),
    #[error("the current question has not been answered yet")]
    QuestionOpen,
    #[error("the set is over")]
    SetFinished,
    #[error("no revive is on offer")]
    NoReviveOffered,
}

/// What the runtime should do after a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Another question follows when the player asks for it.
    Continue,
    /// Challenge miss with the revive unused: the player may revive or stop.
    ReviveOffered,
    /// The set is over; a summary follows.
    Finished,
}

/// A question put in front of the player.
#[derive(Debug, Clone)]
pub struct Presented {
    /// 1-based position in the set; answers must name it.
    pub seq: u32,
    pub question: Arc<Question>,
    /// `order[shown_position] = canonical option index`.
    pub order: Vec<u8>,
    /// Whether the clock waits for the media to load.
    pub waits_for_media: bool,
}

/// The result of one question.
#[derive(Debug, Clone)]
pub struct Reveal {
    pub seq: u32,
    pub question: Arc<Question>,
    pub order: Vec<u8>,
    /// Canonical options chosen; `None` when the time ran out.
    pub choice: Option<OptionSet>,
    pub correct: bool,
    pub answer_time: Duration,
    pub base_points: u32,
    pub streak_bonus: u32,
    pub points: u32,
    pub streak: u32,
    pub total_points: u64,
    pub next: NextStep,
}

impl Reveal {
    pub fn timed_out(&self) -> bool {
        self.choice.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub kind: SetKind,
    pub answered: u32,
    pub correct: u32,
    pub points: u64,
    pub best_streak: u32,
    pub revive_used: bool,
    /// Every question of the set was played (for a challenge: cleared).
    pub completed: bool,
    pub duration: Duration,
}

#[derive(Debug, Clone)]
struct Open {
    order: Vec<u8>,
    shown_at: Instant,
    clock_started_at: Option<Instant>,
}

#[derive(Debug, Clone)]
enum Phase {
    /// Nothing shown yet.
    NotStarted,
    Open(Open),
    Revealed {
        next: NextStep,
        timed_out: bool,
    },
    Finished,
}

#[derive(Debug, Clone)]
pub struct PracticeSet {
    kind: SetKind,
    rules: Rules,
    questions: Vec<Arc<Question>>,
    /// Index of the question shown last (or about to be shown first).
    index: usize,
    phase: Phase,
    streak: u32,
    best_streak: u32,
    points: u64,
    correct: u32,
    answered: u32,
    revive_used: bool,
    /// The last question of the set has been answered.
    exhausted: bool,
    started_at: Instant,
}

impl PracticeSet {
    pub fn new(
        kind: SetKind,
        questions: Vec<Arc<Question>>,
        rules: Rules,
        now: Instant,
    ) -> Result<PracticeSet, RuleError> {
        if questions.is_empty() {
            return Err(RuleError::NotEnoughQuestions);
        }
        Ok(PracticeSet {
            kind,
            rules,
            questions,
            index: 0,
            phase: Phase::NotStarted,
            streak: 0,
            best_streak: 0,
            points: 0,
            correct: 0,
            answered: 0,
            revive_used: false,
            exhausted: false,
            started_at: now,
        })
    }

    pub fn kind(&self) -> SetKind {
        self.kind
    }

    /// Questions in the set; for a challenge, the most it can last.
    pub fn len(&self) -> usize {
        self.questions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Finished)
    }

    /// The question `next_question` would show now, if it may show one.
    pub fn upcoming_question(&self) -> Option<&Arc<Question>> {
        let index = match &self.phase {
            Phase::NotStarted => 0,
            Phase::Revealed {
                next: NextStep::Continue,
                ..
            } => self.index + 1,
            _ => return None,
        };
        self.questions.get(index)
    }

    /// Shows the next question (the first one on a fresh set). `order` is
    /// the shuffled option order for this player; it must be a permutation
    /// of the next question's options.
    pub fn next_question(&mut self, order: Vec<u8>, now: Instant) -> Result<Presented, RuleError> {
        let index = match &self.phase {
            Phase::NotStarted => 0,
            Phase::Open(_) => return Err(RuleError::QuestionOpen),
            Phase::Finished => return Err(RuleError::SetFinished),
            Phase::Revealed { next, .. } => match next {
                NextStep::Continue => self.index + 1,
                NextStep::ReviveOffered => return Err(RuleError::QuestionOpen),
                NextStep::Finished => return Err(RuleError::SetFinished),
            },
        };
        let question = self.questions[index].clone();
        debug_assert_eq!(order.len(), question.options.len());
        let waits_for_media = question.media.is_some();
        self.index = index;
        self.phase = Phase::Open(Open {
            order: order.clone(),
            shown_at: now,
            clock_started_at: (!waits_for_media).then_some(now),
        });
        Ok(Presented {
            seq: index as u32 + 1,
            question,
            order,
            waits_for_media,
        })
    }

    /// The player's media finished loading: the clock starts now (or has
    /// already started). Returns the time left to answer.
    pub fn media_ready(&mut self, seq: u32, now: Instant) -> Result<Duration, RuleError> {
        self.check_open_seq(seq)?;
        let limit = self.questions[self.index].time_limit;
        let preload_max = self.rules.media_preload_max;
        let Phase::Open(open) = &mut self.phase else {
            unreachable!("check_open_seq ensures an open question")
        };
        let latest_start = open.shown_at + preload_max;
        let started = *open.clock_started_at.get_or_insert(now.min(latest_start));
        Ok((started + limit).saturating_duration_since(now))
    }

    /// When the open question's time runs out, if one is open.
    pub fn deadline(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Open(open) => {
                Some(self.clock_start(open) + self.questions[self.index].time_limit)
            }
            _ => None,
        }
    }

    fn clock_start(&self, open: &Open) -> Instant {
        open.clock_started_at
            .unwrap_or(open.shown_at + self.rules.media_preload_max)
    }

    /// Answers the open question. `choice` holds shown option positions.
    /// `allowance` is the part of the measured time the server attributes to
    /// the network rather than the player.
    pub fn answer(
        &mut self,
        seq: u32,
        choice: &[u8],
        now: Instant,
        allowance: Duration,
    ) -> Result<Reveal, RuleError> {
        self.check_open_seq(seq)?;
        let Phase::Open(open) = &self.phase else {
            unreachable!("check_open_seq ensures an open question")
        };
        let question = self.questions[self.index].clone();
        let canonical = canonical_choice(&question, &open.order, choice)?;
        let deadline = self.deadline().expect("a question is open");
        if now > deadline + allowance {
            return Err(RuleError::TooLate);
        }
        // An answer given before the media clock started is timed from the
        // moment the question was shown: skipping the media buys no speed.
        let started = open.clock_started_at.unwrap_or(open.shown_at);
        let answer_time = now
            .saturating_duration_since(started)
            .saturating_sub(allowance)
            .min(question.time_limit);
        Ok(self.reveal(Some(canonical), answer_time))
    }

    /// Closes the open question as unanswered if its time has run out.
    pub fn expire(&mut self, now: Instant) -> Option<Reveal> {
        let deadline = self.deadline()?;
        if now < deadline {
            return None;
        }
        let limit = self.questions[self.index].time_limit;
        Some(self.reveal(None, limit))
    }

    fn reveal(&mut self, choice: Option<OptionSet>, answer_time: Duration) -> Reveal {
        let Phase::Open(open) = std::mem::replace(&mut self.phase, Phase::Finished) else {
            unreachable!("reveal is only called with an open question")
        };
        let question = self.questions[self.index].clone();
        let correct = choice.is_some_and(|c| question.is_correct(c));
        let base_points = scoring::base_points(
            correct,
            answer_time,
            question.time_limit,
            self.rules.relaxed,
        );
        self.answered += 1;
        if correct {
            self.correct += 1;
            self.streak += 1;
            self.best_streak = self.best_streak.max(self.streak);
        } else {
            self.streak = 0;
        }
        let streak_bonus = if correct {
            scoring::streak_bonus(self.streak)
        } else {
            0
        };
        let points = base_points + streak_bonus;
        self.points += u64::from(points);
        let more = self.index + 1 < self.questions.len();
        self.exhausted = !more;
        let next = match (self.kind, correct, more) {
            (_, _, false) => NextStep::Finished,
            (SetKind::Challenge, false, true) if !self.revive_used => NextStep::ReviveOffered,
            (SetKind::Challenge, false, true) => NextStep::Finished,
            _ => NextStep::Continue,
        };
        self.phase = if next == NextStep::Finished {
            Phase::Finished
        } else {
            Phase::Revealed {
                next,
                timed_out: choice.is_none(),
            }
        };
        Reveal {
            seq: self.index as u32 + 1,
            question,
            order: open.order,
            choice,
            correct,
            answer_time,
            base_points,
            streak_bonus,
            points,
            streak: self.streak,
            total_points: self.points,
            next,
        }
    }

    /// Takes the challenge's one revive: the run goes on.
    pub fn revive(&mut self) -> Result<(), RuleError> {
        match self.phase {
            Phase::Revealed {
                next: NextStep::ReviveOffered,
                timed_out,
            } => {
                self.revive_used = true;
                self.phase = Phase::Revealed {
                    next: NextStep::Continue,
                    timed_out,
                };
                Ok(())
            }
            Phase::Finished => Err(RuleError::SetFinished),
            _ => Err(RuleError::NoReviveOffered),
        }
    }

    /// Ends the set (early, or after a declined revive) and sums it up.
    /// An open question is abandoned unanswered and does not count.
    pub fn finish(&mut self, now: Instant) -> Summary {
        let completed = self.exhausted;
        self.phase = Phase::Finished;
        Summary {
            kind: self.kind,
            answered: self.answered,
            correct: self.correct,
            points: self.points,
            best_streak: self.best_streak,
            revive_used: self.revive_used,
            completed,
            duration: now.saturating_duration_since(self.started_at),
        }
    }

    fn check_open_seq(&self, seq: u32) -> Result<(), RuleError> {
        let current = self.index as u32 + 1;
        match &self.phase {
            Phase::NotStarted => Err(RuleError::NoOpenQuestion),
            _ if seq != current => Err(RuleError::NotCurrent { got: seq }),
            Phase::Open(_) => Ok(()),
            Phase::Revealed {
                timed_out: true, ..
            } => Err(RuleError::TooLate),
            Phase::Revealed { .. } => Err(RuleError::AlreadyAnswered),
            Phase::Finished => Err(RuleError::AlreadyAnswered),
        }
    }
}

/// Maps shown positions back to canonical options and checks their shape.
pub(super) fn canonical_choice(
    question: &Question,
    order: &[u8],
    shown: &[u8],
) -> Result<OptionSet, RuleError> {
    if shown.is_empty() {
        return Err(RuleError::InvalidChoice("choose at least one option"));
    }
    if shown.len() > order.len() {
        return Err(RuleError::InvalidChoice("more choices than options"));
    }
    let mut canonical = Vec::with_capacity(shown.len());
    for &position in shown {
        let Some(&index) = order.get(position as usize) else {
            return Err(RuleError::InvalidChoice("no option at that position"));
        };
        if canonical.contains(&(index as usize)) {
            return Err(RuleError::InvalidChoice("an option is chosen twice"));
        }
        canonical.push(index as usize);
    }
    if question.kind != super::question::QuestionKind::Multiple && canonical.len() != 1 {
        return Err(RuleError::InvalidChoice(
            "this question takes exactly one option",
        ));
    }
    OptionSet::from_indices(canonical).ok_or(RuleError::InvalidChoice("no option at that position"))
}

#[cfg(test)]
mod tests;
