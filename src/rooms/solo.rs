//! Solo play for one member: practice, challenge and notebook review.
//!
//! A [`SoloPlayer`] belongs to one connection. The transport hands it each
//! client message and wakes it at [`SoloPlayer::next_deadline`]; it answers
//! with the messages to send. It drives a [`PracticeSet`] and records every
//! answer through the write-behind queue; it never waits on the database
//! during a question (only to look up recent questions when a set starts,
//! under a short timeout).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::time::Instant;

use super::ratings::QuestionRatings;
use super::views::{SummaryContext, question_message, result_view, summary_message};
use super::{IdMint, wall_ms};
use crate::bank::SharedBank;
use crate::domain::practice::{
    CHALLENGE_LIMIT, DEFAULT_SET_SIZE, NextStep, PracticeSet, Reveal, RuleError, Rules, SET_SIZES,
};
use crate::domain::question::{History, Question};
use crate::domain::selection::{self, Filter, RECENT_WINDOW_MS};
use crate::store::writer::WriteQueue;
use crate::store::{AnswerRecord, Member, PracticeStore, SessionEnd, SessionStart, WriteOp};
use crate::ws::protocol::{ClientMsg, ErrorCode, Refusal, ServerMsg, SetMode};

/// How long starting a set may wait on the database before going without.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// What every solo player shares.
pub struct SoloShared {
    pub bank: Arc<SharedBank>,
    pub ratings: Arc<QuestionRatings>,
    pub practice: Arc<dyn PracticeStore>,
    pub queue: WriteQueue,
    pub ids: Arc<IdMint>,
}

struct ActiveSet {
    id: i64,
    set: PracticeSet,
    rating_before: f64,
    missed: Vec<String>,
}

pub struct SoloPlayer {
    shared: Arc<SoloShared>,
    member: Member,
    active: Option<ActiveSet>,
    /// The last result given (seq, timed out), kept after its set ends so
    /// that a late or repeated answer to a set's last question is told
    /// `too_late` / `already_answered` rather than `no_active_set`.
    last_result: Option<(u32, bool)>,
    rng: StdRng,
}

impl SoloPlayer {
    pub fn new(shared: Arc<SoloShared>, member: Member) -> SoloPlayer {
        SoloPlayer {
            shared,
            member,
            active: None,
            last_result: None,
            rng: StdRng::from_os_rng(),
        }
    }

    /// Whether a set is running.
    pub fn is_playing(&self) -> bool {
        self.active.is_some()
    }

    /// When the open question's time runs out, if a question is open.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.active.as_ref()?.set.deadline().map(Instant::from_std)
    }

    /// Handles one client message. `allowance` is the share of the measured
    /// time the transport attributes to the network.
    pub async fn handle(
        &mut self,
        msg: ClientMsg,
        now: Instant,
        allowance: Duration,
    ) -> Vec<ServerMsg> {
        let mut out = self.expire(now).await;
        let result = match msg {
            ClientMsg::Start {
                mode,
                history,
                size,
                difficulty,
                relaxed,
            } => {
                self.start(mode, history, size, difficulty, relaxed, now)
                    .await
            }
            ClientMsg::MediaReady { seq } => self.media_ready(seq, now),
            ClientMsg::Answer { seq, choice } => self.answer(seq, &choice, now, allowance).await,
            ClientMsg::Next => self.next(now),
            ClientMsg::Revive => self.revive(now),
            ClientMsg::Finish => match self.active.is_some() {
                true => Ok(vec![self.finish(now).await]),
                false => Err(refusal(ErrorCode::NoActiveSet, None)),
            },
            ClientMsg::Ping { nonce } => Ok(vec![ServerMsg::Pong {
                nonce,
                server_time_ms: wall_ms(),
            }]),
            // Match messages are routed to the match runtime by the transport.
            _ => Err(refusal(ErrorCode::NotInMatch, None)),
        };
        match result {
            Ok(msgs) => out.extend(msgs),
            Err(e) => out.push(e.into()),
        }
        out
    }

    /// Closes a question whose deadline has passed.
    pub async fn expire(&mut self, now: Instant) -> Vec<ServerMsg> {
        let Some(active) = self.active.as_mut() else {
            return Vec::new();
        };
        let Some(reveal) = active.set.expire(now.into_std()) else {
            return Vec::new();
        };
        self.after_reveal(reveal, now).await
    }

    /// The connection is gone: end the set so its totals are written.
    pub async fn disconnect(&mut self, now: Instant) {
        if self.active.is_some() {
            self.finish(now).await;
        }
    }

    async fn start(
        &mut self,
        mode: SetMode,
        history: Option<String>,
        size: Option<u32>,
        difficulty: Option<u8>,
        relaxed: bool,
        now: Instant,
    ) -> Result<Vec<ServerMsg>, Refusal> {
        if self.active.is_some() {
            return Err(refusal(ErrorCode::SetInProgress, None));
        }
        let history = match history.as_deref() {
            None | Some("mixed") => None,
            Some(h) => Some(History::parse(h).ok_or_else(|| {
                invalid(format!(
                    "未知的历史类别 {h:?}：可选 party、prc、reform、socialism 或 mixed"
                ))
            })?),
        };
        let size = size.unwrap_or(DEFAULT_SET_SIZE);
        if !SET_SIZES.contains(&size) {
            return Err(invalid(format!("题量 {size} 不可选：可选 5、10、20")));
        }
        if difficulty.is_some_and(|d| !(1..=5).contains(&d)) {
            return Err(invalid("难度须在 1 到 5 之间".to_owned()));
        }
        let filter = Filter {
            history,
            difficulty: if mode == SetMode::Practice {
                difficulty
            } else {
                None
            },
        };
        let questions = match mode {
            SetMode::Practice => self.practice_questions(&filter, size as usize).await,
            SetMode::Challenge => selection::challenge_ladder(
                self.shared.bank.current().questions(),
                &filter,
                CHALLENGE_LIMIT,
                &mut self.rng,
            ),
            SetMode::Review => self.review_questions(size as usize).await,
        };
        let rules = Rules {
            relaxed,
            ..Rules::default()
        };
        let set = PracticeSet::new(mode, questions, rules, now.into_std()).map_err(|_| {
            let message = match mode {
                SetMode::Review => "错题本里还没有题目，先去练习吧",
                _ => "没有符合条件的题目，请换个条件试试",
            };
            Refusal {
                code: ErrorCode::NoQuestions,
                message: message.into(),
                seq: None,
            }
        })?;
        let id = self.shared.ids.next();
        let total = set.len() as u32;
        let start = SessionStart {
            session_id: id,
            member_id: self.member.id,
            mode: mode.as_str().into(),
            history: history.map(|h| h.as_str().into()),
            difficulty: filter.difficulty.map(i64::from),
            relaxed,
            planned: i64::from(total),
            started_at_ms: wall_ms(),
        };
        self.record(WriteOp::SessionStarted(start)).await?;
        self.last_result = None;
        self.active = Some(ActiveSet {
            id,
            set,
            rating_before: self.member.rating,
            missed: Vec::new(),
        });
        let mut out = vec![ServerMsg::SetStarted {
            set_id: id.to_string(),
            mode,
            history: history.map(|h| h.as_str().into()),
            difficulty: filter.difficulty,
            relaxed,
            total,
        }];
        out.extend(self.next(now)?);
        Ok(out)
    }

    async fn practice_questions(&mut self, filter: &Filter, size: usize) -> Vec<Arc<Question>> {
        let since = wall_ms() - RECENT_WINDOW_MS;
        let recent: HashSet<String> = match tokio::time::timeout(
            LOOKUP_TIMEOUT,
            self.shared
                .practice
                .recent_question_ids(self.member.id, since),
        )
        .await
        {
            Ok(Ok(ids)) => ids.into_iter().collect(),
            Ok(Err(e)) => {
                tracing::warn!("recent questions unavailable, picking without them: {e}");
                HashSet::new()
            }
            Err(_) => {
                tracing::warn!("recent questions timed out, picking without them");
                HashSet::new()
            }
        };
        let ratings = self.shared.ratings.view();
        selection::pick_near_level(
            self.shared.bank.current().questions(),
            filter,
            size,
            self.member.rating,
            |q| ratings.get(q),
            &recent,
            &mut self.rng,
        )
    }

    async fn review_questions(&mut self, size: usize) -> Vec<Arc<Question>> {
        let bank = self.shared.bank.current();
        match tokio::time::timeout(
            LOOKUP_TIMEOUT,
            self.shared.practice.notebook(self.member.id),
        )
        .await
        {
            Ok(Ok(items)) => items
                .iter()
                // Retired questions are not played, not even in review.
                .filter_map(|item| bank.get_active(&item.question_id).cloned())
                .take(size)
                .collect(),
            Ok(Err(e)) => {
                tracing::warn!("notebook unavailable: {e}");
                Vec::new()
            }
            Err(_) => {
                tracing::warn!("notebook lookup timed out");
                Vec::new()
            }
        }
    }

    fn media_ready(&mut self, seq: u32, now: Instant) -> Result<Vec<ServerMsg>, Refusal> {
        let active = self
            .active
            .as_mut()
            .ok_or_else(|| refusal(ErrorCode::NoActiveSet, Some(seq)))?;
        let remaining = active
            .set
            .media_ready(seq, now.into_std())
            .map_err(|e| rule_refusal(e, Some(seq)))?;
        Ok(vec![ServerMsg::ClockStarted {
            seq,
            remaining_ms: remaining.as_millis() as u64,
        }])
    }

    async fn answer(
        &mut self,
        seq: u32,
        choice: &[u8],
        now: Instant,
        allowance: Duration,
    ) -> Result<Vec<ServerMsg>, Refusal> {
        let Some(active) = self.active.as_mut() else {
            return Err(match self.last_result {
                Some((last, true)) if last == seq => refusal(ErrorCode::TooLate, Some(seq)),
                Some((last, false)) if last == seq => {
                    refusal(ErrorCode::AlreadyAnswered, Some(seq))
                }
                _ => refusal(ErrorCode::NoActiveSet, Some(seq)),
            });
        };
        let reveal = active
            .set
            .answer(seq, choice, now.into_std(), allowance)
            .map_err(|e| rule_refusal(e, Some(seq)))?;
        Ok(self.after_reveal(reveal, now).await)
    }

    /// Records a result, updates ratings and says what comes next.
    async fn after_reveal(&mut self, reveal: Reveal, now: Instant) -> Vec<ServerMsg> {
        let active = self.active.as_mut().expect("a result needs an active set");
        self.last_result = Some((reveal.seq, reveal.timed_out()));
        let (member_rating, question_rating) =
            self.shared
                .ratings
                .apply(&reveal.question, self.member.rating, reveal.correct);
        self.member.rating = member_rating;
        if !reveal.correct {
            active.missed.push(reveal.question.id.clone());
        }
        let record = AnswerRecord {
            session_id: active.id,
            question_id: reveal.question.id.clone(),
            question_version: i64::from(reveal.question.version),
            member_id: self.member.id,
            history: reveal.question.history.as_str().into(),
            mode: active.set.kind().as_str().into(),
            choice: reveal.choice.map(|c| c.letters()),
            correct: reveal.correct,
            answer_ms: reveal.answer_time.as_millis() as i64,
            points: i64::from(reveal.points),
            answered_at_ms: wall_ms(),
            member_rating: Some(member_rating),
            question_rating,
        };
        let mut out = vec![ServerMsg::Result(Box::new(result_view(&reveal)))];
        if let Err(e) = self.record(WriteOp::Answer(record)).await {
            out.push(e.into());
        }
        if reveal.next == NextStep::Finished {
            out.push(self.finish(now).await);
        }
        out
    }

    fn next(&mut self, now: Instant) -> Result<Vec<ServerMsg>, Refusal> {
        let active = self
            .active
            .as_mut()
            .ok_or_else(|| refusal(ErrorCode::NoActiveSet, None))?;
        let (count, shuffle) = active
            .set
            .upcoming_question()
            .map_or((0, false), |q| (q.options.len(), q.shuffles_options()));
        let order = selection::option_order(count, shuffle, &mut self.rng);
        let presented = active
            .set
            .next_question(order, now.into_std())
            .map_err(|e| rule_refusal(e, None))?;
        Ok(vec![question_message(&presented, active.set.len() as u32)])
    }

    fn revive(&mut self, now: Instant) -> Result<Vec<ServerMsg>, Refusal> {
        let active = self
            .active
            .as_mut()
            .ok_or_else(|| refusal(ErrorCode::NoActiveSet, None))?;
        active.set.revive().map_err(|e| rule_refusal(e, None))?;
        self.next(now)
    }

    async fn finish(&mut self, now: Instant) -> ServerMsg {
        let mut active = self.active.take().expect("finish needs an active set");
        let summary = active.set.finish(now.into_std());
        let end = SessionEnd {
            session_id: active.id,
            finished_at_ms: wall_ms(),
            answered: i64::from(summary.answered),
            correct: i64::from(summary.correct),
            points: summary.points as i64,
            best_streak: i64::from(summary.best_streak),
            revive_used: summary.revive_used,
            completed: summary.completed,
        };
        if let Err(e) = self.record(WriteOp::SessionFinished(end)).await {
            tracing::warn!("set totals not queued: {e:?}");
        }
        summary_message(
            SummaryContext {
                set_id: active.id,
                mode: active.set.kind(),
                rating_before: active.rating_before,
                rating_after: self.member.rating,
                missed: &active.missed,
            },
            &summary,
        )
    }

    async fn record(&self, op: WriteOp) -> Result<(), Refusal> {
        self.shared.queue.push(op).await.map_err(|_| Refusal {
            code: ErrorCode::Unavailable,
            message: "服务器正在维护，本次作答未能记录，请稍后重试".into(),
            seq: None,
        })
    }
}

fn invalid(message: String) -> Refusal {
    Refusal {
        code: ErrorCode::InvalidValue,
        message,
        seq: None,
    }
}

/// A refusal with the standard Chinese text for its code.
pub fn refusal(code: ErrorCode, seq: Option<u32>) -> Refusal {
    Refusal {
        code,
        message: code.text().into(),
        seq,
    }
}

fn rule_refusal(e: RuleError, seq: Option<u32>) -> Refusal {
    let code = match e {
        RuleError::NotEnoughQuestions => ErrorCode::NoQuestions,
        RuleError::NoOpenQuestion => ErrorCode::NotCurrent,
        RuleError::NotCurrent { .. } => ErrorCode::NotCurrent,
        RuleError::AlreadyAnswered => ErrorCode::AlreadyAnswered,
        RuleError::TooLate => ErrorCode::TooLate,
        RuleError::InvalidChoice(_) => ErrorCode::InvalidChoice,
        RuleError::QuestionOpen => ErrorCode::QuestionOpen,
        RuleError::SetFinished => ErrorCode::SetFinished,
        RuleError::NoReviveOffered => ErrorCode::NoReviveOffered,
    };
    let message = match e {
        RuleError::InvalidChoice(why) => format!("{}（{why}）", code.text()),
        _ => code.text().to_owned(),
    };
    Refusal { code, message, seq }
}
