//! Storage, reached only through traits.
//!
//! - [`MemberStore`]: members and their practice rating.
//! - [`AnswerLog`]: the durable record of play, written in batches by the
//!   [`writer`] (a bounded write-behind queue) and read back for statistics.
//! - [`PracticeStore`]: what solo play reads: recent questions, the
//!   wrong-answer notebook, personal statistics.
//! - [`MatchStore`]: what the PK modes read: duel ratings, daily caps,
//!   stored matches and per-question statistics for bots.
//! - [`organizers::OrganizerStore`]: organizer accounts for the console.
//! - [`ladder::LadderStore`]: ladder seasons, ranks and hidden ratings.
//! - [`districts::DistrictStore`]: the district list and members' moves.
//! - [`competitions::CompetitionStore`]: district competitions' rules and
//!   states; [`battles::BattleStore`]: what their battles left.
//! - [`stats::StatsStore`]: statistics for organizers, read from running
//!   totals ([`totals`]) the writer keeps with every batch.
//! - [`leaderboard::Leaderboard`]: boards by period.
//!
//! Each has an embedded default (SQLite in the data dir, the in-process
//! leaderboard) and a production backend (PostgreSQL, Redis), and the same
//! conformance suite runs against both.

mod batch;
pub mod battles;
pub mod competitions;
pub mod districts;
pub mod ladder;
pub mod leaderboard;
pub mod organizers;
pub mod sql;
pub mod stats;
pub mod totals;
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
    /// One failed query's error, passed to each of the look-ups it served
    /// (`rooms::loader`).
    #[error("{0}")]
    Shared(std::sync::Arc<StoreError>),
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
    /// Ratings after this answer, applied with it. The member's practice
    /// rating is `None` for answers that do not move it (the PK modes);
    /// older spill files always carry a number.
    #[serde(default)]
    pub member_rating: Option<f64>,
    pub question_rating: f64,
}

/// A match has begun: its players and questions. Written through the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchStart {
    pub match_id: i64,
    /// "duel" (later "ladder", "district").
    pub mode: String,
    pub relaxed: bool,
    pub started_at_ms: i64,
    pub questions: Vec<MatchQuestion>,
    pub players: Vec<MatchSeat>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchQuestion {
    pub seq: i64,
    pub question_id: String,
    pub question_version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchSeat {
    pub seat: i64,
    /// `None` for a bot.
    pub member_id: Option<i64>,
    /// `Some` for a bot.
    pub bot_name: Option<String>,
    /// Whether this player's result counts (points on boards, rating), i.e.
    /// not past the daily cap.
    pub counted: bool,
    /// Whether this player's rating moves (a counted match against a human).
    pub rated: bool,
    pub rating_before: f64,
}

/// A match has ended. Order-independent with [`MatchStart`]: it upserts the
/// match row, so it lands correctly even if it reaches the database first.
/// Written once per match; writing it again changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchEnd {
    pub match_id: i64,
    pub mode: String,
    pub relaxed: bool,
    pub started_at_ms: i64,
    pub finished_at_ms: i64,
    /// "completed" | "forfeit" | "aborted"
    pub outcome: String,
    pub winner_seat: Option<i64>,
    pub question_count: i64,
    pub players: Vec<MatchPlayerResult>,
    /// District battles: the competition and each side's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battle: Option<BattleRecord>,
}

/// A finished district battle, for the competition's standings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BattleRecord {
    pub competition_id: i64,
    /// `None` for a draw.
    pub winner_team: Option<i64>,
    pub sides: Vec<BattleSideRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BattleSideRecord {
    /// 0 or 1, as in `MatchPlayerResult::team`.
    pub team: i64,
    pub district: String,
    /// Members who started, leavers included.
    pub members: i64,
    pub average: f64,
    /// 2, 1 or 0 (0 also when none of the side's members counted).
    pub competition_points: i64,
    /// The district's place in the competition's list of districts (fixed
    /// once it is published): its entry on the competition's boards. Absent
    /// from ends spilled by older servers; the boards' rebuild covers those.
    #[serde(default)]
    pub district_index: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchPlayerResult {
    pub seat: i64,
    pub member_id: Option<i64>,
    pub bot_name: Option<String>,
    pub counted: bool,
    pub rated: bool,
    pub place: i64,
    pub points: i64,
    pub correct: i64,
    pub answer_ms_total: i64,
    pub forfeited: bool,
    /// "win" | "loss" | "draw" | "aborted"
    pub result: String,
    pub rating_before: f64,
    pub rating_after: f64,
    /// Glicko-2 state after the match (unchanged when not rated).
    pub deviation_after: f64,
    pub volatility_after: f64,
    /// A ladder race's rank change for this player (members only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ladder: Option<LadderChange>,
    /// District battles: the player's side (0 or 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<i64>,
}

/// How a ladder race moved a member's tier and stars in a season.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderChange {
    pub season_id: i64,
    /// bronze | silver | gold | platinum | diamond | king
    pub tier_before: String,
    pub stars_before: i64,
    pub tier_after: String,
    pub stars_after: i64,
}

/// A ladder season as organizers set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LadderSeason {
    pub id: i64,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub created_at_ms: i64,
}

impl LadderSeason {
    /// The season as the domain's rules see it.
    pub fn season(&self) -> crate::domain::ladder::Season {
        crate::domain::ladder::Season {
            id: self.id,
            starts_at_ms: self.starts_at_ms,
            ends_at_ms: self.ends_at_ms,
        }
    }
}

/// A member's standing in one ladder season.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LadderRank {
    pub season_id: i64,
    pub member_id: i64,
    pub tier: String,
    pub stars: i64,
    pub races: i64,
    pub firsts: i64,
    pub updated_at_ms: i64,
}

/// A member's duel (双人PK) rating: Glicko-2 state and record.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DuelRating {
    pub rating: f64,
    pub deviation: f64,
    pub volatility: f64,
    pub games: i64,
    pub wins: i64,
    pub losses: i64,
    pub draws: i64,
    pub updated_at_ms: i64,
}

/// What a member who has never played a rated duel starts from.
pub const DEFAULT_DUEL_RATING: DuelRating = DuelRating {
    rating: 1500.0,
    deviation: 350.0,
    volatility: 0.06,
    games: 0,
    wins: 0,
    losses: 0,
    draws: 0,
    updated_at_ms: 0,
};

/// A rating whose deviation is above this is provisional (shown with a "?").
pub const PROVISIONAL_DEVIATION: f64 = 110.0;

impl DuelRating {
    pub fn provisional(&self) -> bool {
        self.deviation > PROVISIONAL_DEVIATION
    }
}

impl Default for DuelRating {
    fn default() -> DuelRating {
        DEFAULT_DUEL_RATING
    }
}

/// A match as stored. Result fields are `None` until its [`MatchEnd`] lands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredMatch {
    pub id: i64,
    pub mode: String,
    pub relaxed: bool,
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    pub outcome: Option<String>,
    pub winner_seat: Option<i64>,
    pub question_count: i64,
    /// In `seq` order.
    pub questions: Vec<MatchQuestion>,
    /// In seat order.
    pub players: Vec<StoredMatchPlayer>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredMatchPlayer {
    pub seat: i64,
    pub member_id: Option<i64>,
    pub bot_name: Option<String>,
    pub counted: bool,
    pub rated: bool,
    pub rating_before: f64,
    pub place: Option<i64>,
    pub points: Option<i64>,
    pub correct: Option<i64>,
    pub answer_ms_total: Option<i64>,
    pub forfeited: Option<bool>,
    pub result: Option<String>,
    pub rating_after: Option<f64>,
}

/// One question's statistics over every answer it got.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionStat {
    pub rating: f64,
    pub attempts: i64,
    pub correct: i64,
    pub answer_ms_total: i64,
}

/// Everything the write-behind queue carries, in the order it was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WriteOp {
    SessionStarted(SessionStart),
    Answer(AnswerRecord),
    SessionFinished(SessionEnd),
    MatchStarted(MatchStart),
    MatchFinished(MatchEnd),
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
    /// The member linked to the host app's member id `app_id`, created and
    /// linked on the first sign-in; its nickname and district set to these.
    /// The same `app_id` always yields the same member, even when two
    /// first sign-ins race.
    async fn app_member(
        &self,
        app_id: &str,
        nickname: &str,
        district: &str,
        now_ms: i64,
    ) -> StoreResult<Member>;
    /// Records that the app token `jti` was used, remembering it until
    /// `expires_at_ms`; false when it was already used (a replay). Forgets
    /// uses that expired before `now_ms`. Atomic across nodes.
    async fn use_app_token(&self, jti: &str, expires_at_ms: i64, now_ms: i64) -> StoreResult<bool>;
}

/// What a batch wrote that was not there before: what the leaderboards
/// are fed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    pub answers: Vec<AnswerRecord>,
    /// District battle sides recorded, as (match id, team).
    pub battle_sides: Vec<(i64, i64)>,
}

#[async_trait]
pub trait AnswerLog: Send + Sync {
    /// Applies a batch in one transaction and returns what was new in it
    /// (a retried batch returns nothing twice). Side effects of an answer
    /// (notebook, ratings) apply only when it is new.
    async fn write_batch(&self, ops: &[WriteOp]) -> StoreResult<Written>;
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

#[async_trait]
pub trait MatchStore: Send + Sync {
    async fn duel_rating(&self, member_id: i64) -> StoreResult<Option<DuelRating>>;
    /// The duel ratings of those of `member_ids` who have one, by member.
    async fn duel_ratings_of(&self, member_ids: &[i64]) -> StoreResult<HashMap<i64, DuelRating>>;
    /// Every member with at least one rated duel, for the rating board rebuild.
    async fn duel_ratings(&self) -> StoreResult<Vec<(i64, DuelRating)>>;
    /// Counted matches of `mode` the member started at or after `since_ms`
    /// (daily caps).
    async fn counted_matches_since(
        &self,
        member_id: i64,
        mode: &str,
        since_ms: i64,
    ) -> StoreResult<i64>;
    /// A match as stored, with its players in seat order and its questions,
    /// or None.
    async fn stored_match(&self, match_id: i64) -> StoreResult<Option<StoredMatch>>;
    /// Per-question statistics for bots: attempts, correct and total answer time.
    async fn question_stats(&self) -> StoreResult<HashMap<String, QuestionStat>>;
}

/// The open storage backend, as the four traits.
#[derive(Clone)]
pub struct Stores {
    pub members: std::sync::Arc<dyn MemberStore>,
    pub answers: std::sync::Arc<dyn AnswerLog>,
    pub practice: std::sync::Arc<dyn PracticeStore>,
    pub matches: std::sync::Arc<dyn MatchStore>,
    pub organizers: std::sync::Arc<dyn organizers::OrganizerStore>,
    pub stats: std::sync::Arc<dyn stats::StatsStore>,
    pub ladder: std::sync::Arc<dyn ladder::LadderStore>,
    pub districts: std::sync::Arc<dyn districts::DistrictStore>,
    pub competitions: std::sync::Arc<dyn competitions::CompetitionStore>,
    pub battles: std::sync::Arc<dyn battles::BattleStore>,
    /// "sqlite" or "postgres", for logs.
    pub backend: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD_ANSWER_LINE: &str = r#"{"op":"answer","session_id":1,"question_id":"q","question_version":1,"member_id":7,"history":"prc","mode":"practice","choice":"A","correct":true,"answer_ms":1000,"points":100,"answered_at_ms":1796000000000,"member_rating":1516.0,"question_rating":1500.0}"#;

    #[test]
    fn spill_lines_of_older_versions_still_parse() {
        let WriteOp::Answer(a) = serde_json::from_str(OLD_ANSWER_LINE).unwrap() else {
            panic!("an answer");
        };
        assert_eq!(a.member_rating, Some(1516.0));
        let no_rating = OLD_ANSWER_LINE.replace(r#""member_rating":1516.0,"#, "");
        let WriteOp::Answer(a) = serde_json::from_str(&no_rating).unwrap() else {
            panic!("an answer");
        };
        assert_eq!(a.member_rating, None);
        let started = r#"{"op":"session_started","session_id":1,"member_id":7,"mode":"practice","history":null,"difficulty":null,"relaxed":false,"planned":5,"started_at_ms":1}"#;
        assert!(matches!(
            serde_json::from_str(started).unwrap(),
            WriteOp::SessionStarted(_)
        ));
    }

    #[test]
    fn match_ops_round_trip_through_a_spill_line() {
        let op = WriteOp::MatchFinished(MatchEnd {
            match_id: 9,
            mode: "duel".into(),
            relaxed: false,
            started_at_ms: 1,
            finished_at_ms: 2,
            outcome: "completed".into(),
            winner_seat: Some(0),
            question_count: 5,
            players: vec![MatchPlayerResult {
                seat: 0,
                member_id: None,
                bot_name: Some("小明".into()),
                counted: true,
                rated: false,
                place: 1,
                points: 900,
                correct: 5,
                answer_ms_total: 12_000,
                forfeited: false,
                result: "win".into(),
                rating_before: 1500.0,
                rating_after: 1500.0,
                deviation_after: 350.0,
                volatility_after: 0.06,
                ladder: None,
                team: None,
            }],
            battle: None,
        });
        let line = serde_json::to_string(&op).unwrap();
        assert!(line.starts_with(r#"{"op":"match_finished""#), "{line}");
        assert_eq!(serde_json::from_str::<WriteOp>(&line).unwrap(), op);
    }

    #[test]
    fn a_new_duel_rating_is_provisional() {
        assert!(DEFAULT_DUEL_RATING.provisional());
        let settled = DuelRating {
            deviation: 80.0,
            ..DEFAULT_DUEL_RATING
        };
        assert!(!settled.provisional());
    }
}
