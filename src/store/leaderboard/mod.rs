//! Leaderboards: boards × periods, top N and "around me".
//!
//! Periods follow China Standard Time (UTC+8), where the members live: a day
//! starts at 00:00 Beijing time and a week on Monday. Ties go to whoever
//! reached the score first, so each standing keeps the time of its last
//! increase.
//!
//! Each board holds buckets, one per [`PeriodKey`]:
//!
//! - the points boards ([`Board::Overall`], [`Board::Solo`], [`Board::Duel`])
//!   have an all-time, a day and a week bucket for every point, added up;
//! - [`Board::DuelRating`] has one all-time bucket of absolute scores;
//! - the ladder boards ([`Board::Ladder`] and one [`Board::LadderTier`] per
//!   tier, [`Board::LADDER`]) have one bucket per 争上游 season,
//!   [`PeriodKey::Season`] (the season's id), of absolute scores: a
//!   member's rank as [`Rank::points`] ([`ladder_points`]). A member stands
//!   on the season board and on the board of their current tier only: a
//!   change of tier sets them on the new tier's board and removes them
//!   ([`Update::Remove`]) from the others. Season buckets never expire:
//!   past seasons are kept and stay readable.
//! - the district competition boards (区域PK赛, [`Board::COMPETITION`]) have
//!   buckets per competition, kept for good: [`Board::CompetitionDistricts`]
//!   holds each taking-part district's competition points in
//!   [`PeriodKey::Competition`], an entry per district by its place in the
//!   competition's list of districts (fixed once published);
//!   [`Board::CompetitionMembers`] holds members' points from counted
//!   battles, one bucket per district ([`PeriodKey::CompetitionDistrict`]).
//!   Both grow by [`Update::Credit`] as battles end.
//!
//! Two backends pass one conformance suite (`tests/leaderboard.rs`):
//! [`MemoryLeaderboard`] (in-process, rebuilt from SQL at every start) and
//! [`RedisLeaderboard`] (sorted sets shared by every node). The Redis one is
//! served through [`BufferedLeaderboard`], which keeps updates while Redis is
//! away and replays them, or rebuilds the boards from SQL ([`rebuild`]), when
//! it is back.

mod buffered;
mod memory;
pub mod rebuild;
mod redis;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Serialize, Serializer};
use thiserror::Error;

use crate::domain::ladder::{Rank, Tier};

pub use self::buffered::{BufferedLeaderboard, DEFAULT_BACKLOG};
pub use self::memory::MemoryLeaderboard;
pub use self::redis::{DEFAULT_PREFIX, RedisLeaderboard};

const BEIJING_OFFSET_MS: i64 = 8 * 60 * 60 * 1000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A leaderboard. Serializes as [`Board::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Board {
    /// Every point from every mode.
    Overall,
    /// Points from solo practice, challenge and review.
    Solo,
    /// Points from duels (双人PK).
    Duel,
    /// Each member's current duel rating, rounded: an absolute score, set
    /// (never added to) when a rated duel ends. All-time only.
    DuelRating,
    /// Everyone ranked in a 争上游 season, by rank ([`ladder_points`]): an
    /// absolute score, set when a ladder race ends. Season buckets
    /// ([`PeriodKey::Season`]) only.
    Ladder,
    /// The members currently in one ladder tier of a season, scored as on
    /// [`Board::Ladder`]. Season buckets only.
    LadderTier(Tier),
    /// A district competition's districts by competition points (2 a win,
    /// 1 a draw), each entry a district's index in the competition's list.
    /// [`PeriodKey::Competition`] buckets only.
    CompetitionDistricts,
    /// A district's members by their points in the competition's counted
    /// battles. [`PeriodKey::CompetitionDistrict`] buckets only.
    CompetitionMembers,
}

impl Board {
    /// The boards outside the ladder: the points boards and the duel
    /// rating, whose buckets are all-time, day and week (see
    /// [`Board::LADDER`] for the season boards).
    pub const ALL: [Board; 4] = [Board::Overall, Board::Solo, Board::Duel, Board::DuelRating];

    /// The ladder's season boards: everyone, then one per tier, lowest
    /// first.
    pub const LADDER: [Board; 7] = [
        Board::Ladder,
        Board::LadderTier(Tier::Bronze),
        Board::LadderTier(Tier::Silver),
        Board::LadderTier(Tier::Gold),
        Board::LadderTier(Tier::Platinum),
        Board::LadderTier(Tier::Diamond),
        Board::LadderTier(Tier::King),
    ];

    /// The district competition boards, whose buckets are competitions.
    pub const COMPETITION: [Board; 2] = [Board::CompetitionDistricts, Board::CompetitionMembers];

    /// From [`Board::as_str`], any board members read through
    /// `/api/leaderboard` (not the competition boards, which are read
    /// through the standings).
    pub fn parse(s: &str) -> Option<Board> {
        Board::ALL
            .into_iter()
            .chain(Board::LADDER)
            .find(|b| b.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Board::Overall => "overall",
            Board::Solo => "solo",
            Board::Duel => "duel",
            Board::DuelRating => "duel_rating",
            Board::Ladder => "ladder",
            Board::LadderTier(Tier::Bronze) => "ladder_bronze",
            Board::LadderTier(Tier::Silver) => "ladder_silver",
            Board::LadderTier(Tier::Gold) => "ladder_gold",
            Board::LadderTier(Tier::Platinum) => "ladder_platinum",
            Board::LadderTier(Tier::Diamond) => "ladder_diamond",
            Board::LadderTier(Tier::King) => "ladder_king",
            Board::CompetitionDistricts => "competition_districts",
            Board::CompetitionMembers => "competition_members",
        }
    }

    /// The answer modes whose points count on this board; none for a board
    /// that is not made of points.
    pub fn modes(self) -> &'static [&'static str] {
        match self {
            Board::Overall => &["practice", "challenge", "review", "duel", "ladder"],
            Board::Solo => &["practice", "challenge", "review"],
            Board::Duel => &["duel"],
            Board::DuelRating
            | Board::Ladder
            | Board::LadderTier(_)
            | Board::CompetitionDistricts
            | Board::CompetitionMembers => &[],
        }
    }

    /// A ladder board, whose buckets are seasons ([`PeriodKey::Season`])
    /// rather than periods.
    pub fn is_ladder(self) -> bool {
        matches!(self, Board::Ladder | Board::LadderTier(_))
    }
}

impl Serialize for Board {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A ladder rank's score on the season boards: [`Rank::points`] of `tier`
/// and `stars` (stars out of range count as the nearest valid star).
pub fn ladder_points(tier: Tier, stars: i64) -> i64 {
    let stars = u32::try_from(stars.max(0)).unwrap_or(u32::MAX);
    i64::from(Rank { tier, stars }.points())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    AllTime,
    Day,
    Week,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::AllTime, Period::Day, Period::Week];

    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "all" | "all_time" => Some(Period::AllTime),
            "day" => Some(Period::Day),
            "week" => Some(Period::Week),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::AllTime => "all_time",
            Period::Day => "day",
            Period::Week => "week",
        }
    }

    /// Which bucket of this period `at_ms` falls in.
    pub fn key(self, at_ms: i64) -> PeriodKey {
        let beijing_day = (at_ms + BEIJING_OFFSET_MS).div_euclid(DAY_MS);
        match self {
            Period::AllTime => PeriodKey::AllTime,
            Period::Day => PeriodKey::Day(beijing_day),
            // 1970-01-01 was a Thursday; shifting by 3 makes weeks start on Monday.
            Period::Week => PeriodKey::Week((beijing_day + 3).div_euclid(7)),
        }
    }

    /// When the bucket holding `at_ms` began, in epoch ms.
    pub fn start_ms(self, at_ms: i64) -> i64 {
        match self.key(at_ms) {
            // A period never gives a season or competition key.
            PeriodKey::AllTime
            | PeriodKey::Season(_)
            | PeriodKey::Competition(_)
            | PeriodKey::CompetitionDistrict(..) => 0,
            PeriodKey::Day(d) => d * DAY_MS - BEIJING_OFFSET_MS,
            PeriodKey::Week(w) => (w * 7 - 3) * DAY_MS - BEIJING_OFFSET_MS,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKey {
    AllTime,
    /// Days since 1970-01-01, Beijing time.
    Day(i64),
    /// Weeks since the Monday before 1970-01-01, Beijing time.
    Week(i64),
    /// One 争上游 season, by its id: the ladder boards' only bucket. Never
    /// expires and is never pruned (past seasons are kept).
    Season(i64),
    /// One district competition, by its id: [`Board::CompetitionDistricts`].
    /// Kept for good, like seasons.
    Competition(i64),
    /// One district of a competition: the competition's id and the
    /// district's index in its list ([`Board::CompetitionMembers`]). Kept
    /// for good.
    CompetitionDistrict(i64, i64),
}

impl PeriodKey {
    /// When the bucket ends (the start of the next one), in epoch ms; none
    /// for all time and for a season (kept for good).
    pub fn end_ms(self) -> Option<i64> {
        match self {
            PeriodKey::AllTime
            | PeriodKey::Season(_)
            | PeriodKey::Competition(_)
            | PeriodKey::CompetitionDistrict(..) => None,
            PeriodKey::Day(d) => Some((d + 1) * DAY_MS - BEIJING_OFFSET_MS),
            PeriodKey::Week(w) => Some(((w + 1) * 7 - 3) * DAY_MS - BEIJING_OFFSET_MS),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreEvent {
    pub member_id: i64,
    pub points: i64,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// 1-based.
    pub rank: u64,
    pub member_id: i64,
    pub score: i64,
    /// When the score was reached; earlier wins a tie.
    pub reached_at_ms: i64,
}

/// A change to the boards, as the writer hands it over after a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// Points added to a board, in every period bucket each event falls in.
    Add(Board, Vec<ScoreEvent>),
    /// Absolute scores set in one bucket (the rating and ladder boards).
    Set(Board, PeriodKey, Vec<ScoreEvent>),
    /// Members taken off one bucket (a ladder tier they left).
    Remove(Board, PeriodKey, Vec<i64>),
    /// Points added to one bucket only (the competition boards); a credit
    /// of 0 puts the member on the board without points.
    Credit(Board, PeriodKey, Vec<ScoreEvent>),
}

impl Update {
    /// Events (or member ids, for a removal) in the update.
    pub fn len(&self) -> usize {
        match self {
            Update::Add(_, events) | Update::Set(_, _, events) | Update::Credit(_, _, events) => {
                events.len()
            }
            Update::Remove(_, _, member_ids) => member_ids.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Error)]
pub enum LeaderboardError {
    /// The backend could not be reached; a write was not applied.
    #[error("leaderboard backend unavailable: {0}")]
    Unavailable(String),
    /// The request failed after it may have reached the backend (a dropped
    /// connection, a timeout): a write may or may not have been applied.
    #[error("leaderboard backend failed mid-request: {0}")]
    MaybeApplied(String),
    /// The backend no longer holds the boards (Redis restarted empty or was
    /// flushed): nothing was applied; they must be rebuilt from SQL.
    #[error("the leaderboards are gone from the backend and must be rebuilt")]
    Lost,
}

#[async_trait]
pub trait Leaderboard: Send + Sync {
    /// Applies updates in order: the writer's way in, one call per
    /// committed batch. A backend may make it one round trip.
    async fn apply(&self, updates: &[Update]) -> Result<(), LeaderboardError> {
        for update in updates {
            match update {
                Update::Add(board, events) => self.add(*board, events).await?,
                Update::Set(board, key, events) => self.set(*board, *key, events).await?,
                Update::Remove(board, key, member_ids) => {
                    self.remove(*board, *key, member_ids).await?
                }
                Update::Credit(board, key, events) => self.credit(*board, *key, events).await?,
            }
        }
        Ok(())
    }
    /// Adds points to a board, in every period bucket the event falls in.
    async fn add(&self, board: Board, events: &[ScoreEvent]) -> Result<(), LeaderboardError>;
    /// Sets members' absolute scores in one bucket (the rating board). A
    /// standing's tie-break time moves only when its score changes.
    async fn set(
        &self,
        board: Board,
        key: PeriodKey,
        events: &[ScoreEvent],
    ) -> Result<(), LeaderboardError>;
    /// Adds points to one bucket only, as `add` does to each of its.
    async fn credit(
        &self,
        board: Board,
        key: PeriodKey,
        events: &[ScoreEvent],
    ) -> Result<(), LeaderboardError>;
    /// Takes members off one bucket; a member not on it is no error.
    async fn remove(
        &self,
        board: Board,
        key: PeriodKey,
        member_ids: &[i64],
    ) -> Result<(), LeaderboardError>;
    /// Replaces a bucket's standings wholesale (rebuilds from SQL).
    async fn replace(
        &self,
        board: Board,
        key: PeriodKey,
        rows: &[ScoreEvent],
    ) -> Result<(), LeaderboardError>;
    async fn top(
        &self,
        board: Board,
        key: PeriodKey,
        limit: usize,
    ) -> Result<Vec<Standing>, LeaderboardError>;
    /// The member's standing and up to `radius` standings either side, or
    /// an empty list when the member has no score in the bucket.
    async fn around(
        &self,
        board: Board,
        key: PeriodKey,
        member_id: i64,
        radius: usize,
    ) -> Result<Vec<Standing>, LeaderboardError>;
    /// Members ranked in the bucket.
    async fn len(&self, board: Board, key: PeriodKey) -> Result<u64, LeaderboardError>;
    /// A cheap round trip: is the backend there?
    async fn ping(&self) -> Result<(), LeaderboardError> {
        Ok(())
    }
    /// Records that every board was just rebuilt from SQL, so that updates
    /// may be applied on top (see [`LeaderboardError::Lost`]).
    async fn mark_rebuilt(&self) -> Result<(), LeaderboardError> {
        Ok(())
    }
    /// A lock the writer holds from a batch's commit until the batch's
    /// updates are handed over ([`Leaderboard::apply`] returned), when the
    /// board wants it: a rebuild that reads SQL under it sees every batch
    /// either fully handed over or not yet committed, so it can neither
    /// miss a batch nor count one twice.
    fn feed_gate(&self) -> Option<Arc<tokio::sync::Mutex<()>>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_turn_at_midnight_beijing_time() {
        // 2026-11-29T15:59:59Z is 23:59:59 in Beijing; a second later is the next day.
        let before = 1_795_967_999_000;
        assert_ne!(Period::Day.key(before), Period::Day.key(before + 1000));
        assert_eq!(Period::Day.start_ms(before + 1000), before + 1000);
    }

    #[test]
    fn weeks_start_on_monday_beijing_time() {
        // 2026-11-30 is a Monday; 00:00 Beijing = 2026-11-29T16:00:00Z.
        let monday = 1_795_968_000_000;
        assert_eq!(Period::Week.start_ms(monday + 5 * DAY_MS), monday);
        assert_ne!(Period::Week.key(monday - 1), Period::Week.key(monday));
    }

    #[test]
    fn boards_parse_what_they_print() {
        for board in Board::ALL.into_iter().chain(Board::LADDER) {
            assert_eq!(Board::parse(board.as_str()), Some(board));
        }
        assert_eq!(Board::parse("duel_rating"), Some(Board::DuelRating));
        assert_eq!(Board::parse("ladder"), Some(Board::Ladder));
        assert_eq!(
            Board::parse("ladder_king"),
            Some(Board::LadderTier(Tier::King))
        );
        assert_eq!(Board::parse("nope"), None);
        assert_eq!(Board::parse("ladder_青铜"), None);
        assert!(Board::DuelRating.modes().is_empty());
        assert!(Board::Overall.modes().contains(&"duel"));
        assert!(Board::Overall.modes().contains(&"ladder"));
        assert!(!Board::Solo.modes().contains(&"duel"));
        assert!(!Board::Duel.modes().contains(&"ladder"));
        // Eleven boards, eleven names; the ladder ones are set boards.
        let mut names: Vec<&str> = Board::ALL
            .into_iter()
            .chain(Board::LADDER)
            .map(Board::as_str)
            .collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 11);
        for board in Board::LADDER {
            assert!(board.is_ladder() && board.modes().is_empty(), "{board:?}");
        }
        assert!(Board::ALL.into_iter().all(|b| !b.is_ladder()));
        // One tier board per tier, in the tiers' order.
        let tiers: Vec<Board> = Tier::ALL.into_iter().map(Board::LadderTier).collect();
        assert_eq!(Board::LADDER[1..], tiers[..]);
    }

    #[test]
    fn boards_serialize_as_their_names() {
        for board in Board::ALL.into_iter().chain(Board::LADDER) {
            assert_eq!(
                serde_json::to_value(board).unwrap(),
                serde_json::Value::String(board.as_str().into())
            );
        }
        assert_eq!(
            serde_json::to_string(&Board::LadderTier(Tier::Gold)).unwrap(),
            r#""ladder_gold""#
        );
    }

    #[test]
    fn ladder_points_are_the_rank_points() {
        assert_eq!(ladder_points(Tier::Bronze, 1), 1);
        assert_eq!(ladder_points(Tier::Silver, 1), 4);
        assert_eq!(ladder_points(Tier::King, 1), 20);
        assert_eq!(ladder_points(Tier::King, 7), 26);
        // Out of range stars read as the nearest valid star.
        assert_eq!(ladder_points(Tier::Gold, 0), 7);
        assert_eq!(ladder_points(Tier::Gold, -3), 7);
        assert_eq!(ladder_points(Tier::Bronze, 9), 3);
        for points in 1..40u32 {
            let rank = Rank::from_points(points);
            assert_eq!(
                ladder_points(rank.tier, i64::from(rank.stars)),
                i64::from(points)
            );
        }
    }

    #[test]
    fn removals_count_their_members() {
        let key = PeriodKey::Season(3);
        let remove = Update::Remove(Board::LadderTier(Tier::Gold), key, vec![1, 2, 3]);
        assert_eq!(remove.len(), 3);
        assert!(Update::Remove(Board::Ladder, key, Vec::new()).is_empty());
    }

    #[test]
    fn buckets_end_where_the_next_begins() {
        let monday = 1_795_968_000_000;
        for at in [monday, monday + 5 * DAY_MS + 123, monday - 1] {
            for period in [Period::Day, Period::Week] {
                let end = period.key(at).end_ms().unwrap();
                assert!(end > at);
                assert_eq!(period.start_ms(end), end);
                assert_eq!(period.key(end - 1), period.key(at));
            }
        }
        assert_eq!(PeriodKey::AllTime.end_ms(), None);
        assert_eq!(PeriodKey::Season(1).end_ms(), None, "seasons are kept");
    }
}
