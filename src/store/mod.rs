//! Storage, reached only through traits.
//!
//! - [`MemberStore`]: members and their practice rating.
//! - [`AnswerLog`]: the durable record of play, written in batches by the
//!   [`writer`] (a bounded write-behind queue) and read back for statistics.
//! - [`PracticeStore`]: what solo play reads: recent questions, the
//!   wrong-answer notebook, personal statistics.
//! - [`leaderboard::Leaderboard`]: boards by period.
//!
//! Each has an embedded default (SQLite in the data dir, the in-process
//! leaderboard) and a production backend (PostgreSQL, and Redis in a later
//! release), and the same conformance suite runs against both.

mod batch;
pub mod leaderboard;
pub mod sql;
pub mod writer;

use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::domain::notebook;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub id: i64,
    pub nickname: String,
    pub district: String,
    pub rating: f64,
    pub created_at_ms: i64,
}

/// A set has begun. Written before its answers, through the same queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionStart {
    pub session_id: i64,
    pub member_id: i64,
    pub mode: String,
    pub history: Option<String>,
    pub difficulty: Option<i64>,
    pub relaxed: bool,
    pub planned: i64,
    pub started_at_ms: i64,
}

/// A set has ended, with its totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEnd {
    pub session_id: i64,
    pub finished_at_ms: i64,
    pub answered: i64,
    pub correct: i64,
    pub points: i64,
    pub best_streak: i64,
    pub revive_used: bool,
    pub completed: bool,
}

/// One answer, as design.md §4 lists what must be kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerRecord {
    pub session_id: i64,
    pub question_id: String,
    pub question_version: i64,
    pub member_id: i64,
    pub history: String,
    pub mode: String,
    /// Canonical option letters; `None` when the time ran out.
    pub choice: Option<String>,
    pub correct: bool,
    pub answer_ms: i64,
    pub points: i64,
    pub answered_at_ms: i64,
    /// Ratings after this answer, applied with it.
    pub member_rating: f64,
    pub question_rating: f64,
}

/// Everything the write-behind queue carries, in the order it was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WriteOp {
    SessionStarted(SessionStart),
    Answer(AnswerRecord),
    SessionFinished(SessionEnd),
}

/// Points a member earned in some window, for leaderboard rebuilds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPoints {
    pub member_id: i64,
    pub points: i64,
    /// When the member last scored: the tie-break (earlier ranks higher).
    pub last_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotebookItem {
    pub question_id: String,
    pub wrong_count: i64,
    pub box_level: i64,
    pub due_at_ms: i64,
    pub last_wrong_at_ms: i64,
}

impl NotebookItem {
    pub fn entry(&self) -> notebook::Entry {
        notebook::Entry {
            wrong_count: self.wrong_count,
            box_level: self.box_level,
            due_at_ms: self.due_at_ms,
            last_wrong_at_ms: self.last_wrong_at_ms,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HistoryStats {
    pub history: String,
    pub answered: i64,
    pub correct: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MemberStats {
    pub answered: i64,
    pub correct: i64,
    pub points: i64,
    pub mean_answer_ms: f64,
    pub sets_finished: i64,
    pub best_streak: i64,
    pub by_history: Vec<HistoryStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAnswer {
    pub session_id: i64,
    pub question_id: String,
    pub member_id: i64,
    pub mode: String,
    pub choice: Option<String>,
    pub correct: bool,
    pub answer_ms: i64,
    pub points: i64,
}

#[async_trait]
pub trait MemberStore: Send + Sync {
    async fn create_member(
        &self,
        nickname: &str,
        district: &str,
        now_ms: i64,
    ) -> StoreResult<Member>;
    async fn member(&self, id: i64) -> StoreResult<Option<Member>>;
    async fn members(&self, ids: &[i64]) -> StoreResult<Vec<Member>>;
}

#[async_trait]
pub trait AnswerLog: Send + Sync {
    /// Applies a batch in one transaction and returns the answers that were
    /// new (a retried batch returns none twice). Side effects of an answer
    /// (notebook, ratings) apply only when it is new.
    async fn write_batch(&self, ops: &[WriteOp]) -> StoreResult<Vec<AnswerRecord>>;
    async fn session_answers(&self, session_id: i64) -> StoreResult<Vec<StoredAnswer>>;
    async fn count_answers(&self) -> StoreResult<i64>;
    /// Points per member from answers at or after `since_ms` in `modes`.
    async fn points_since(&self, modes: &[&str], since_ms: i64) -> StoreResult<Vec<MemberPoints>>;
    async fn question_ratings(&self) -> StoreResult<HashMap<String, f64>>;
    /// A cheap round trip, for readiness.
    async fn ping(&self) -> StoreResult<()>;
}

#[async_trait]
pub trait PracticeStore: Send + Sync {
    async fn recent_question_ids(&self, member_id: i64, since_ms: i64) -> StoreResult<Vec<String>>;
    /// Notebook entries not yet mastered, the most urgent first.
    async fn notebook(&self, member_id: i64) -> StoreResult<Vec<NotebookItem>>;
    async fn member_stats(&self, member_id: i64) -> StoreResult<MemberStats>;
}

/// The open storage backend, as the three traits.
#[derive(Clone)]
pub struct Stores {
    pub members: std::sync::Arc<dyn MemberStore>,
    pub answers: std::sync::Arc<dyn AnswerLog>,
    pub practice: std::sync::Arc<dyn PracticeStore>,
    /// "sqlite" or "postgres", for logs.
    pub backend: &'static str,
}
