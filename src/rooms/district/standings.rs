//! A district competition's standings, read from the competition boards
//! (the leaderboard: Redis in production) and SQL.
//!
//! Competition points come from [`Board::CompetitionDistricts`] and each
//! district's top contributors from its [`Board::CompetitionMembers`]
//! bucket; the rest of a district's record (wins, accuracy, participants)
//! is summed from `battle_sides` in SQL. The order is the domain's
//! ([`rank_districts`]): points, wins, accuracy, participation rate.
//! Registered members per district are counted from every member row, so
//! callers that read often keep them a while ([`Registered`]), but count
//! again, at most every [`RECOUNT_AFTER`], when a district shows more
//! participants than registered members: new members are signing up.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;
use tokio::time::Instant;

use crate::domain::district::{DistrictTally, Status, rank_districts};
use crate::store::competitions::StoredCompetition;
use crate::store::leaderboard::{Board, Leaderboard, LeaderboardError, PeriodKey};
use crate::store::{StoreError, Stores};

/// Contributors listed per district.
pub const TOP_CONTRIBUTORS: usize = 5;

/// Shown for a member whose row is gone.
const NO_NAME: &str = "已注销";

#[derive(Debug, Error)]
pub enum StandingsError {
    #[error("no competition {0} to show: unknown or a draft")]
    NotFound(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Leaderboard(#[from] LeaderboardError),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standings {
    pub competition: Header,
    pub districts: Vec<DistrictRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
}

/// One district's line. The fields are those of docs/protocol.md §3.10.3.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistrictRow {
    pub place: usize,
    pub district: String,
    /// The district's index in the competition's list: its entry on the
    /// competition boards.
    #[serde(skip)]
    pub index: i64,
    pub points: u32,
    pub battles: u32,
    pub wins: u32,
    pub draws: u32,
    pub losses: u32,
    pub participants: u32,
    pub registered: u32,
    pub participation_rate: f64,
    pub accuracy: f64,
    pub points_scored: u64,
    pub top_contributors: Vec<Contributor>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contributor {
    /// Within the district, 1-based.
    pub place: u64,
    pub member_id: i64,
    pub nickname: String,
    pub points: i64,
    pub battles: i64,
}

/// A member's own part in a competition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MyContribution {
    pub member_id: i64,
    pub district: String,
    pub points: i64,
    pub battles: i64,
    /// Their place among their district's contributors; none before their
    /// first battle or when their district does not take part.
    pub rank_in_district: Option<u64>,
}

/// The soonest the registered members are counted again when the counts
/// are plainly behind.
pub const RECOUNT_AFTER: Duration = Duration::from_secs(5);

/// Registered members per district, counted at most once per `max_age`.
pub struct Registered {
    max_age: Duration,
    counted: Mutex<Option<(Instant, HashMap<String, i64>)>>,
}

impl Registered {
    pub fn new(max_age: Duration) -> Registered {
        Registered {
            max_age,
            counted: Mutex::new(None),
        }
    }

    pub async fn get(&self, stores: &Stores) -> Result<HashMap<String, i64>, StoreError> {
        self.counted_within(stores, self.max_age).await
    }

    /// The counts, recounted if they are older than `max_age`.
    async fn counted_within(
        &self,
        stores: &Stores,
        max_age: Duration,
    ) -> Result<HashMap<String, i64>, StoreError> {
        if let Some((at, counts)) = &*self.counted.lock().expect("registered lock poisoned")
            && at.elapsed() < max_age
        {
            return Ok(counts.clone());
        }
        let counts: HashMap<String, i64> = stores
            .stats
            .district_rows()
            .await?
            .into_iter()
            .map(|r| (r.district, r.members))
            .collect();
        *self.counted.lock().expect("registered lock poisoned") =
            Some((Instant::now(), counts.clone()));
        Ok(counts)
    }
}

/// The competition, unless it is unknown or a draft.
pub async fn shown_competition(
    stores: &Stores,
    id: i64,
    now_ms: i64,
) -> Result<StoredCompetition, StandingsError> {
    stores
        .competitions
        .competition(id)
        .await?
        .filter(|s| s.competition.status(now_ms) != Status::Draft)
        .ok_or(StandingsError::NotFound(id))
}

/// The standings of a competition that is not a draft, as of `now_ms`.
pub async fn read(
    stores: &Stores,
    board: &dyn Leaderboard,
    registered: &Registered,
    id: i64,
    now_ms: i64,
) -> Result<Standings, StandingsError> {
    let stored = shown_competition(stores, id, now_ms).await?;
    let rules = &stored.competition.rules;
    let sides = stores.battles.district_battles(id).await?;
    let mut counts = registered.get(stores).await?;
    let behind = sides
        .iter()
        .any(|s| s.participants > counts.get(&s.district).copied().unwrap_or(0));
    if behind {
        counts = registered.counted_within(stores, RECOUNT_AFTER).await?;
    }
    let registered = counts;
    let points: HashMap<i64, i64> = board
        .top(
            Board::CompetitionDistricts,
            PeriodKey::Competition(id),
            rules.districts.len(),
        )
        .await?
        .into_iter()
        .map(|s| (s.member_id, s.score))
        .collect();
    let mut tallies = Vec::with_capacity(rules.districts.len());
    let mut tops = Vec::with_capacity(rules.districts.len());
    for (index, name) in rules.districts.iter().enumerate() {
        let index = index as i64;
        let side = sides
            .iter()
            .find(|s| &s.district == name)
            .cloned()
            .unwrap_or_default();
        tallies.push(DistrictTally {
            district: name.clone(),
            battles: side.battles as u32,
            wins: side.wins as u32,
            draws: side.draws as u32,
            losses: side.losses as u32,
            points: points.get(&index).copied().unwrap_or(0).max(0) as u32,
            participants: side.participants as u32,
            registered: registered.get(name).copied().unwrap_or(0) as u32,
            answers: side.answers as u64,
            correct: side.correct as u64,
            points_scored: side.points_scored.max(0) as u64,
        });
        tops.push(
            board
                .top(
                    Board::CompetitionMembers,
                    PeriodKey::CompetitionDistrict(id, index),
                    TOP_CONTRIBUTORS,
                )
                .await?,
        );
    }
    let ids: Vec<i64> = tops.iter().flatten().map(|s| s.member_id).collect();
    let names: HashMap<i64, String> = stores
        .members
        .members(&ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m.nickname))
        .collect();
    let battles: HashMap<(i64, String), i64> = stores
        .battles
        .member_battles_among(id, &ids)
        .await?
        .into_iter()
        .map(|m| ((m.member_id, m.district), m.battles))
        .collect();
    let districts = rank_districts(&tallies)
        .into_iter()
        .map(|ranked| {
            let t = ranked.tally;
            let index = rules
                .districts
                .iter()
                .position(|d| *d == t.district)
                .unwrap_or(0);
            let top_contributors = tops[index]
                .iter()
                .map(|s| Contributor {
                    place: s.rank,
                    member_id: s.member_id,
                    nickname: names
                        .get(&s.member_id)
                        .cloned()
                        .unwrap_or_else(|| NO_NAME.to_owned()),
                    points: s.score,
                    battles: battles
                        .get(&(s.member_id, t.district.clone()))
                        .copied()
                        .unwrap_or(0),
                })
                .collect();
            DistrictRow {
                place: ranked.place,
                index: index as i64,
                participation_rate: t.participation_rate(),
                accuracy: t.accuracy(),
                points: t.points,
                battles: t.battles,
                wins: t.wins,
                draws: t.draws,
                losses: t.losses,
                participants: t.participants,
                registered: t.registered,
                points_scored: t.points_scored,
                top_contributors,
                district: t.district,
            }
        })
        .collect();
    Ok(Standings {
        competition: Header {
            id,
            title: rules.title.clone(),
            status: stored.competition.status(now_ms).as_str(),
            starts_at_ms: rules.starts_at_ms,
            ends_at_ms: stored.competition.effective_end_ms(),
        },
        districts,
    })
}

/// A member's contribution to their district in a competition.
pub async fn my_contribution(
    stores: &Stores,
    board: &dyn Leaderboard,
    standings: &Standings,
    member_id: i64,
    district: &str,
) -> Result<MyContribution, StandingsError> {
    let id = standings.competition.id;
    let row = standings.districts.iter().find(|d| d.district == district);
    let standing = match row {
        Some(row) => board
            .around(
                Board::CompetitionMembers,
                PeriodKey::CompetitionDistrict(id, row.index),
                member_id,
                0,
            )
            .await?
            .into_iter()
            .find(|s| s.member_id == member_id),
        None => None,
    };
    let battles = stores
        .battles
        .member_battles_among(id, &[member_id])
        .await?
        .into_iter()
        .filter(|m| m.district == district)
        .map(|m| m.battles)
        .sum();
    Ok(MyContribution {
        member_id,
        district: district.to_owned(),
        points: standing.as_ref().map_or(0, |s| s.score),
        battles,
        rank_in_district: standing.map(|s| s.rank),
    })
}
