//! Rebuilding the boards from SQL: at every start, after a Redis outage
//! that lost updates, and on demand (`dati leaderboard rebuild`).
//!
//! The boards are derived data: the current day, week and all-time bucket
//! of each points board are sums over the answers in SQL, the rating
//! board is each member's current duel rating, and the ladder boards of
//! every season are the members' season ranks (`ladder_ranks`), and the
//! competition boards of every competition that is not a draft are its
//! battle sides and its members' counted points (`battle_sides`,
//! `match_players`), a standing's time being its last battle's. A rebuild
//! reads all of them first ([`read`]) and then replaces each bucket in one
//! step ([`write`]). Earlier days and weeks are not rebuilt: nothing reads
//! them. Every season's every tier bucket is replaced, empty ones included,
//! so that a member who changed tier is gone from the old one.
//!
//! A rebuild from another process while servers are feeding the same Redis
//! can count a batch twice or miss it, if the batch commits between the
//! read and the replace; the recovery inside a server avoids that with the
//! writer's feed gate (see [`super::Leaderboard::feed_gate`]).

use thiserror::Error;

use super::{Board, Leaderboard, LeaderboardError, Period, PeriodKey, ScoreEvent, ladder_points};
use crate::domain::district::Status;
use crate::domain::ladder::Tier;
use crate::store::{StoreError, Stores};

/// What every rebuilt bucket holds, read from SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub buckets: Vec<(Board, PeriodKey, Vec<ScoreEvent>)>,
}

impl Snapshot {
    /// Standings over every bucket.
    pub fn standings(&self) -> usize {
        self.buckets.iter().map(|(_, _, rows)| rows.len()).sum()
    }
}

#[derive(Debug, Error)]
pub enum RebuildError {
    #[error("cannot read the boards from the database: {0}")]
    Database(#[from] StoreError),
    #[error("cannot write the boards: {0}")]
    Leaderboard(#[from] LeaderboardError),
}

/// Reads every bucket a rebuild writes, as of `now_ms`.
pub async fn read(stores: &Stores, now_ms: i64) -> Result<Snapshot, StoreError> {
    let mut buckets = Vec::new();
    for board in Board::ALL {
        // Boards not made of points (the duel rating) are read below.
        if board.modes().is_empty() {
            continue;
        }
        for period in Period::ALL {
            let rows = stores
                .answers
                .points_since(board.modes(), period.start_ms(now_ms))
                .await?;
            let events = rows
                .iter()
                .map(|r| ScoreEvent {
                    member_id: r.member_id,
                    points: r.points,
                    at_ms: r.last_at_ms,
                })
                .collect();
            buckets.push((board, period.key(now_ms), events));
        }
    }
    // The duel rating board is all-time only, from each member's current rating.
    let ratings = stores
        .matches
        .duel_ratings()
        .await?
        .iter()
        .map(|(member_id, d)| ScoreEvent {
            member_id: *member_id,
            points: d.rating.round() as i64,
            at_ms: d.updated_at_ms,
        })
        .collect();
    buckets.push((Board::DuelRating, PeriodKey::AllTime, ratings));
    // The ladder boards: one bucket per season, from the season ranks.
    for season in stores.ladder.seasons().await? {
        let key = PeriodKey::Season(season.id);
        let mut everyone = Vec::new();
        let mut by_tier: Vec<Vec<ScoreEvent>> = Tier::ALL.iter().map(|_| Vec::new()).collect();
        for rank in stores.ladder.ladder_ranks(season.id).await? {
            let Some(tier) = Tier::parse(&rank.tier) else {
                tracing::warn!(
                    season_id = season.id,
                    member_id = rank.member_id,
                    tier = rank.tier,
                    "unknown ladder tier in the database: left off the season boards"
                );
                continue;
            };
            let event = ScoreEvent {
                member_id: rank.member_id,
                points: ladder_points(tier, rank.stars),
                at_ms: rank.updated_at_ms,
            };
            everyone.push(event);
            by_tier[tier as usize].push(event);
        }
        buckets.push((Board::Ladder, key, everyone));
        for (tier, rows) in Tier::ALL.into_iter().zip(by_tier) {
            buckets.push((Board::LadderTier(tier), key, rows));
        }
    }
    // The district competitions: districts by their index in the list.
    for stored in stores.competitions.competitions().await? {
        if stored.competition.status(now_ms) == Status::Draft {
            continue;
        }
        let id = stored.id;
        let districts = &stored.competition.rules.districts;
        let sides = stores.battles.district_battles(id).await?;
        let members = stores.battles.member_battles(id).await?;
        let mut by_district = Vec::new();
        for (index, name) in districts.iter().enumerate() {
            let index = index as i64;
            if let Some(side) = sides.iter().find(|s| &s.district == name) {
                by_district.push(ScoreEvent {
                    member_id: index,
                    points: side.competition_points,
                    at_ms: side.last_at_ms,
                });
            }
            let rows = members
                .iter()
                .filter(|m| &m.district == name)
                .map(|m| ScoreEvent {
                    member_id: m.member_id,
                    points: m.points.max(0),
                    at_ms: m.last_at_ms,
                })
                .collect();
            buckets.push((
                Board::CompetitionMembers,
                PeriodKey::CompetitionDistrict(id, index),
                rows,
            ));
        }
        buckets.push((
            Board::CompetitionDistricts,
            PeriodKey::Competition(id),
            by_district,
        ));
    }
    Ok(Snapshot { buckets })
}

/// Replaces every bucket of the snapshot, then records the rebuild.
pub async fn write(snapshot: &Snapshot, board: &dyn Leaderboard) -> Result<(), LeaderboardError> {
    for (b, key, rows) in &snapshot.buckets {
        board.replace(*b, *key, rows).await?;
    }
    board.mark_rebuilt().await
}

/// Reads and writes every board; returns the snapshot written.
pub async fn rebuild(
    stores: &Stores,
    board: &dyn Leaderboard,
    now_ms: i64,
) -> Result<Snapshot, RebuildError> {
    let snapshot = read(stores, now_ms).await?;
    write(&snapshot, board).await?;
    Ok(snapshot)
}
