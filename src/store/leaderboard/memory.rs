//! The embedded leaderboard: ordered sets in memory.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Board, Leaderboard, LeaderboardError, Period, PeriodKey, ScoreEvent, Standing};

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

    fn remove(&mut self, member_id: i64) {
        if let Some((score, reached)) = self.scores.remove(&member_id) {
            self.order
                .remove(&(std::cmp::Reverse(score), reached, member_id));
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
        // bucket and the one before it. All time and seasons are kept.
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

    async fn credit(
        &self,
        board: Board,
        key: PeriodKey,
        events: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        let mut buckets = self.buckets.lock().expect("leaderboard lock poisoned");
        let bucket = buckets.entry((board, key)).or_default();
        for e in events {
            bucket.add(e.member_id, e.points, e.at_ms);
        }
        Ok(())
    }

    async fn remove(
        &self,
        board: Board,
        key: PeriodKey,
        member_ids: &[i64],
    ) -> Result<(), LeaderboardError> {
        let mut buckets = self.buckets.lock().expect("leaderboard lock poisoned");
        if let Some(bucket) = buckets.get_mut(&(board, key)) {
            for id in member_ids {
                bucket.remove(*id);
            }
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

    #[tokio::test]
    async fn season_buckets_outlive_any_pruning() {
        let board = MemoryLeaderboard::new();
        let season = PeriodKey::Season(1);
        let ev = |member_id, points, at_ms| ScoreEvent {
            member_id,
            points,
            at_ms,
        };
        board
            .set(Board::Ladder, season, &[ev(1, 5, 10), ev(2, 7, 20)])
            .await
            .unwrap();
        // Points a year later prune old days and weeks, never a season.
        let year = 365 * 24 * 60 * 60 * 1000;
        board.add(Board::Solo, &[ev(1, 10, year)]).await.unwrap();
        assert_eq!(board.len(Board::Ladder, season).await.unwrap(), 2);
        // A removal takes the member off, standings and order alike.
        board.remove(Board::Ladder, season, &[2, 99]).await.unwrap();
        let top = board.top(Board::Ladder, season, 10).await.unwrap();
        assert_eq!(
            top.iter()
                .map(|s| (s.rank, s.member_id))
                .collect::<Vec<_>>(),
            [(1, 1)]
        );
        assert!(
            board
                .around(Board::Ladder, season, 2, 1)
                .await
                .unwrap()
                .is_empty()
        );
        // Removing from a bucket that does not exist creates nothing.
        board
            .remove(Board::Ladder, PeriodKey::Season(2), &[1])
            .await
            .unwrap();
        assert_eq!(
            board
                .len(Board::Ladder, PeriodKey::Season(2))
                .await
                .unwrap(),
            0
        );
    }
}
