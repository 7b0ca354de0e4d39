//! Leaderboards: boards × periods, top N and "around me".
//!
//! Periods follow China Standard Time (UTC+8), where the members live: a day
//! starts at 00:00 Beijing time and a week on Monday. Ties go to whoever
//! reached the score first, so each standing keeps the time of its last
//! increase. The Redis implementation (a later release) encodes that
//! tie-break in the sorted-set score; this trait is shaped so it fits.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use serde::Serialize;
use thiserror::Error;

const BEIJING_OFFSET_MS: i64 = 8 * 60 * 60 * 1000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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
}

impl Board {
    pub const ALL: [Board; 4] = [Board::Overall, Board::Solo, Board::Duel, Board::DuelRating];

    pub fn parse(s: &str) -> Option<Board> {
        Board::ALL.into_iter().find(|b| b.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Board::Overall => "overall",
            Board::Solo => "solo",
            Board::Duel => "duel",
            Board::DuelRating => "duel_rating",
        }
    }

    /// The answer modes whose points count on this board; none for a board
    /// that is not made of points.
    pub fn modes(self) -> &'static [&'static str] {
        match self {
            Board::Overall => &["practice", "challenge", "review", "duel"],
            Board::Solo => &["practice", "challenge", "review"],
            Board::Duel => &["duel"],
            Board::DuelRating => &[],
        }
    }
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
            PeriodKey::AllTime => 0,
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

#[derive(Debug, Error)]
pub enum LeaderboardError {
    #[error("leaderboard backend unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Leaderboard: Send + Sync {
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
}

/// Order within a bucket: score descending, then earliest, then member id so
/// that the order is total.
type OrderKey = (std::cmp::Reverse<i64>, i64, i64);

#[derive(Default)]
struct Bucket {
    scores: HashMap<i64, (i64, i64)>,
    order: BTreeSet<OrderKey>,
}

impl Bucket {
    fn add(&mut self, member_id: i64, points: i64, at_ms: i64) {
        let (score, reached) = self.scores.entry(member_id).or_insert((0, at_ms));
        self.order
            .remove(&(std::cmp::Reverse(*score), *reached, member_id));
        // Only a change of score moves the tie-break time.
        if points != 0 {
            *score += points;
            *reached = at_ms.max(*reached);
        }
        self.order
            .insert((std::cmp::Reverse(*score), *reached, member_id));
    }

    fn set(&mut self, member_id: i64, score: i64, at_ms: i64) {
        match self.scores.get_mut(&member_id) {
            Some((old, reached)) => {
                if *old == score {
                    return;
                }
                self.order
                    .remove(&(std::cmp::Reverse(*old), *reached, member_id));
                *old = score;
                *reached = at_ms.max(*reached);
                self.order
                    .insert((std::cmp::Reverse(score), *reached, member_id));
            }
            None => {
                self.scores.insert(member_id, (score, at_ms));
                self.order
                    .insert((std::cmp::Reverse(score), at_ms, member_id));
            }
        }
    }

    fn standing(rank: usize, key: &OrderKey) -> Standing {
        Standing {
            rank: rank as u64 + 1,
            member_id: key.2,
            score: key.0.0,
            reached_at_ms: key.1,
        }
    }
}

/// The embedded leaderboard: every bucket in memory, behind one mutex.
/// A std mutex is right here: no `.await` happens while it is held, and
/// every operation is a few map updates.
#[derive(Default)]
pub struct MemoryLeaderboard {
    buckets: Mutex<HashMap<(Board, PeriodKey), Bucket>>,
}

impl MemoryLeaderboard {
    pub fn new() -> MemoryLeaderboard {
        MemoryLeaderboard::default()
    }
}

#[async_trait]
impl Leaderboard for MemoryLeaderboard {
    async fn add(&self, board: Board, events: &[ScoreEvent]) -> Result<(), LeaderboardError> {
        let mut buckets = self.buckets.lock().expect("leaderboard lock poisoned");
        for e in events {
            for period in Period::ALL {
                buckets
                    .entry((board, period.key(e.at_ms)))
                    .or_default()
                    .add(e.member_id, e.points, e.at_ms);
            }
        }
        // Days and weeks long past are never read again: keep the current
        // bucket and the one before it.
        if let Some(latest) = events.iter().map(|e| e.at_ms).max() {
            let today = Period::Day.key(latest);
            let this_week = Period::Week.key(latest);
            buckets.retain(|(_, key), _| match (key, today, this_week) {
                (PeriodKey::Day(d), PeriodKey::Day(t), _) => *d + 1 >= t,
                (PeriodKey::Week(w), _, PeriodKey::Week(t)) => *w + 1 >= t,
                _ => true,
            });
        }
        Ok(())
    }

    async fn set(
        &self,
        board: Board,
        key: PeriodKey,
        events: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        let mut buckets = self.buckets.lock().expect("leaderboard lock poisoned");
        let bucket = buckets.entry((board, key)).or_default();
        for e in events {
            bucket.set(e.member_id, e.points, e.at_ms);
        }
        Ok(())
    }

    async fn replace(
        &self,
        board: Board,
        key: PeriodKey,
        rows: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        let mut bucket = Bucket::default();
        for r in rows {
            bucket.add(r.member_id, r.points, r.at_ms);
        }
        self.buckets
            .lock()
            .expect("leaderboard lock poisoned")
            .insert((board, key), bucket);
        Ok(())
    }

    async fn top(
        &self,
        board: Board,
        key: PeriodKey,
        limit: usize,
    ) -> Result<Vec<Standing>, LeaderboardError> {
        let buckets = self.buckets.lock().expect("leaderboard lock poisoned");
        Ok(buckets
            .get(&(board, key))
            .map(|b| {
                b.order
                    .iter()
                    .take(limit)
                    .enumerate()
                    .map(|(i, k)| Bucket::standing(i, k))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn around(
        &self,
        board: Board,
        key: PeriodKey,
        member_id: i64,
        radius: usize,
    ) -> Result<Vec<Standing>, LeaderboardError> {
        let buckets = self.buckets.lock().expect("leaderboard lock poisoned");
        let Some(bucket) = buckets.get(&(board, key)) else {
            return Ok(Vec::new());
        };
        let Some(&(score, reached)) = bucket.scores.get(&member_id) else {
            return Ok(Vec::new());
        };
        let me = (std::cmp::Reverse(score), reached, member_id);
        let rank = bucket.order.range(..me).count();
        let first = rank.saturating_sub(radius);
        Ok(bucket
            .order
            .iter()
            .enumerate()
            .skip(first)
            .take(rank - first + radius + 1)
            .map(|(i, k)| Bucket::standing(i, k))
            .collect())
    }

    async fn len(&self, board: Board, key: PeriodKey) -> Result<u64, LeaderboardError> {
        let buckets = self.buckets.lock().expect("leaderboard lock poisoned");
        Ok(buckets
            .get(&(board, key))
            .map_or(0, |b| b.order.len() as u64))
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
        for board in Board::ALL {
            assert_eq!(Board::parse(board.as_str()), Some(board));
        }
        assert_eq!(Board::parse("duel_rating"), Some(Board::DuelRating));
        assert_eq!(Board::parse("nope"), None);
        assert!(Board::DuelRating.modes().is_empty());
        assert!(Board::Overall.modes().contains(&"duel"));
        assert!(!Board::Solo.modes().contains(&"duel"));
    }

    #[tokio::test]
    async fn set_replaces_a_score_and_keeps_its_time_while_it_stands() {
        let board = MemoryLeaderboard::new();
        let all = PeriodKey::AllTime;
        let ev = |member_id, points, at_ms| ScoreEvent {
            member_id,
            points,
            at_ms,
        };
        board
            .set(Board::DuelRating, all, &[ev(1, 1500, 10), ev(2, 1500, 20)])
            .await
            .unwrap();
        // Set again at the same score: member 2 keeps its time, so 1 stays first.
        board
            .set(Board::DuelRating, all, &[ev(1, 1500, 30)])
            .await
            .unwrap();
        let top = board.top(Board::DuelRating, all, 10).await.unwrap();
        assert_eq!(
            top.iter()
                .map(|s| (s.member_id, s.score, s.reached_at_ms))
                .collect::<Vec<_>>(),
            [(1, 1500, 10), (2, 1500, 20)]
        );
        // A lower score is set, not added, and moves the time.
        board
            .set(Board::DuelRating, all, &[ev(1, 1480, 40), ev(3, 1600, 50)])
            .await
            .unwrap();
        let top = board.top(Board::DuelRating, all, 10).await.unwrap();
        assert_eq!(
            top.iter()
                .map(|s| (s.member_id, s.score, s.reached_at_ms))
                .collect::<Vec<_>>(),
            [(3, 1600, 50), (2, 1500, 20), (1, 1480, 40)]
        );
        assert_eq!(board.len(Board::DuelRating, all).await.unwrap(), 3);
        assert!(board.top(Board::Duel, all, 10).await.unwrap().is_empty());
    }
}
